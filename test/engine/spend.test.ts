/**
 * Spend control in n8n's engine against the fakes, whose accounts bill each task and refund
 * failed ones: Max Credits per Execution, Check Balance First, Account > Get Credits, and the
 * normalised `credits` per image.
 */
import * as path from 'node:path';

import type * as SpendModule from '../../nodes/shared/spend';
import { REPO_ROOT } from './harness';
import { capabilities } from './harness/compat';
import { ADAPTERS, FAST, NODES, PRICE, runImage, startFakes, stopFakes } from './setup';
import type { RunResult } from './harness';
import type { Fakes, NodeName, RunOptions } from './setup';

let fakes: Fakes;
/** The spend module the engine loads (dist): its price book is the process's memory of prices. */
const spend = require(path.join(REPO_ROOT, 'dist/nodes/shared/spend')) as typeof SpendModule;

beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => {
	spend.forgetPrices();
	for (const fake of Object.values(fakes)) {
		fake.reset();
		delete fake.options.balance;
	}
});

const items = (n: number) =>
	Array.from({ length: n }, (_, i) => ({ json: { prompt: `cat ${i}` } }));
const measured: string[] = [];

/** Generate over `count` items ({{ $json.prompt }} each) with the given Options and run settings. */
async function runBatch(
	node: NodeName,
	count: number,
	options: Record<string, unknown>,
	run: Omit<RunOptions, 'items'> = {},
): Promise<RunResult> {
	return await runImage(
		fakes,
		node,
		{ operation: 'generate', prompt: '={{ $json.prompt }}', options: { ...FAST, ...options } },
		{ ...run, items: items(count) },
	);
}

afterAll(() => {
	process.stdout.write(
		`\n50-item batch, Max Credits per Execution = 5 tasks' worth\n| provider | submissions | items not submitted |\n|---|---|---|\n${measured.join('\n')}\n\n`,
	);
});

describe.each(NODES)('%s spend control', (node) => {
	const skipped = (result: RunResult) =>
		result.output().filter((i) => i.json.status === 'notSubmitted');

	it("a cap of 5 tasks' worth submits 5 tasks of a 50-item batch; the other 45 items say why, and the node succeeds", async () => {
		const result = await runBatch(node, 50, { maxCredits: 5 * PRICE[node] });
		expect(result.status).toBe('success');
		const out = result.output();
		const made = out.filter((i) => i.json.status === 'completed');
		measured.push(`| ${node} | ${fakes[node].counts.submissions} | ${skipped(result).length} |`);
		expect(fakes[node].counts.submissions).toBe(5);
		expect(made).toHaveLength(5);
		expect(made.every((i) => i.json.creditsReserved === PRICE[node])).toBe(true);
		expect(skipped(result)).toHaveLength(45);
		expect(skipped(result)[0].json).toMatchObject({
			taskId: null,
			imageUrl: null,
			creditsReserved: null,
		});
		expect(skipped(result)[0].json.notSubmitted).toMatch(
			/^Max Credits per Execution: \d+(\.\d+)? of \d+(\.\d+)? .*credits are used in this execution/,
		);
		// Paired to their own input items, in order.
		expect(out.map((i) => (i.pairedItem as { item: number }).item)).toEqual(
			Array.from({ length: 50 }, (_, i) => i),
		);
		// n8n's output pane says it above the items, with what the provider reserved per image (where n8n has hints).
		const [task] = Object.values(result.run.data.resultData.runData)[0];
		if (capabilities.executionHints)
			expect(task.hints?.[0]?.message).toBe(
				`Max Credits per Execution: 45 task(s) were not submitted; their items have status notSubmitted and say why. ${ADAPTERS[node].displayName} reserved ${PRICE[node]} credits per gpt-image-1.5 image.`,
			);
	});

	it('Get Credits reads the balance once for all input items; the next task lowers it by its price', async () => {
		fakes[node].options.balance = 500;
		const before = await runImage(
			fakes,
			node,
			{ resource: 'account', operation: 'getCredits' },
			{ items: items(3) },
		);
		expect(before.error).toBeUndefined();
		expect(before.output()).toHaveLength(1);
		expect(before.output()[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(fakes[node].counts.keyChecks).toBe(1);
		expect(before.output()[0].json).toMatchObject({
			provider: expect.any(String),
			credits: 500,
			unit: expect.stringMatching(/credits$/),
		});
		await runImage(fakes, node, { operation: 'generate', prompt: 'a fox', options: FAST });
		const after = await runImage(fakes, node, { resource: 'account', operation: 'getCredits' });
		expect(after.output()[0].json.credits).toBe(500 - PRICE[node]);
		expect(fakes[node].counts.submissions).toBe(1);
	});

	it('Check Balance First: one balance request, and a balance that cannot cover the batch at a known price submits nothing', async () => {
		// The price is known from the published table (Apiframe) or from an earlier task of the same
		// kind on this account (StarMagic, EvoLink: this first run teaches it).
		await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'teach the price',
			options: FAST,
		});
		fakes[node].reset();
		fakes[node].options.balance = 3 * PRICE[node];
		const result = await runBatch(node, 10, { checkBalance: true });
		expect(fakes[node].counts.submissions).toBe(0);
		expect(fakes[node].counts.keyChecks).toBe(1);
		const out = result.output();
		expect(out).toHaveLength(10);
		expect(skipped(result)).toHaveLength(10);
		expect(out[0].json.balanceBefore).toBe(3 * PRICE[node]);
		expect(out[0].json.notSubmitted).toMatch(
			new RegExp(
				`^Check Balance First: the balance of ${3 * PRICE[node]} .* would take about ${10 * PRICE[node]}`,
			),
		);
	});

	it('Check Balance First with enough credits submits the whole batch after one balance request', async () => {
		fakes[node].options.balance = 100 * PRICE[node];
		const result = await runBatch(node, 4, { checkBalance: true });
		expect(result.error).toBeUndefined();
		expect(fakes[node].counts.submissions).toBe(4);
		expect(fakes[node].counts.keyChecks).toBe(1);
		expect(result.output().every((i) => i.json.balanceBefore === 100 * PRICE[node])).toBe(true);
	});
});

describe('Check Balance First before any price is known (StarMagic, EvoLink)', () => {
	it.each(NODES.filter((n) => n !== 'apiframe'))(
		'%s: one task teaches the price, then the rest of a batch the balance cannot cover is not submitted',
		async (node) => {
			fakes[node].options.balance = 3 * PRICE[node];
			const result = await runBatch(node, 10, { checkBalance: true });
			expect(fakes[node].counts.submissions).toBe(1);
			const refused = result.output().filter((i) => i.json.status === 'notSubmitted');
			expect(refused).toHaveLength(9);
			expect(refused[0].json.notSubmitted).toMatch(/^Check Balance First/);
		},
	);
});

describe('the provider refuses a task the balance cannot pay (no spend option set)', () => {
	it.each(NODES)('%s: its 402 message, nothing billed', async (node) => {
		fakes[node].options.balance = PRICE[node] / 2;
		const result = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'a fox',
			options: FAST,
		});
		expect(result.error?.message).toMatch(/credit|quota/i);
		expect(fakes[node].counts.submissions).toBe(0);
	});
});
