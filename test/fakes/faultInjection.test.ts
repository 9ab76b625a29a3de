/** Fault injection and lifecycle of the fakes, over real HTTP. */
import { startFakeProvider } from './index';
import type { FakeProvider } from './index';
import { af, download, evo, waitFor } from './testHelpers';

// ---------------------------------------------------------------- faults

describe('fault injection', () => {
	let evoLink: FakeProvider;
	let apiframe: FakeProvider;
	beforeAll(async () => {
		[evoLink, apiframe] = await Promise.all([
			startFakeProvider('evoLink', { taskDurationMs: 0 }),
			startFakeProvider('apiframe', { taskDurationMs: 0 }),
		]);
	});
	afterEach(() => {
		evoLink.reset();
		apiframe.reset();
	});
	afterAll(() => Promise.all([evoLink.close(), apiframe.close()]));

	const evoTask = async () =>
		((await (await evo(evoLink).submit({ model: 'gpt-image-1.5', prompt: 'x' })).json()) as any)
			.id as string;

	it('answers with provider envelopes by default and consumes faults in order', async () => {
		apiframe.inject({ route: 'submit', status: 503, times: 2 });
		apiframe.inject({ route: 'submit', status: 429, headers: { 'Retry-After': '2' } });
		apiframe.inject({ route: 'submit', status: 402 });
		const statuses: number[] = [];
		const bodies: unknown[] = [];
		for (let i = 0; i < 5; i++) {
			const res = await af(apiframe).submit({ model: 'gpt-image-1.5', prompt: 'x' });
			statuses.push(res.status);
			bodies.push(await res.json());
			if (res.status === 429) expect(res.headers.get('retry-after')).toBe('2');
		}
		expect(statuses).toEqual([503, 503, 429, 402, 202]);
		expect(bodies.slice(1, 4)).toEqual([
			{ error: 'Internal server error' },
			{ error: 'Too many requests' },
			{ error: 'Insufficient credits', creditsRequired: 24, creditsAvailable: 3 },
		]);
		expect(apiframe.counts).toMatchObject({ submissions: 1, submitRequests: 5 });
		expect(apiframe.pendingFaults).toEqual([]);

		evoLink.inject({ route: 'status', status: 429 });
		const limited = await evo(evoLink).task('task-unified-1-abcdefgh');
		expect(((await limited.json()) as any).error).toMatchObject({
			code: 'rate_limit_exceeded',
			type: 'evo_api_error',
		});
	});

	it('bills the task behind a failed submit only with createTask', async () => {
		evoLink.inject({ route: 'submit', status: 500 });
		evoLink.inject({ route: 'submit', status: 502, createTask: true });
		const plain = await evo(evoLink).submit({ model: 'gpt-image-1.5', prompt: 'x' });
		expect([plain.status, ((await plain.json()) as any).error.code]).toEqual([
			500,
			'internal_error',
		]);
		expect(evoLink.counts.submissions).toBe(0);
		const ambiguous = await evo(evoLink).submit({ model: 'gpt-image-1.5', prompt: 'x' });
		expect(ambiguous.status).toBe(502);
		expect(evoLink.counts.submissions).toBe(1);
		expect(evoLink.tasks.size).toBe(1);
	});

	it('resets the connection, with or without a partial body', async () => {
		evoLink.inject({ route: 'any', mode: 'reset' });
		await expect(evo(evoLink).get('/v1/credits')).rejects.toThrow();
		expect(evoLink.requests).toHaveLength(1);

		const id = await evoTask();
		evoLink.inject({ route: 'status', mode: 'resetMidBody' });
		const res = await evo(evoLink).task(id);
		expect(res.status).toBe(200);
		await expect(res.text()).rejects.toThrow();
	});

	it('delays, then answers normally', async () => {
		evoLink.inject({ route: 'keycheck', mode: 'delay', delayMs: 150 });
		const started = Date.now();
		const res = await evo(evoLink).get('/v1/credits');
		expect(res.status).toBe(200);
		expect(((await res.json()) as any).success).toBe(true);
		expect(Date.now() - started).toBeGreaterThanOrEqual(145);
	});

	it('sends truncated JSON for malformed', async () => {
		const id = await evoTask();
		evoLink.inject({ route: 'status', mode: 'malformed' });
		const text = await (await evo(evoLink).task(id)).text();
		expect(() => JSON.parse(text)).toThrow();
		expect(text.startsWith('{"created":')).toBe(true);
	});

	it('truncates downloads and serves HTML instead of images', async () => {
		const id = await evoTask();
		const url = ((await (await evo(evoLink).task(id)).json()) as any).results[0];
		evoLink.inject({ route: 'download', mode: 'truncate' });
		const cut = await fetch(url);
		expect(Number(cut.headers.get('content-length'))).toBeGreaterThan(1000);
		await expect(cut.arrayBuffer()).rejects.toThrow();

		evoLink.inject({ route: 'download', mode: 'wrongType' });
		const html = await download(url);
		expect(html.type).toMatch(/^text\/html/);
		expect(html.bytes.toString()).toMatch(/<html>/);
		expect((await download(url)).type).toBe('image/png');
	});

	it('drifts the result field and reports unknown statuses', async () => {
		evoLink.options.taskDurationMs = 60_000;
		const id = await evoTask();
		evoLink.inject({ route: 'status', mode: 'drift' });
		const drifted: any = await (await evo(evoLink).task(id)).json();
		expect(drifted.status).toBe('completed');
		expect(drifted.results).toBeUndefined();
		expect(drifted.result_urls).toHaveLength(1);
		evoLink.inject({ route: 'status', mode: 'unknownStatus' });
		expect(((await (await evo(evoLink).task(id)).json()) as any).status).toBe('weird_state');
		expect(((await (await evo(evoLink).task(id)).json()) as any).status).toBe('pending');
		evoLink.options.taskDurationMs = 0;

		const { jobId } = (await (
			await af(apiframe).submit({ model: 'gpt-image-2', prompt: 'x' })
		).json()) as any;
		apiframe.inject({ route: 'status', mode: 'drift' });
		const job: any = await (await af(apiframe).get(`/v2/jobs/${jobId}`)).json();
		expect(job).toMatchObject({
			status: 'COMPLETED',
			result_urls: { images: [expect.stringMatching(/\.webp$/)] },
		});
		expect('result' in job).toBe(false);
	});

	it('rejects malformed fault descriptions', () => {
		expect(() => evoLink.inject({ route: 'nope' as any })).toThrow(/route/);
		expect(() => evoLink.inject({ route: 'submit', mode: 'explode' as any })).toThrow(/mode/);
		expect(() => evoLink.inject({ route: 'submit', mode: 'delay' })).toThrow(/delayMs/);
	});
});

// ---------------------------------------------------------------- lifecycle

describe('lifecycle', () => {
	it('reset() clears requests, tasks, counters and faults', async () => {
		const fake = await startFakeProvider('evoLink');
		try {
			await evo(fake).submit({ model: 'gpt-image-1.5', prompt: 'x' });
			fake.inject({ route: 'status', status: 500, times: 3 });
			fake.reset();
			expect(fake.requests).toEqual([]);
			expect(fake.tasks.size).toBe(0);
			expect(fake.counts.total).toBe(0);
			expect(fake.pendingFaults).toEqual([]);
		} finally {
			await fake.close();
		}
	});

	it('close() drops keep-alive connections and pending delays promptly', async () => {
		const fake = await startFakeProvider('apiframe');
		expect(fake.baseUrl).toBe(`http://127.0.0.1:${fake.port}`);
		await (await af(fake).get('/v2/me')).json(); // leaves a keep-alive socket open
		fake.inject({ route: 'keycheck', mode: 'delay', delayMs: 10_000 });
		const hanging = af(fake)
			.get('/v2/me')
			.then(
				() => 'answered',
				() => 'failed',
			);
		await waitFor(() => (fake.requests.length === 2 ? true : undefined));
		const started = Date.now();
		await fake.close();
		expect(Date.now() - started).toBeLessThan(1000);
		expect(await hanging).toBe('failed');
		await expect(fetch(`${fake.baseUrl}/v2/me`)).rejects.toThrow();
	});
});
