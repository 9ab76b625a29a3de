/**
 * Stopping an execution while tasks are being polled ends the node within 1 s, whether it is
 * waiting for the next check, inside a status request, or backing off after a 429.
 */
import type { Fault } from '../fakes';
import { startWorkflow } from '../engine/harness';
import { credentialsFor, startFakes, stopFakes } from '../engine/setup';
import type { Fakes, NodeName } from '../engine/setup';

let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

async function until(condition: () => boolean, timeoutMs = 15000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not reached');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const CASES: Array<[string, NodeName, Fault | undefined, (f: Fakes) => boolean]> = [
	['between two checks', 'evoLink', undefined, (f) => f.evoLink.counts.statusPolls >= 3],
	[
		'inside a slow status request',
		'starMagic',
		{ route: 'poll', mode: 'delay', delayMs: 20000 },
		(f) => f.starMagic.counts.statusPolls >= 1,
	],
	[
		'backing off after a 429 with Retry-After: 30',
		'apiframe',
		{ route: 'poll', status: 429, headers: { 'Retry-After': '30' }, times: 5 },
		(f) => f.apiframe.counts.statusPolls + f.apiframe.counts.listPolls >= 1,
	],
];

describe('stopping an execution', () => {
	it.each(CASES)('ends the node within 1 s when stopped %s', async (_name, node, fault, polled) => {
		if (fault) fakes[node].inject(fault);
		const handle = await startWorkflow({
			nodes: [
				{
					name: 'Image',
					type: node,
					parameters: {
						resource: 'image',
						operation: 'generate',
						prompt: '={{ $json.prompt }}',
						options: { maxWaitSeconds: 120 },
					},
				},
			],
			credentials: credentialsFor(fakes),
			inputItems: [
				{ json: { prompt: 'a [never]' } },
				{ json: { prompt: 'b [never]' } },
				{ json: { prompt: 'c [never]' } },
			],
			timeoutMs: 60000,
		});
		await until(() => polled(fakes));
		const stoppedAt = Date.now();
		handle.cancel();
		await handle.finished.catch(() => undefined);
		const took = Date.now() - stoppedAt;
		expect(took).toBeLessThan(1000);
		expect((await handle.result).status).toBe('canceled');
		expect(fakes[node].counts.submissions).toBe(3);
	});
});
