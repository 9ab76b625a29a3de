/**
 * The GPT Image Trigger loses no paid task and starts one run per task: a delivery whose image
 * downloads fail is answered "deliver again" (and is not remembered), and deliveries of the same
 * task arriving together start one run. n8n loads static data per call and saves it after (the
 * harness does the same), so only the trigger's own in-process registry can tell them apart.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { PROVIDERS } from '../../nodes/providers';
import { finishedDelivery } from '../engine/deliveries';
import { createTrigger } from '../engine/harness';
import type { TriggerHandle } from '../engine/harness';
import { credentialsFor, NODES, startFakes, stopFakes } from '../engine/setup';
import type { Fakes, NodeName } from '../engine/setup';

let fakes: Fakes;
const outcomes: Record<string, Record<string, string>> = {};
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => {
	await stopFakes(fakes);
	const lines = [
		`| path | ${callbacking.join(' | ')} |`,
		`|---|${callbacking.map(() => '---|').join('')}`,
	];
	for (const [name, cells] of Object.entries(outcomes)) {
		lines.push(`| ${name} | ${callbacking.map((n) => cells[n] ?? 'n/a').join(' | ')} |`);
	}
	process.stdout.write(`\nTrigger paths (runs started per paid task)\n${lines.join('\n')}\n\n`);
});
const note = (name: string, node: string, cell: string) => ((outcomes[name] ??= {})[node] = cell);
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

const callbacking = NODES.filter((n) => PROVIDERS.find((p) => p.key === n)!.adapter.callback);

async function trigger(node: NodeName, options: INodeParameters = {}): Promise<TriggerHandle> {
	const handle = await createTrigger({
		node: {
			name: 'GPT Image Trigger',
			type: 'gptImageTrigger',
			parameters: { provider: node, options },
		},
		credentials: credentialsFor(fakes),
	});
	await handle.lifecycle('create');
	return handle;
}

describe.each(callbacking)('%s trigger', (node) => {
	it('a delivery whose download fails is answered 503, not remembered, and its retry starts the run', async () => {
		const handle = await trigger(node, { output: 'binary' });
		const delivery = await finishedDelivery(fakes, node);
		fakes[node].inject({ route: 'download', status: 404 });
		const first = await handle.call(delivery);
		expect(first.items).toBeUndefined();
		expect(first.response).toMatchObject({
			statusCode: 503,
			body: { error: 'Could not take the images now; deliver again' },
		});
		const retried = await handle.call(delivery);
		expect(retried.items).toHaveLength(1);
		expect(retried.items![0].binary?.data?.mimeType).toMatch(/^image\//);
		const again = await handle.call(delivery);
		expect(again.response.body).toMatchObject({ duplicate: true });
		note(
			'download fails on the first delivery (Output Images As: Binary Files)',
			node,
			'503, then 1 run on the retry',
		);
	});

	it('five deliveries of the same task at once start one run, with a stable delivery key', async () => {
		const handle = await trigger(node, { output: 'binary' });
		const delivery = await finishedDelivery(fakes, node);
		const calls = await Promise.all(
			Array.from({ length: 5 }, async () => await handle.call(delivery)),
		);
		const started = calls.filter((c) => c.items !== undefined);
		expect(started).toHaveLength(1);
		expect(started[0].items![0].json.deliveryKey).toMatch(/^[0-9a-f]{32}$/);
		expect(
			calls.filter((c) => (c.response.body as IDataObject | undefined)?.duplicate),
		).toHaveLength(4);
	});
});
