/**
 * Fault matrix: each provider fault, injected into the fake of every provider, with two items
 * and Continue On Fail. Each item must end with its image or a clear error of its own, the other
 * item must be unaffected, and the fake must have billed exactly the submissions it should.
 * The matrix is printed at the end (fault x provider -> outcome, submissions counted).
 */
import type { IDataObject } from 'n8n-workflow';

import type { Fault } from '../fakes';
import { ADAPTERS, NODES, runImage, startFakes, stopFakes } from '../engine/setup';
import { unreadable } from '../tools/readable';
import type { Fakes, NodeName } from '../engine/setup';

const PROVIDERS = NODES;

/** Expectations by provider, by kind of submission (idempotent or not), or for all. */
type Expectation = { outcome: Outcome; submissions: number };
type ExpectKey = NodeName | 'all' | 'idempotent' | 'notIdempotent';

/** What the affected item should end with: its image, or an error whose message matches. */
type Outcome = 'image' | RegExp;

interface Case {
	name: string;
	fault?: Fault;
	/** Prompt of item 0 (item 1 always asks for a plain image). */
	prompt?: string;
	options?: IDataObject;
	/** Outcome of the affected item and billed submissions, per provider or kind of provider. */
	expect: Partial<Record<ExpectKey, Expectation>>;
	/** The fault hits every item, not just one (a fault that never stops). */
	everyItem?: boolean;
	/** Options of the fake for this case only (e.g. the size of result images). */
	fakeOptions?: Record<string, unknown>;
	/** The fake still finishes a delayed request after the node gave up: wait for it before counting. */
	settleMs?: number;
}

const image = (submissions = 2) => ({ outcome: 'image' as const, submissions });
const failed = (pattern: RegExp, submissions = 2) => ({ outcome: pattern, submissions });
const AMBIGUOUS = /may have created \(and billed\) a task/;

const CASES: Case[] = [
	{
		name: 'status 429 with Retry-After',
		fault: { route: 'poll', status: 429, headers: { 'Retry-After': '1' } },
		expect: { all: image() },
	},
	{
		name: 'status 429 without Retry-After',
		fault: { route: 'poll', status: 429 },
		expect: { all: image() },
	},
	{ name: 'status 500', fault: { route: 'poll', status: 500 }, expect: { all: image() } },
	{ name: 'status 502', fault: { route: 'poll', status: 502 }, expect: { all: image() } },
	{
		name: 'status 503 twice',
		fault: { route: 'poll', status: 503, times: 2 },
		expect: { all: image() },
	},
	{
		name: 'status connection reset',
		fault: { route: 'poll', mode: 'reset' },
		expect: { all: image() },
	},
	{
		name: 'status reset mid-response',
		fault: { route: 'poll', mode: 'resetMidBody' },
		expect: { all: image() },
	},
	// Delays are clock time (20x faster than real: 40 s = 2 s); request timeouts are real time.
	{
		name: 'status slower than request timeout',
		fault: { route: 'poll', mode: 'delay', delayMs: 40000 },
		options: { requestTimeoutSeconds: 1 },
		settleMs: 1500,
		expect: { all: image() },
	},
	{
		name: 'status malformed JSON',
		fault: { route: 'poll', mode: 'malformed' },
		expect: { all: image() },
	},
	{
		name: 'status field renamed (drift)',
		fault: { route: 'poll', mode: 'drift' },
		expect: { all: failed(/Unexpected .* response: field "results?"/) },
	},
	{
		name: 'status value unknown',
		fault: { route: 'poll', mode: 'unknownStatus' },
		expect: { all: failed(/Unexpected .* response: field "status"/) },
	},
	{ name: 'submit 429', fault: { route: 'submit', status: 429 }, expect: { all: image() } },
	{
		name: 'submit 500, no task created',
		fault: { route: 'submit', status: 500 },
		expect: { notIdempotent: failed(AMBIGUOUS, 1), idempotent: image() },
	},
	{
		name: 'submit 502 after the task was created',
		fault: { route: 'submit', status: 502, createTask: true },
		expect: { notIdempotent: failed(AMBIGUOUS), idempotent: image() },
	},
	{
		name: 'submit connection reset after creating',
		fault: { route: 'submit', mode: 'reset', createTask: true },
		expect: { notIdempotent: failed(AMBIGUOUS), idempotent: image() },
	},
	{
		name: 'submit slower than request timeout',
		fault: { route: 'submit', mode: 'delay', delayMs: 40000 },
		settleMs: 2500,
		options: { requestTimeoutSeconds: 1 },
		expect: { notIdempotent: failed(AMBIGUOUS), idempotent: image() },
	},
	{
		name: 'submit malformed JSON after creating',
		fault: { route: 'submit', mode: 'malformed', createTask: true },
		expect: {
			notIdempotent: failed(
				/^\w+: The provider sent an unreadable \(not JSON\) answer .*may have created \(and billed\) a task/,
			),
			idempotent: image(),
		},
	},
	{
		name: 'task fails: content_policy_violation',
		prompt: 'blocked [fail:content_policy_violation]',
		expect: { all: failed(/failed: .*(policy|Policy)/) },
	},
	{
		name: 'task fails: retryable service_error',
		prompt: 'unlucky [fail:service_error]',
		expect: { all: failed(/failed: /) },
	},
	{
		name: 'task never finishes',
		prompt: 'stuck [never]',
		// Well above the healthy item's 3 s task, so a loaded machine cannot time that one out too.
		options: { maxWaitSeconds: 20 },
		expect: { all: failed(/did not finish within 20 s/) },
	},
	{
		name: 'result URL 404',
		fault: { route: 'download', status: 404 },
		expect: { all: failed(/answered 404/) },
	},
	{
		name: 'result URL expired (410)',
		fault: { route: 'download', status: 410 },
		expect: { all: failed(/answered 410/) },
	},
	{
		name: 'result download 503',
		fault: { route: 'download', status: 503 },
		expect: { all: image() },
	},
	{
		name: 'download truncated once',
		fault: { route: 'download', mode: 'truncate' },
		expect: { all: image() },
	},
	{
		name: 'download always truncated',
		fault: { route: 'download', mode: 'truncate', times: Infinity },
		everyItem: true,
		expect: {
			all: failed(
				/Could not download the result image: (the download ended after|the connection broke off)/,
			),
		},
	},
	{
		name: 'result larger than Max Download Size',
		fakeOptions: { resultBytes: 3 * 1048576 },
		options: { maxDownloadMb: 1 },
		everyItem: true,
		expect: { all: failed(/the image is 3 MB, above the 1 MB limit/) },
	},
	{
		name: 'download wrong content type',
		fault: { route: 'download', mode: 'wrongType' },
		expect: { all: failed(/is not a PNG, JPEG, WebP or GIF image/) },
	},
];

let fakes: Fakes;
const matrix: Array<{ fault: string; cells: Record<string, string> }> = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
	process.on('unhandledRejection', onUnhandled);
	fakes = await startFakes();
});
afterAll(async () => {
	process.off('unhandledRejection', onUnhandled);
	await stopFakes(fakes);
	const lines = ['| fault | StarMagic | EvoLink | Apiframe |', '|---|---|---|---|'];
	for (const row of matrix)
		lines.push(`| ${row.fault} | ${PROVIDERS.map((p) => row.cells[p]).join(' | ')} |`);
	// Printed for the closing note and CI logs: outcome of the affected item, billed submissions.
	process.stdout.write(
		`\nFault matrix (affected item -> outcome; paid submissions counted by the fake)\n${lines.join('\n')}\n\n`,
	);
});

async function runCase(c: Case, provider: NodeName): Promise<string> {
	const fake = fakes[provider];
	fake.reset();
	const saved = { ...fake.options };
	Object.assign(fake.options, c.fakeOptions ?? {});
	if (c.fault) fake.inject(c.fault);
	try {
		return await runAndCheck(c, provider, fake);
	} finally {
		// The fake reads this very object: restore it in place.
		for (const key of Object.keys(fake.options))
			delete (fake.options as Record<string, unknown>)[key];
		Object.assign(fake.options, saved);
	}
}

async function runAndCheck(c: Case, provider: NodeName, fake: Fakes[NodeName]): Promise<string> {
	const kind = ADAPTERS[provider].idempotentSubmit ? 'idempotent' : 'notIdempotent';
	const expected = c.expect[provider] ?? c.expect[kind] ?? c.expect.all!;
	const result = await runImage(
		fakes,
		provider,
		{
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			options: { pollIntervalSeconds: 1, ...(c.options ?? {}) },
		},
		{
			items: [{ json: { prompt: c.prompt ?? 'first' } }, { json: { prompt: 'second' } }],
			continueOnFail: true,
			timeoutMs: 90000,
		},
	);
	expect(result.status).toBe('success');
	const out = result.output();
	expect(out).toHaveLength(2);
	expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	const errors = out.filter((i) => i.json.error !== undefined);
	const images = out.filter((i) => i.binary?.data?.mimeType?.startsWith('image/'));
	let outcome: string;
	if (expected.outcome === 'image') {
		expect(errors).toEqual([]);
		expect(images).toHaveLength(2);
		outcome = 'image';
	} else {
		// Exactly the affected item carries the error; the other still has its image.
		expect(errors).toHaveLength(c.everyItem ? 2 : 1);
		for (const error of errors) {
			expect(`${error.json.error} ${error.json.description ?? ''}`).toMatch(expected.outcome);
			// A sentence a person can act on: no leaked template words.
			expect(unreadable(String(error.json.error))).toBeUndefined();
			expect(unreadable(error.json.description as string | undefined)).toBeUndefined();
		}
		expect(images).toHaveLength(c.everyItem ? 0 : 1);
		if (c.prompt) expect(errors[0].pairedItem).toEqual({ item: 0 });
		outcome = `error: ${String(errors[0].json.error)
			.replace(/^\w+: /, '')
			.slice(0, 48)}`;
	}
	if (c.settleMs) await new Promise((resolve) => setTimeout(resolve, c.settleMs));
	expect(fake.counts.submissions).toBe(expected.submissions);
	return `${outcome} (${fake.counts.submissions} billed)`;
}

describe('fault matrix', () => {
	it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
		// allSettled: a failing provider must not leave the others running into the next case.
		const settled = await Promise.allSettled(
			PROVIDERS.map(async (provider) => [provider, await runCase(c, provider)] as const),
		);
		const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
		if (failure) throw failure.reason;
		matrix.push({
			fault: c.name,
			cells: Object.fromEntries(
				settled.map((s) => (s as PromiseFulfilledResult<readonly [NodeName, string]>).value),
			),
		});
	});

	it('left no unhandled promise rejection behind', () => {
		expect(unhandled).toEqual([]);
	});
});
