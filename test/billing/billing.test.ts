/**
 * `npm run test:billing`: the ordinary paths that used to pay twice or lose paid work, each run
 * in n8n's engine with the node settings a user sets (Retry On Fail, Continue On Fail), against
 * every provider it applies to. Each path asserts that the paid tasks are exactly the images
 * asked for, and that every paid task's ID is in an output item, in the error, or in the
 * execution's custom data. The table of outcomes is printed at the end.
 * The trigger's paths are in test/billing/trigger.billing.test.ts.
 */
import type { INodeParameters } from 'n8n-workflow';
import * as path from 'node:path';

import type * as LedgerModule from '../../nodes/shared/ledger';
import type { FakeProvider } from '../fakes';
import { REPO_ROOT } from '../engine/harness';
import type { RunResult } from '../engine/harness';
import { ADAPTERS, NODES, retryOnFail, runImage, startFakes, stopFakes } from '../engine/setup';
import type { Fakes, NodeName } from '../engine/setup';

/** The ledger of the engine's copy of the nodes (dist), to stand for a second process. */
const { ledger } = require(path.join(REPO_ROOT, 'dist/nodes/shared/ledger')) as typeof LedgerModule;

let fakes: Fakes;
const rows: Array<{ path: string; cells: Record<string, string> }> = [];
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => {
	await stopFakes(fakes);
	const lines = [
		`| path | ${NODES.map((n) => ADAPTERS[n].displayName).join(' | ')} |`,
		`|---|${NODES.map(() => '---|').join('')}`,
	];
	for (const row of rows)
		lines.push(`| ${row.path} | ${NODES.map((n) => row.cells[n] ?? 'n/a').join(' | ')} |`);
	process.stdout.write(
		`\nBilling paths (paid tasks / images asked; where every paid task ID was found)\n${lines.join('\n')}\n\n`,
	);
});
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

/** Tasks the provider bills: accepted and not failed (failed tasks are refunded or not charged). */
const paid = (fake: FakeProvider) => [...fake.tasks.values()].filter((t) => t.outcome !== 'failed');

/** Where each paid task's ID can be found after the run: output, error, custom data. */
function traces(result: RunResult, fake: FakeProvider): string[] {
	const output = JSON.stringify(result.output());
	const error = `${result.error?.message ?? ''} ${result.error?.description ?? ''}`;
	const custom = JSON.stringify(result.customData);
	return paid(fake).map((task) => {
		const where = [
			output.includes(task.id) && 'output',
			error.includes(task.id) && 'error',
			custom.includes(task.id) && 'custom data',
		];
		return where.filter(Boolean).join('+') || 'nowhere';
	});
}

function record(pathName: string, node: NodeName, cell: string): void {
	let row = rows.find((r) => r.path === pathName);
	if (!row) rows.push((row = { path: pathName, cells: {} }));
	row.cells[node] = cell;
}

const retry = retryOnFail(3);
const gen = (extra: INodeParameters = {}): INodeParameters => ({
	operation: 'generate',
	prompt: '={{ $json.prompt }}',
	options: { pollIntervalSeconds: 1, output: 'url' },
	...extra,
});
const items = (...prompts: string[]) => prompts.map((prompt) => ({ json: { prompt } }));

describe.each(NODES)('%s', (node) => {
	it('3 items, the second fails its task, Retry On Fail (3 tries): the others are paid once', async () => {
		const result = await runImage(fakes, node, gen(), {
			items: items('one', 'two [fail:generation_timeout]', 'three'),
			node: retry,
		});
		expect(result.status).toBe('error');
		const fake = fakes[node];
		// Items 1 and 3 once each; the failing item tried three times (failed tasks are not paid).
		expect(paid(fake)).toHaveLength(2);
		expect(fake.counts.submissions).toBe(5);
		expect(traces(result, fake).every((t) => t.includes('error'))).toBe(true);
		expect(result.error?.description).toMatch(/Retry On Fail takes them over/);
		record(
			'3 items, item 2 fails its task, Retry On Fail x3',
			node,
			`${paid(fake).length} / 2; ${traces(result, fake).join(', ')}`,
		);
	});

	it('the first item fails while the others still run: the error names every task the run paid for', async () => {
		const result = await runImage(fakes, node, gen(), {
			items: items('bad [fail:content_policy_violation]', 'two [slow:60000]', 'three [slow:60000]'),
		});
		expect(result.status).toBe('error');
		const fake = fakes[node];
		expect(paid(fake)).toHaveLength(2);
		expect(traces(result, fake)).toEqual(['error+custom data', 'error+custom data']);
		expect(result.error?.description).toMatch(/\(processing\)|\(queued\)/);
		record(
			'item 1 fails, items 2-3 still running (no Continue On Fail)',
			node,
			`${paid(fake).length} / 2; ${traces(result, fake).join(', ')}`,
		);
	});

	it('the same, with Retry On Fail: the retry takes the running tasks over and finishes them', async () => {
		const fake = fakes[node];
		const result = await runImage(fakes, node, gen(), {
			items: items('bad [fail:content_policy_violation]', 'two [slow:8000]', 'three [slow:8000]'),
			node: retry,
		});
		expect(result.status).toBe('error');
		expect(paid(fake)).toHaveLength(2);
		expect(fake.counts.submissions).toBe(2 + 3);
		expect(result.error?.description).toMatch(/\(completed\)/);
		record(
			'item 1 fails, items 2-3 running, Retry On Fail x3',
			node,
			`${paid(fake).length} / 2; ${traces(result, fake).join(', ')}`,
		);
	});

	it('a submission cut off after the provider made the task, with Retry On Fail', async () => {
		const fake = fakes[node];
		fake.inject({ route: 'submit', mode: 'reset', createTask: true });
		const result = await runImage(fakes, node, gen(), { items: items('cut'), node: retry });
		expect(paid(fake)).toHaveLength(1);
		if (ADAPTERS[node].idempotentSubmit) {
			// Resent at once with the same Idempotency-Key: replayed, not billed, and the ID is known.
			expect(result.status).toBe('success');
			expect(fake.counts.replays).toBe(1);
			expect(traces(result, fake)).toEqual([expect.stringContaining('output')]);
		} else {
			// No idempotency: never sent again, not even by Retry On Fail; the error says so.
			expect(result.status).toBe('error');
			expect(fake.counts.submitRequests).toBe(1);
			expect(result.error?.message).toMatch(
				/An earlier try of this node sent this task and got no answer/,
			);
			expect(result.error?.description).toMatch(/Retry On Fail will not send it again either/);
		}
		record(
			'submit cut off after the task was made, Retry On Fail x3',
			node,
			`${paid(fake).length} / 1; ${traces(result, fake).join(', ')}`,
		);
	});

	it('Continue On Fail with Retry On Fail: a failing first item does not make the others pay again', async () => {
		const fake = fakes[node];
		const result = await runImage(fakes, node, gen(), {
			items: items('bad [fail:content_policy_violation]', 'two'),
			continueOnFail: true,
			node: retry,
		});
		expect(result.status).toBe('success');
		expect(paid(fake)).toHaveLength(1);
		expect(traces(result, fake)).toEqual([expect.stringContaining('output')]);
		record(
			'Continue On Fail + Retry On Fail, item 1 fails',
			node,
			`${paid(fake).length} / 1; ${traces(result, fake).join(', ')}`,
		);
	});

	it('every submitted task is counted in the execution custom data and logged', async () => {
		const fake = fakes[node];
		const result = await runImage(fakes, node, gen(), { items: items('a', 'b') });
		expect(result.status).toBe('success');
		const ids = paid(fake).map((t) => t.id);
		expect(result.customData.gptImageTasks).toBe(String(ids.length));
		for (const id of ids) expect(result.customData.gptImageTaskIds).toContain(id);
	});
});

describe.each(NODES.filter((n) => ADAPTERS[n].idempotentSubmit))(
	'%s in another process',
	(node) => {
		it('a retry that lands in another process is replayed by the provider, not billed', async () => {
			const fake = fakes[node];
			const same = {
				executionId: 'billing-1',
				workflowId: 'billing-wf',
				node: { id: 'billing-node' },
			};
			const run = async () =>
				await runImage(fakes, node, gen(), { items: items('elsewhere'), ...same });
			await run();
			ledger.clear(); // a new process knows nothing of the first try
			const again = await run();
			expect(again.status).toBe('success');
			expect(fake.counts).toMatchObject({ submissions: 1, replays: 1 });
			record(
				'the same execution retried in another process',
				node,
				`${paid(fake).length} / 1; replayed`,
			);
		});
	},
);
