/**
 * Spend control in n8n's engine against the fakes, whose accounts bill each task and refund
 * failed ones: Max Credits per Execution, Check Balance First, Account > Get Credits, and the
 * normalised `credits` per image.
 */
import * as path from 'node:path';

import type * as SpendModule from '../../nodes/shared/spend';
import { REPO_ROOT } from './harness';
import { FAST, NODES, runImage, startFakes, stopFakes } from './setup';
import type { RunResult } from './harness';
import type { Fakes, NodeName, RunOptions } from './setup';

let fakes: Fakes;
/** The spend module the engine loads (dist): its price book is the process's memory of prices. */
const spend = require(path.join(REPO_ROOT, 'dist/nodes/shared/spend')) as typeof SpendModule;

beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => {
	spend.priceBook.clear();
	for (const fake of Object.values(fakes)) {
		fake.reset();
		delete fake.options.balance;
	}
});

/** What one image costs at each fake (unified: 2.5 reserved per image; Apiframe: 24 at quality auto). */
const PRICE: Record<NodeName, number> = { starMagic: 2.5, evoLink: 2.5, apiframe: 24 };
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
	it("a cap of 5 tasks' worth submits 5 tasks of a 50-item batch; the other 45 items fail with the numbers", async () => {
		const result = await runBatch(
			node,
			50,
			{ maxCredits: 5 * PRICE[node] },
			{ continueOnFail: true },
		);
		const out = result.output();
		const refused = out.filter((i) => typeof i.json.error === 'string');
		const made = out.filter((i) => i.json.error === undefined);
		measured.push(`| ${node} | ${fakes[node].counts.submissions} | ${refused.length} |`);
		// At most K tasks, plus at most the one that taught the price.
		expect(fakes[node].counts.submissions).toBeLessThanOrEqual(6);
		expect(fakes[node].counts.submissions).toBe(5);
		expect(made).toHaveLength(5);
		expect(made.every((i) => i.json.credits === PRICE[node])).toBe(true);
		expect(refused).toHaveLength(45);
		expect(refused[0].json.error).toMatch(
			/^Max Credits per Execution: not submitted, the cap of \d/,
		);
		expect(refused[0].json.description).toMatch(/are spent or reserved in this execution/);
		expect(refused[0].json.description).toMatch(
			/45 of the 50 items of this execution were not submitted/,
		);
		// Paired to their own input items, in order.
		expect(out.map((i) => (i.pairedItem as { item: number }).item)).toEqual(
			Array.from({ length: 50 }, (_, i) => i),
		);
	});

	it('the error output gets the items left out; without Continue On Fail the node stops with the cap', async () => {
		const routed = await runBatch(
			node,
			6,
			{ maxCredits: 2 * PRICE[node] },
			{ node: { onError: 'continueErrorOutput' } },
		);
		const [main, errors] = routed.outputs();
		expect(main).toHaveLength(2);
		expect(errors).toHaveLength(4);
		fakes[node].reset();
		const stopped = await runBatch(node, 6, { maxCredits: 2 * PRICE[node] });
		expect(stopped.error?.message).toMatch(/Max Credits per Execution/);
		expect(fakes[node].counts.submissions).toBeLessThanOrEqual(3);
	});

	it('Get Credits returns the balance, which the next task lowers by its price', async () => {
		fakes[node].options.balance = 500;
		const before = await runImage(fakes, node, { resource: 'account', operation: 'getCredits' });
		expect(before.error).toBeUndefined();
		expect(before.output()).toHaveLength(1);
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
		// kind in this process (StarMagic, EvoLink: this first run teaches it).
		await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'teach the price',
			options: FAST,
		});
		fakes[node].reset();
		fakes[node].options.balance = 3 * PRICE[node];
		const result = await runBatch(node, 10, { checkBalance: true }, { continueOnFail: true });
		expect(fakes[node].counts.submissions).toBe(0);
		expect(fakes[node].counts.keyChecks).toBe(1);
		const out = result.output();
		expect(out).toHaveLength(10);
		expect(out[0].json.error).toMatch(/^Check Balance First: the balance cannot cover this batch/);
		expect(out[0].json.description).toContain(`The balance is ${3 * PRICE[node]}`);
		expect(out[0].json.description).toContain(`would take about ${10 * PRICE[node]}`);
	});

	it('Check Balance First with enough credits submits the whole batch after one balance request', async () => {
		fakes[node].options.balance = 100 * PRICE[node];
		const result = await runBatch(node, 4, { checkBalance: true });
		expect(result.error).toBeUndefined();
		expect(fakes[node].counts.submissions).toBe(4);
		expect(fakes[node].counts.keyChecks).toBe(1);
	});
});

describe('Check Balance First before any price is known (StarMagic, EvoLink)', () => {
	it.each(NODES.filter((n) => n !== 'apiframe'))(
		'%s: one task teaches the price, then the rest of a batch the balance cannot cover is not submitted',
		async (node) => {
			fakes[node].options.balance = 3 * PRICE[node];
			const result = await runBatch(node, 10, { checkBalance: true }, { continueOnFail: true });
			expect(fakes[node].counts.submissions).toBe(1);
			const refused = result.output().filter((i) => typeof i.json.error === 'string');
			expect(refused).toHaveLength(9);
			expect(refused[0].json.error).toMatch(/Check Balance First/);
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
