/**
 * Callback delivery by the fakes: EvoLink/StarMagic `callback_url` (§1.6) and Apiframe
 * webhooks (§3.9). A local HTTP server plays the receiver; tests wait on the fake's
 * whenCallbacksIdle() or on received hits, never on fixed sleeps.
 */
import * as crypto from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { startFakeProvider, signApiframeBody, FakeProvider, FakeProviderOptions, ProviderKind } from './index';

const TASK_MS = 40;
const FAST_RETRIES = [20, 40, 80];
const PUBLIC_ORIGIN = 'https://n8n.example.com';
const PUBLIC_HOOK = `${PUBLIC_ORIGIN}/webhook/done?run=1`;

// ---------------------------------------------------------------- receiver

interface Hit {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
	raw: string;
	json: any;
	/** Whatever the responder chose to keep (e.g. the status route as seen during the callback). */
	seen?: unknown;
}

/** Decides the status for one hit (may be async, may inspect the fake first). */
type Responder = (hit: Hit, index: number) => number | Promise<number>;

interface Receiver {
	origin: string;
	hits: Hit[];
	/** Resolves once `count` hits have arrived. */
	waitForHits(count: number): Promise<Hit[]>;
	close(): Promise<void>;
}

async function startReceiver(respond: Responder = () => 204): Promise<Receiver> {
	const hits: Hit[] = [];
	const waiters: Array<{ count: number; resolve: () => void }> = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', async () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			const hit: Hit = { method: req.method!, path: req.url!, headers: req.headers, raw, json: JSON.parse(raw) };
			const index = hits.push(hit) - 1;
			for (const waiter of waiters.filter((w) => hits.length >= w.count)) waiter.resolve();
			const status = await respond(hit, index);
			res.statusCode = status;
			res.end(status >= 400 ? 'nope' : '');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		origin: `http://127.0.0.1:${port}`,
		hits,
		waitForHits: (count) =>
			hits.length >= count ? Promise.resolve(hits) : new Promise((resolve) => waiters.push({ count, resolve: () => resolve(hits) })),
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** Options that point the fake's callbacks at `receiver` while requests keep a public URL. */
function toReceiver(receiver: Receiver, extra: FakeProviderOptions = {}): FakeProviderOptions {
	return { taskDurationMs: TASK_MS, callbackRetryDelaysMs: FAST_RETRIES, callbackRewrite: (u) => u.replace(PUBLIC_ORIGIN, receiver.origin), ...extra };
}

// ---------------------------------------------------------------- provider clients

function evoSubmit(fake: FakeProvider, body: Record<string, unknown>) {
	return fetch(`${fake.baseUrl}/v1/images/generations`, {
		method: 'POST',
		headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'gpt-image-2', callback_url: PUBLIC_HOOK, ...body }),
	});
}

async function evoTaskText(fake: FakeProvider, id: string): Promise<string> {
	return (await fetch(`${fake.baseUrl}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${fake.apiKey}` } })).text();
}

async function afSubmit(fake: FakeProvider, body: Record<string, unknown>): Promise<string> {
	const res = await fetch(`${fake.baseUrl}/v2/images/generate`, {
		method: 'POST',
		headers: { 'x-api-key': fake.apiKey, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'gpt-image-1.5', webhookUrl: PUBLIC_HOOK, ...body }),
	});
	expect(res.status).toBe(202);
	return ((await res.json()) as { jobId: string }).jobId;
}

async function afJob(fake: FakeProvider, id: string): Promise<any> {
	return (await fetch(`${fake.baseUrl}/v2/jobs/${id}`, { headers: { 'x-api-key': fake.apiKey } })).json();
}

/** The documented scheme, written out independently of the fake's helper. */
function expectedSignature(raw: string, key: string): string {
	const secret = crypto.createHash('sha256').update(key).digest();
	return `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
}

// ---------------------------------------------------------------- lifecycle

let receiver: Receiver | undefined;
let fake: FakeProvider | undefined;

async function setup(kind: ProviderKind, respond?: Responder, extra: FakeProviderOptions = {}) {
	receiver = await startReceiver(respond);
	fake = await startFakeProvider(kind, toReceiver(receiver, extra));
	return { receiver, fake };
}

afterEach(async () => {
	await fake?.close();
	await receiver?.close();
	fake = undefined;
	receiver = undefined;
});

// ---------------------------------------------------------------- EvoLink / StarMagic

describe.each<ProviderKind>(['evolink', 'starmagic'])('%s callback_url', (kind) => {
	/** Answers 200 after reading the status route, so a test can compare both. */
	const readStatusFirst: Responder = async (hit) => {
		hit.seen = await evoTaskText(fake!, hit.json.id);
		return 200;
	};

	it('POSTs exactly the completed GET body, once the status route says completed', async () => {
		const { fake: f, receiver: r } = await setup(kind, readStatusFirst);
		const task = (await (await evoSubmit(f, { prompt: 'cat', n: 2 })).json()) as any;
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(1);
		const [hit] = r.hits;
		expect(hit.raw).toBe(hit.seen); // byte-for-byte what GET /v1/tasks/{id} returned
		expect(hit.json).toMatchObject({ id: task.id, status: 'completed', progress: 100, task_info: { can_cancel: false } });
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
		const { fake: f, receiver: r } = await setup(kind, readStatusFirst);
		await evoSubmit(f, { prompt: 'cat [fail:content_policy_violation]' });
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(1);
		expect(r.hits[0].raw).toBe(r.hits[0].seen);
		expect(r.hits[0].json).toMatchObject({ status: 'failed', error: { code: 'content_policy_violation', type: 'task_error' } });
		expect(r.hits[0].json.results).toBeUndefined();
		expect(f.callbacks[0]).toMatchObject({ event: 'failed', status: 200 });
	});
});

describe('callback retries (EvoLink)', () => {
	it('retries after non-2xx answers and stops at the first 2xx', async () => {
		const { fake: f, receiver: r } = await setup('evolink', (_hit, index) => (index < 2 ? 500 : 202));
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
		const { fake: f, receiver: r } = await setup('evolink', () => 503);
		await evoSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(4);
		expect(f.callbacks.map((c) => c.status)).toEqual([503, 503, 503, 503]);
	});

	it('logs network errors and timeouts with status null, and retries them', async () => {
		const closed = await startReceiver();
		const deadPort = closed.origin;
		await closed.close();
		const { fake: f } = await setup('evolink', undefined, { callbackRewrite: (u) => u.replace(PUBLIC_ORIGIN, deadPort), callbackRetryDelaysMs: [5] });
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
			expect(f.callbacks[0]).toMatchObject({ status: null, error: expect.stringMatching(/timed out after 30 ms/) });
		} finally {
			await hanging.close();
		}
	});

	it('never calls a non-loopback host: without a rewrite the public URL is logged as refused', async () => {
		const { fake: f, receiver: r } = await setup('evolink', undefined, { callbackRewrite: undefined });
		await evoSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(0);
		expect(f.callbacks).toEqual([expect.objectContaining({ url: PUBLIC_HOOK, attempt: 1, status: null, error: expect.stringMatching(/loopback/) })]);
	});
});

describe('callback scheduling and lifecycle', () => {
	it('whenCallbacksIdle resolves at once when nothing is due, and only after delivery otherwise', async () => {
		const { fake: f, receiver: r } = await setup('evolink');
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
		const { fake: f, receiver: r } = await setup('apiframe', undefined, { callbacksEnabled: false });
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
		const { fake: f, receiver: r } = await setup('evolink', () => 500, { callbackRetryDelaysMs: [60000] });
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
		const { fake: f, receiver: r } = await setup('evolink');
		await evoSubmit(f, { prompt: 'later [slow:60000]' });
		const idle = f.whenCallbacksIdle();
		const started = Date.now();
		await f.close();
		await idle;
		expect(Date.now() - started).toBeLessThan(1000);
		expect(r.hits).toHaveLength(0);
	});

	it('reads callbackRewrite when delivering, keeping path and query', async () => {
		const { fake: f, receiver: r } = await setup('starmagic');
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

// ---------------------------------------------------------------- Apiframe

describe('Apiframe webhooks', () => {
	it('sends the completed envelope, signed with the documented scheme', async () => {
		const { fake: f, receiver: r } = await setup('apiframe');
		const id = await afSubmit(f, { prompt: 'x', gptImageParams: { number_of_images: 2, quality: 'low', output_format: 'png' } });
		await f.whenCallbacksIdle();
		const job = await afJob(f, id);
		expect(r.hits).toHaveLength(1);
		const [hit] = r.hits;
		expect(hit.json).toEqual({
			event: 'completed',
			jobId: id,
			status: 'COMPLETED',
			progress: 100,
			result: job.result,
			model: 'gpt-image-1.5',
			creditCost: 8,
			completedAt: job.completedAt,
		});
		expect(hit.json.result.images).toHaveLength(2);
		expect(Object.keys(hit.json)).toEqual(['event', 'jobId', 'status', 'progress', 'result', 'model', 'creditCost', 'completedAt']);
		expect(hit.headers['content-type']).toBe('application/json');
		expect(hit.headers['x-webhook-event']).toBe('completed');
		const signature = hit.headers['x-webhook-signature'];
		expect(signature).toBe(expectedSignature(hit.raw, f.apiKey));
		expect(signApiframeBody(hit.raw, f.apiKey)).toBe(signature);
		expect(signApiframeBody(Buffer.from(hit.raw), f.apiKey)).toBe(signature);
		expect(signApiframeBody(hit.raw, 'afk_other_key')).not.toBe(signature);
		expect(signApiframeBody(`${hit.raw} `, f.apiKey)).not.toBe(signature); // bound to the exact bytes
		// not the hex text of the digest as key: the raw 32 bytes
		const hexKeyed = crypto.createHmac('sha256', crypto.createHash('sha256').update(f.apiKey).digest('hex')).update(hit.raw).digest('hex');
		expect(signature).not.toBe(`sha256=${hexKeyed}`);
		expect(job.webhookStatus).toBe('delivered');
	});

	it('signs with callbackSignatureKey when set, so the account key fails to verify', async () => {
		const { fake: f, receiver: r } = await setup('apiframe', undefined, { callbackSignatureKey: 'afk_not_the_account_key' });
		await afSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		const { raw, headers } = r.hits[0];
		expect(headers['x-webhook-signature']).not.toBe(expectedSignature(raw, f.apiKey));
		expect(headers['x-webhook-signature']).toBe(expectedSignature(raw, 'afk_not_the_account_key'));
	});

	it('sends the failed envelope and a bare-string result when configured', async () => {
		const { fake: f, receiver: r } = await setup('apiframe', undefined, { apiframeResultShape: 'string' });
		const failed = await afSubmit(f, { prompt: 'x [fail:content_policy_violation]' });
		const ok = await afSubmit(f, { prompt: 'y' });
		await f.whenCallbacksIdle();
		const byJob = Object.fromEntries(r.hits.map((h) => [h.json.jobId, h]));
		expect(byJob[failed].json).toEqual({
			event: 'failed',
			jobId: failed,
			status: 'FAILED',
			error: (await afJob(f, failed)).error,
			model: 'gpt-image-1.5',
		});
		expect(byJob[failed].headers['x-webhook-event']).toBe('failed');
		expect(byJob[ok].json.result).toBe((await afJob(f, ok)).result);
		expect(typeof byJob[ok].json.result).toBe('string');
	});

	it('filters by webhookEvents; the default is completed and failed only', async () => {
		const { fake: f, receiver: r } = await setup('apiframe');
		const plain = await afSubmit(f, { prompt: 'x' });
		const progressOnly = await afSubmit(f, { prompt: 'x', webhookEvents: ['progress'] });
		const all = await afSubmit(f, { prompt: 'x', webhookEvents: ['progress', 'completed', 'failed'] });
		const failsQuietly = await afSubmit(f, { prompt: 'x [fail:bad]', webhookEvents: ['completed'] });
		await f.whenCallbacksIdle();
		const events = (id: string) => r.hits.filter((h) => h.json.jobId === id).map((h) => h.json.event);
		expect(events(plain)).toEqual(['completed']);
		expect(events(progressOnly)).toEqual(['progress']);
		expect(events(all)).toEqual(['progress', 'completed']);
		expect(events(failsQuietly)).toEqual([]);
		const progress = r.hits.find((h) => h.json.jobId === progressOnly)!;
		expect(progress.json).toEqual({ event: 'progress', jobId: progressOnly, status: 'PROCESSING', progress: 50, model: 'gpt-image-1.5' });
		expect(progress.headers['x-webhook-event']).toBe('progress');
		expect((await afJob(f, failsQuietly)).webhookStatus).toBeNull();
	});

	it('tracks webhookStatus: pending until delivered, failed after the last retry', async () => {
		const { fake: f, receiver: r } = await setup('apiframe', () => 500);
		const id = await afSubmit(f, { prompt: 'x' });
		expect((await afJob(f, id)).webhookStatus).toBe('pending');
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(1 + FAST_RETRIES.length);
		expect(f.callbacks.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
		expect(new Set(f.callbacks.map((c) => c.headers['X-Webhook-Signature'])).size).toBe(1);
		expect((await afJob(f, id)).webhookStatus).toBe('failed');
	});
});

/** Polls a synchronous condition on the event loop (for state with no event to await). */
async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('waitUntil timed out');
		await new Promise((resolve) => setImmediate(resolve));
	}
}
