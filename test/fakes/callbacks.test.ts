/**
 * Callback delivery by the unified-task fakes (EvoLink, StarMagic): `callback_url`
 * (docs/providers.md, "Callbacks"), retries, scheduling and lifecycle.
 */
import type { ProviderKey } from './index';
import {
	afJob,
	afSubmit,
	evoSubmit,
	evoTaskText,
	FAST_RETRIES,
	PUBLIC_HOOK,
	PUBLIC_ORIGIN,
	receiverFixture,
	startReceiver,
	waitUntil,
} from './testReceiver';
import type { Responder } from './testReceiver';

const fixture = receiverFixture();
const setup = fixture.setup;

// ---------------------------------------------------------------- EvoLink / StarMagic

describe.each<ProviderKey>(['evoLink', 'starMagic'])('%s callback_url', (key) => {
	/** Answers 200 after reading the status route, so a test can compare both. */
	const readStatusFirst: Responder = async (hit) => {
		hit.seen = await evoTaskText(fixture.fake!, hit.json.id);
		return 200;
	};

	it('POSTs exactly the completed GET body, once the status route says completed', async () => {
		const { fake: f, receiver: r } = await setup(key, readStatusFirst);
		const task = (await (await evoSubmit(f, { prompt: 'cat', n: 2 })).json()) as any;
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(1);
		const [hit] = r.hits;
		expect(hit.raw).toBe(hit.seen); // byte-for-byte what GET /v1/tasks/{id} returned
		expect(hit.json).toMatchObject({
			id: task.id,
			status: 'completed',
			progress: 100,
			task_info: { can_cancel: false },
		});
		expect(hit.json.results).toHaveLength(2);
		expect(hit).toMatchObject({ method: 'POST', path: '/webhook/done?run=1' });
		expect(hit.headers['content-type']).toBe('application/json');
		expect(Object.keys(hit.headers).filter((h) => h.startsWith('x-'))).toEqual([]);
		expect(f.callbacks).toEqual([
			{
				taskId: task.id,
				event: 'completed',
				url: `${r.origin}/webhook/done?run=1`,
				attempt: 1,
				status: 200,
				body: hit.raw,
				headers: expect.objectContaining({ 'Content-Type': 'application/json' }),
				at: expect.any(Number),
				error: null,
			},
		]);
		expect(f.callbacks[0].at).toBeGreaterThanOrEqual(f.tasks.get(task.id)!.doneAt!);
	});

	it('POSTs exactly the failed GET body, with its error', async () => {
		const { fake: f, receiver: r } = await setup(key, readStatusFirst);
		await evoSubmit(f, { prompt: 'cat [fail:content_policy_violation]' });
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(1);
		expect(r.hits[0].raw).toBe(r.hits[0].seen);
		expect(r.hits[0].json).toMatchObject({
			status: 'failed',
			error: { code: 'content_policy_violation', type: 'task_error' },
		});
		expect(r.hits[0].json.results).toBeUndefined();
		expect(f.callbacks[0]).toMatchObject({ event: 'failed', status: 200 });
	});
});

describe('callback retries (EvoLink)', () => {
	it('retries after non-2xx answers and stops at the first 2xx', async () => {
		const { fake: f, receiver: r } = await setup('evoLink', (_hit, index) =>
			index < 2 ? 500 : 202,
		);
		await evoSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(3);
		expect(f.callbacks.map((c) => [c.attempt, c.status])).toEqual([
			[1, 500],
			[2, 500],
			[3, 202],
		]);
		expect(new Set(r.hits.map((h) => h.raw)).size).toBe(1); // every retry carries the same body
		const gaps = f.callbacks.slice(1).map((c, i) => c.at - f.callbacks[i].at);
		gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(FAST_RETRIES[i] - 2));
	});

	it('gives up after 3 retries', async () => {
		const { fake: f, receiver: r } = await setup('evoLink', () => 503);
		await evoSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(4);
		expect(f.callbacks.map((c) => c.status)).toEqual([503, 503, 503, 503]);
	});

	it('logs network errors and timeouts with status null, and retries them', async () => {
		const closed = await startReceiver();
		const deadPort = closed.origin;
		await closed.close();
		const { fake: f } = await setup('evoLink', undefined, {
			callbackRewrite: (u) => u.replace(PUBLIC_ORIGIN, deadPort),
			callbackRetryDelaysMs: [5],
		});
		await evoSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		expect(f.callbacks.map((c) => [c.attempt, c.status])).toEqual([
			[1, null],
			[2, null],
		]);
		expect(f.callbacks[0].error).toMatch(/ECONNREFUSED/);

		const hanging = await startReceiver(() => new Promise<number>(() => {})); // never answers
		f.reset();
		f.options.callbackTimeoutMs = 30;
		f.options.callbackRetryDelaysMs = [];
		f.options.callbackRewrite = (u) => u.replace(PUBLIC_ORIGIN, hanging.origin);
		try {
			await evoSubmit(f, { prompt: 'x' });
			await f.whenCallbacksIdle();
			expect(f.callbacks).toHaveLength(1);
			expect(f.callbacks[0]).toMatchObject({
				status: null,
				error: expect.stringMatching(/timed out after 30 ms/),
			});
		} finally {
			await hanging.close();
		}
	});

	it('never calls a non-loopback host: without a rewrite the public URL is logged as refused', async () => {
		const { fake: f, receiver: r } = await setup('evoLink', undefined, {
			callbackRewrite: undefined,
		});
		await evoSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(0);
		expect(f.callbacks).toEqual([
			expect.objectContaining({
				url: PUBLIC_HOOK,
				attempt: 1,
				status: null,
				error: expect.stringMatching(/loopback/),
			}),
		]);
	});
});

describe('callback scheduling and lifecycle', () => {
	it('whenCallbacksIdle resolves at once when nothing is due, and only after delivery otherwise', async () => {
		const { fake: f, receiver: r } = await setup('evoLink');
		await f.whenCallbacksIdle();
		await evoSubmit(f, { prompt: 'x [never]' }); // never finishes, so never calls back
		await evoSubmit(f, { prompt: 'x', callback_url: undefined });
		await f.whenCallbacksIdle();
		expect(f.callbacks).toHaveLength(0);

		await evoSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(1);
		expect(f.callbacks).toHaveLength(1);
	});

	it('callbacksEnabled: false delivers nothing', async () => {
		const { fake: f, receiver: r } = await setup('apiframe', undefined, {
			callbacksEnabled: false,
		});
		const id = await afSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle(); // nothing was scheduled, so this does not wait for the job
		expect(f.callbacks).toHaveLength(0);
		let job = await afJob(f, id);
		while (job.status !== 'COMPLETED') job = await afJob(f, id);
		expect(job.webhookStatus).toBeNull();
		expect(r.hits).toHaveLength(0);
		expect(f.callbacks).toHaveLength(0);
	});

	it('reset() cancels scheduled deliveries and retry waits and clears the log', async () => {
		const { fake: f, receiver: r } = await setup('evoLink', () => 500, {
			callbackRetryDelaysMs: [60000],
		});
		await evoSubmit(f, { prompt: 'x' });
		await r.waitForHits(1);
		await evoSubmit(f, { prompt: 'later [slow:60000]' });
		await waitUntil(() => f.callbacks.length === 1); // first attempt answered, now waiting 60 s
		f.reset();
		expect(f.callbacks).toHaveLength(0);
		await f.whenCallbacksIdle(); // resolves now: nothing left scheduled
		expect(r.hits).toHaveLength(1);
	});

	it('close() cancels pending deliveries and resolves promptly', async () => {
		const { fake: f, receiver: r } = await setup('evoLink');
		await evoSubmit(f, { prompt: 'later [slow:60000]' });
		const idle = f.whenCallbacksIdle();
		const started = Date.now();
		await f.close();
		await idle;
		expect(Date.now() - started).toBeLessThan(1000);
		expect(r.hits).toHaveLength(0);
	});

	it('reads callbackRewrite when delivering, keeping path and query', async () => {
		const { fake: f, receiver: r } = await setup('starMagic');
		const seen: string[] = [];
		f.options.callbackRewrite = (u) => {
			seen.push(u);
			return u.replace(PUBLIC_ORIGIN, `${r.origin}/relay`);
		};
		await evoSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		expect(seen).toEqual([PUBLIC_HOOK]);
		expect(r.hits[0].path).toBe('/relay/webhook/done?run=1');
		expect(f.callbacks[0].url).toBe(`${r.origin}/relay/webhook/done?run=1`);
	});
});
