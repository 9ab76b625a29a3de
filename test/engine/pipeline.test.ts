/**
 * The edges of the one door (nodes/shared/pipeline.ts) that the cap and property tests do not
 * reach, in n8n's engine against the fakes: a balance that cannot be read, a failed submission's
 * place under the cap by the answer it got, a recorded Apiframe call sent again by Retry On Fail,
 * what the execution's custom data counts, and the fields an output item carries or not.
 */
import * as path from 'node:path';

import type * as LedgerModule from '../../nodes/shared/ledger';
import { forgetPrices } from '../billing/memory';
import { REPO_ROOT } from './harness';
import { n8nCoreAtLeast } from './harness/compat';
import type { RunResult } from './harness';
import { FAST, PRICE, retryOnFail, runImage, startFakes, stopFakes } from './setup';
import type { Fakes, RunOptions } from './setup';

let fakes: Fakes;
const ledger = require(path.join(REPO_ROOT, 'dist/nodes/shared/ledger')) as typeof LedgerModule;

beforeAll(async () => (fakes = await startFakes(1000)));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => {
	forgetPrices();
	for (const fake of Object.values(fakes)) fake.reset();
});

const prompts = (...texts: string[]) => texts.map((prompt) => ({ json: { prompt } }));
const statuses = (result: RunResult) => result.output().map((i) => i.json.status ?? 'error');
/** Execution custom data reaches the run's result from n8n 2.20 on; older lines skip it. */
function expectCounted(result: RunResult, count: number): void {
	if (n8nCoreAtLeast('2.20'))
		expect(result.customData[ledger.CUSTOM_DATA_COUNT]).toBe(String(count));
}
/** Every answer the client tries for one submission (MAX_ATTEMPTS). */
const EVERY_TRY = 5;

async function generate(
	node: 'evoLink' | 'apiframe',
	options: Record<string, unknown>,
	run: RunOptions,
	fields: Record<string, unknown> = {},
): Promise<RunResult> {
	const parameters = { operation: 'generate', prompt: '={{ $json.prompt }}', ...fields };
	return await runImage(fakes, node, { ...parameters, options: { ...FAST, ...options } }, run);
}

describe('Check Balance First at the edges', () => {
	it('a balance that cannot be read stops the node before any submission, and says how to go on', async () => {
		fakes.evoLink.inject({ route: 'keycheck', status: 500, times: Infinity });
		const result = await generate('evoLink', { checkBalance: true }, { items: prompts('a', 'b') });
		// The message stays the provider's own; the description says what it meant for the run.
		expect(result.error?.message).not.toMatch(/^Check Balance First/);
		expect(result.error?.description).toMatch(
			/^Check Balance First: the balance could not be read, so nothing was submitted\. .*Run again, or switch Check Balance First off in Options to run without it\.$/,
		);
		expect(fakes.evoLink.counts.submitRequests).toBe(0);
	});

	it('reads no balance when no item is left to submit', async () => {
		const result = await generate(
			'evoLink',
			{ checkBalance: true },
			{ items: prompts('', ''), continueOnFail: true },
		);
		expect(statuses(result)).toEqual(['error', 'error']);
		expect(fakes.evoLink.counts.keyChecks).toBe(0);
	});
});

describe('what an output item carries', () => {
	it('items left out by the cap are paired with their own input; no balance or callback fields unless asked', async () => {
		const result = await generate(
			'evoLink',
			{ maxCredits: 2 * PRICE.evoLink },
			{ items: prompts('a', 'b', 'c', 'd') },
		);
		expect(statuses(result)).toEqual(['completed', 'completed', 'notSubmitted', 'notSubmitted']);
		expect(result.output().map((i) => i.pairedItem)).toEqual(
			[0, 1, 2, 3].map((item) => ({ item })),
		);
		for (const { json } of result.output()) {
			expect(json).not.toHaveProperty('balanceBefore');
			expect(json).not.toHaveProperty('callbackConfirmed');
		}
	});

	it('Return Task IDs: a task item shows its credits per image, over the images its task makes', async () => {
		const asked = await runImage(fakes, 'evoLink', {
			operation: 'generate',
			prompt: 'a fox',
			model: 'gpt-image-1',
			numberOfImages: 3,
			completion: 'submit',
			options: FAST,
		});
		// One task of 3 images: what it reserved is spread over its 3 images.
		expect(asked.output().map((i) => i.json.creditsReserved)).toEqual([PRICE.evoLink]);
	});
});

describe("a failed submission's place under the cap, by the answer", () => {
	// Apiframe, cap worth 2 jobs, 3 items, Continue On Fail; the first item's every try answered:
	// - 400: no job was made, its place goes to the next item;
	// - 408, 429, 500: the recorded call may have made one (Apiframe deduplicates a resend), so
	//   its place stays taken and the third item is not submitted.
	// (429 and 5xx are tried 5 times by the client, 408 and 404 once.)
	it.each([
		[408, 1, ['error', 'completed', 'notSubmitted']],
		[429, EVERY_TRY, ['error', 'completed', 'notSubmitted']],
		[500, EVERY_TRY, ['error', 'completed', 'notSubmitted']],
		[404, 1, ['error', 'completed', 'completed']],
		// A redirect is not followed (the key stays with the provider) and proves nothing either way.
		[307, 1, ['error', 'completed', 'notSubmitted']],
	])('Apiframe answers %s', async (status, times, expected) => {
		fakes.apiframe.inject({ route: 'submit', status, times });
		const result = await generate(
			'apiframe',
			{ maxCredits: 2 * PRICE.apiframe },
			{ items: prompts('a', 'b', 'c'), continueOnFail: true },
		);
		expect(statuses(result)).toEqual(expected);
	});

	it('EvoLink answers 429 to every try: nothing was made, so the next item learns the price and the cap holds two', async () => {
		fakes.evoLink.inject({ route: 'submit', status: 429, times: EVERY_TRY });
		const result = await generate(
			'evoLink',
			{ maxCredits: 2 * PRICE.evoLink },
			{ items: prompts('a', 'b', 'c'), continueOnFail: true },
		);
		expect(statuses(result)).toEqual(['error', 'completed', 'completed']);
	});
});

describe('Retry On Fail sends a recorded Apiframe call again', () => {
	it('an answer lost after the job was made: the next try resends the call, takes the same job and counts it once', async () => {
		fakes.apiframe.inject({ route: 'submit', status: 502, createTask: true, times: EVERY_TRY });
		const result = await generate(
			'apiframe',
			{ maxCredits: 2 * PRICE.apiframe },
			{ items: prompts('a', 'b', 'c'), node: retryOnFail(2) },
		);
		expect(result.error).toBeUndefined();
		expect(statuses(result)).toEqual(['completed', 'completed', 'notSubmitted']);
		expect(fakes.apiframe.counts.submissions).toBe(2);
		const [first] = [...fakes.apiframe.tasks.keys()];
		expect(result.output()[0].json.taskId).toBe(first);
		expectCounted(result, 2);
	});

	it('a call refused with 400 is not sent again as is: the next try asks the cap again', async () => {
		fakes.apiframe.inject({ route: 'submit', status: 400 });
		const result = await generate(
			'apiframe',
			{ maxCredits: PRICE.apiframe },
			{ items: prompts('a', 'b'), node: retryOnFail(2) },
		);
		expect(statuses(result)).toEqual(['notSubmitted', 'completed']);
		expect(fakes.apiframe.counts.submissions).toBe(1);
	});

	it('every answer lost: the resend fails with the provider\u2019s own message', async () => {
		fakes.apiframe.inject({ route: 'submit', status: 502, createTask: true, times: Infinity });
		const result = await generate('apiframe', {}, { items: prompts('a'), node: retryOnFail(2) });
		expect(result.error?.message).not.toMatch(/undefined|is not a function/);
		expect(fakes.apiframe.counts.submissions).toBe(1);
		expect(fakes.apiframe.counts.submitRequests).toBe(2 * EVERY_TRY);
	});

	it('custom data counts each task once: a task a retry takes over is not counted again', async () => {
		const result = await generate(
			'evoLink',
			{},
			{ items: prompts('one', 'two [fail:generation_timeout]'), node: retryOnFail(2) },
		);
		expect(result.status).toBe('error');
		// Item 1's task once, item 2's failed task once per try.
		expectCounted(result, 3);
		expect(fakes.evoLink.counts.submissions).toBe(3);
	});
});

describe('Retry On Fail and a task that ended unpaid', () => {
	it.each(['failed', 'cancelled'])(
		'Apiframe: a job %s at the provider is sent again by the next try, not taken over',
		async (end) => {
			const prompt = end === 'failed' ? 'a [fail:content_policy]' : 'a [fail:cancelled]';
			const result = await generate(
				'apiframe',
				{},
				{ items: prompts(prompt), node: retryOnFail(2) },
			);
			expect(result.error?.message).toMatch(
				new RegExp(end === 'failed' ? 'content' : 'cancel', 'i'),
			);
			expect(fakes.apiframe.counts.submissions).toBe(2);
		},
	);
});

describe('the read-back turn and the cap', () => {
	it('Apiframe: a first submission the cap refuses gives up its read-back turn, so the next item is judged too', async () => {
		// 3:2 is worth reading back: the first job of that shape goes alone and the others wait for
		// its read. A cap below one job (24 credits) refuses it: nothing may wait for it after that.
		const result = await generate(
			'apiframe',
			{ maxCredits: 10 },
			{ items: prompts('a', 'b'), timeoutMs: 10000 },
			{ aspectRatio: '3:2' },
		);
		expect(statuses(result)).toEqual(['notSubmitted', 'notSubmitted']);
		expect(fakes.apiframe.counts.submitRequests).toBe(0);
	});
});
