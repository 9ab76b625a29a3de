/**
 * The spend limits where they meet: Max Credits per Execution and Check Balance First together
 * with Retry On Fail, a node that runs several times in one execution (a loop), and providers
 * that report odd prices. Each case runs in n8n's engine against a fake provider that bills the
 * real price whatever its answers say, and counts the tasks the account paid for. Prints the
 * table at the end (`npm run test:billing`).
 */
import type { INodeParameters } from 'n8n-workflow';

import type { FakeProvider } from '../fakes';
import { startFakeProvider } from '../fakes';
import { REPEAT_TYPE, runWorkflow } from '../engine/harness';
import type { RunResult } from '../engine/harness';
import {
	clock,
	credentialsFor,
	PRICE,
	retryOnFail,
	runImage,
	SECRET,
	startFakes,
	stopFakes,
} from '../engine/setup';
import type { Fakes } from '../engine/setup';
import { forgetPrices } from './memory';

let fakes: Fakes;
const rows: string[] = [];
beforeAll(async () => (fakes = await startFakes(2000)));
afterAll(async () => {
	await stopFakes(fakes);
	process.stdout.write(
		`\nSpend limits where they meet (paid tasks / the most the limit allows)\n| path | paid | allowed |\n|---|---|---|\n${rows.join('\n')}\n\n`,
	);
});
beforeEach(() => {
	Object.values(fakes).forEach((f) => f.reset());
	forgetPrices();
});

/** Tasks the account paid for: accepted and not failed (failed tasks are refunded). */
const paid = (fake: FakeProvider) => [...fake.tasks.values()].filter((t) => t.outcome !== 'failed');

function record(what: string, count: number, allowed: string): void {
	rows.push(`| ${what} | ${count} | ${allowed} |`);
}

const gen = (options: Record<string, unknown>, extra: INodeParameters = {}): INodeParameters => ({
	operation: 'generate',
	prompt: '={{ $json.prompt }}',
	...extra,
	options: { pollIntervalSeconds: 1, output: 'url', ...options },
});
const prompts = (n: number) => Array.from({ length: n }, (_, i) => ({ json: { prompt: `p${i}` } }));

/** Every item is in the output: an image, or an item that says it was not submitted. */
function expectEveryItem(result: RunResult, count: number): void {
	const paired = new Set(result.output().map((item) => (item.pairedItem as { item: number }).item));
	expect(paired.size).toBe(count);
}

describe('Max Credits per Execution', () => {
	it('EvoLink, 12 items, Retry On Fail (3 tries), cap worth 3 tasks: 3 paid', async () => {
		const result = await runImage(fakes, 'evoLink', gen({ maxCredits: 3 * PRICE.evoLink }), {
			items: prompts(12),
			node: retryOnFail(3),
		});
		record(
			'EvoLink, 12 items, Retry On Fail x3, cap worth 3 tasks',
			paid(fakes.evoLink).length,
			'3',
		);
		expect(paid(fakes.evoLink)).toHaveLength(3);
		expect(result.status).toBe('success');
		expectEveryItem(result, 12);
		const skipped = result.output().filter((item) => item.json.status === 'notSubmitted');
		expect(skipped).toHaveLength(9);
		expect(String(skipped[0].json.notSubmitted)).toMatch(/Max Credits per Execution/);
	});

	it('Apiframe, 10 items, Retry On Fail (5 tries), cap worth 2 jobs: 2 paid', async () => {
		const result = await runImage(fakes, 'apiframe', gen({ maxCredits: 2 * PRICE.apiframe }), {
			items: prompts(10),
			node: retryOnFail(5),
		});
		record(
			'Apiframe, 10 items, Retry On Fail x5, cap worth 2 jobs',
			paid(fakes.apiframe).length,
			'2',
		);
		expect(paid(fakes.apiframe).length).toBe(2);
		expectEveryItem(result, 10);
	});

	it('the node runs 5 times in one execution (a loop), cap worth 2 tasks: 2 paid', async () => {
		const result = await runWorkflow({
			nodes: [
				{ name: 'Repeat', type: REPEAT_TYPE, parameters: { times: 5 } },
				{
					name: 'Image',
					type: 'evoLink',
					parameters: { resource: 'image', ...gen({ maxCredits: 2 * PRICE.evoLink }) },
				},
			],
			connections: {
				Repeat: { main: [[], [{ node: 'Image', type: 'main', index: 0 }]] },
				Image: { main: [[{ node: 'Repeat', type: 'main', index: 0 }]] },
			},
			credentials: credentialsFor(fakes),
			inputItems: prompts(1),
			timeoutMs: 30000,
		});
		const runs = result.run.data.resultData.runData.Image?.length ?? 0;
		record(
			'EvoLink, the node runs 5 times in one execution, cap worth 2 tasks',
			paid(fakes.evoLink).length,
			'2',
		);
		expect(runs).toBe(5);
		expect(paid(fakes.evoLink)).toHaveLength(2);
	});
});

describe('unknown prices keep the cap closed', () => {
	const cases: Array<[string, (n: number) => unknown]> = [
		['no price in the answers', () => undefined],
		['price 0', () => 0],
		['price -100 on the first task', (n) => (n === 1 ? -100 : 2.5)],
		['price as text', () => 'two and a half'],
	];
	it.each(cases)(
		'EvoLink, %s, 20 items, cap worth 3 tasks: at most 3 paid',
		async (what, price) => {
			let n = 0;
			fakes.evoLink.options.priceShown = () => price(++n);
			try {
				const result = await runImage(fakes, 'evoLink', gen({ maxCredits: 3 * PRICE.evoLink }), {
					items: prompts(20),
				});
				record(
					`EvoLink, ${what}, 20 items, cap worth 3 tasks`,
					paid(fakes.evoLink).length,
					'at most 3',
				);
				expect(paid(fakes.evoLink).length).toBeLessThanOrEqual(3);
				expectEveryItem(result, 20);
			} finally {
				delete fakes.evoLink.options.priceShown;
			}
		},
	);

	it('Apiframe, no price in the answers: the published table holds, 2 jobs for a cap of 2', async () => {
		fakes.apiframe.options.priceShown = () => undefined;
		try {
			await runImage(fakes, 'apiframe', gen({ maxCredits: 2 * PRICE.apiframe }), {
				items: prompts(10),
			});
			record(
				'Apiframe, no price in the answers, 10 items, cap worth 2 jobs',
				paid(fakes.apiframe).length,
				'2',
			);
			expect(paid(fakes.apiframe).length).toBe(2);
		} finally {
			delete fakes.apiframe.options.priceShown;
		}
	});

	it('price 0 learned from one account (a gateway), then another that charges 2.5: at most 3 paid', async () => {
		const gateway = await startFakeProvider('evoLink', {
			apiKey: SECRET.evoLink,
			taskDurationMs: 2000,
			clock,
			priceShown: () => 0,
		});
		try {
			const viaGateway = { ...fakes, evoLink: gateway };
			await runImage(viaGateway, 'evoLink', gen({ maxCredits: 1000 }), { items: prompts(2) });
			await runImage(fakes, 'evoLink', gen({ maxCredits: 3 * PRICE.evoLink }), {
				items: prompts(20),
			});
			record(
				'EvoLink, price 0 learned on a gateway, then an account at 2.5, 20 items, cap worth 3',
				paid(fakes.evoLink).length,
				'at most 3',
			);
			expect(paid(fakes.evoLink).length).toBeLessThanOrEqual(3);
		} finally {
			await gateway.close();
		}
	});
});

describe('Check Balance First', () => {
	it('balance 5, no price reported, 10 items: one task learns nothing, the rest is refused', async () => {
		fakes.evoLink.options.priceShown = () => undefined;
		fakes.evoLink.options.balanceShown = 5;
		try {
			const result = await runImage(fakes, 'evoLink', gen({ checkBalance: true }), {
				items: prompts(10),
			});
			record(
				'EvoLink, Check Balance First, balance 5, no price reported, 10 items',
				paid(fakes.evoLink).length,
				'at most 1',
			);
			expect(paid(fakes.evoLink).length).toBeLessThanOrEqual(1);
			expectEveryItem(result, 10);
			expect(result.output()[0].json.balanceBefore).toBe(5);
		} finally {
			delete fakes.evoLink.options.priceShown;
			delete fakes.evoLink.options.balanceShown;
		}
	});
});

describe('Retry On Fail keys on the slot', () => {
	it.each(['evoLink', 'apiframe'])(
		'%s: a prompt that reads the clock, item 2 fails, Retry On Fail x3: one task per good item',
		async (node) => {
			const fake = fakes[node];
			const result = await runImage(
				fakes,
				node,
				gen({}, { prompt: "={{ $json.prompt + ' ' + $now.toMillis() }}" }),
				{
					items: [
						{ json: { prompt: 'one' } },
						{ json: { prompt: 'two [fail:generation_timeout]' } },
						{ json: { prompt: 'three' } },
					],
					node: retryOnFail(3),
				},
			);
			record(
				`${fake.provider.adapter.displayName}, prompt with $now, item 2 fails, Retry On Fail x3`,
				paid(fake).length,
				'2',
			);
			expect(result.status).toBe('error');
			expect(paid(fake).length).toBe(2);
		},
	);
});

describe('a failed submission and the cap', () => {
	it('Apiframe: a submit refused with 400 made no job, so its place under the cap goes to the next item', async () => {
		fakes.apiframe.inject({ route: 'submit', status: 400 });
		const result = await runImage(fakes, 'apiframe', gen({ maxCredits: 2 * PRICE.apiframe }), {
			items: prompts(3),
			continueOnFail: true,
		});
		record(
			'Apiframe, first submit refused (400), 3 items, cap worth 2 jobs',
			paid(fakes.apiframe).length,
			'2',
		);
		expect(paid(fakes.apiframe)).toHaveLength(2);
		const [refused, ...made] = result.output();
		expect(refused.json.error).toBeDefined();
		expect(made.map((item) => item.json.status)).toEqual(['completed', 'completed']);
	});

	it('Apiframe: a submit answered 502 after the job was made counts under the cap, and its retry takes the same job', async () => {
		fakes.apiframe.inject({ route: 'submit', status: 502, createTask: true, times: Infinity });
		const result = await runImage(fakes, 'apiframe', gen({ maxCredits: 2 * PRICE.apiframe }), {
			items: prompts(3),
			continueOnFail: true,
		});
		// Every answer is lost: each slot may hold a job, so two slots fill the cap and the third
		// item is not submitted at all.
		const statuses = result.output().map((item) => item.json.status ?? 'error');
		expect(statuses).toEqual(['error', 'error', 'notSubmitted']);
		expect(fakes.apiframe.counts.submissions).toBe(2);
	});
});
