/**
 * A local HTTP server that plays the callback receiver for the fakes' callback tests, clients
 * that submit tasks carrying a public callback URL, and a fixture that starts a fake whose
 * callbacks are rewritten to the receiver. Tests wait on whenCallbacksIdle() or on received
 * hits, never on fixed sleeps.
 */
import * as crypto from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';

import { startFakeProvider } from './index';
import type { FakeProvider, FakeProviderOptions, ProviderKey } from './index';

/** Long enough that the half-time progress event still comes before the finish on a loaded machine. */
export const TASK_MS = 400;
export const FAST_RETRIES = [20, 40, 80];
export const PUBLIC_ORIGIN = 'https://n8n.example.com';
export const PUBLIC_HOOK = `${PUBLIC_ORIGIN}/webhook/done?run=1`;

// ---------------------------------------------------------------- receiver

export interface Hit {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
	raw: string;
	json: any;
	/** Whatever the responder chose to keep (e.g. the status route as seen during the callback). */
	seen?: unknown;
}

/** Decides the status for one hit (may be async, may inspect the fake first). */
export type Responder = (hit: Hit, index: number) => number | Promise<number>;

export interface Receiver {
	origin: string;
	hits: Hit[];
	/** Resolves once `count` hits have arrived. */
	waitForHits(count: number): Promise<Hit[]>;
	close(): Promise<void>;
}

export async function startReceiver(respond: Responder = () => 204): Promise<Receiver> {
	const hits: Hit[] = [];
	const waiters: Array<{ count: number; resolve: () => void }> = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', async () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			const hit: Hit = {
				method: req.method!,
				path: req.url!,
				headers: req.headers,
				raw,
				json: JSON.parse(raw),
			};
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
			hits.length >= count
				? Promise.resolve(hits)
				: new Promise((resolve) => waiters.push({ count, resolve: () => resolve(hits) })),
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** Options that point the fake's callbacks at `receiver` while requests keep a public URL. */
export function toReceiver(
	receiver: Receiver,
	extra: FakeProviderOptions = {},
): FakeProviderOptions {
	return {
		taskDurationMs: TASK_MS,
		callbackRetryDelaysMs: FAST_RETRIES,
		callbackRewrite: (u) => u.replace(PUBLIC_ORIGIN, receiver.origin),
		...extra,
	};
}

// ---------------------------------------------------------------- provider clients

export function evoSubmit(fake: FakeProvider, body: Record<string, unknown>) {
	return fetch(`${fake.baseUrl}/v1/images/generations`, {
		method: 'POST',
		headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'gpt-image-2', callback_url: PUBLIC_HOOK, ...body }),
	});
}

export async function evoTaskText(fake: FakeProvider, id: string): Promise<string> {
	return (
		await fetch(`${fake.baseUrl}/v1/tasks/${id}`, {
			headers: { authorization: `Bearer ${fake.apiKey}` },
		})
	).text();
}

export async function afSubmit(fake: FakeProvider, body: Record<string, unknown>): Promise<string> {
	const res = await fetch(`${fake.baseUrl}/v2/images/generate`, {
		method: 'POST',
		headers: { 'x-api-key': fake.apiKey, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'gpt-image-1.5', webhookUrl: PUBLIC_HOOK, ...body }),
	});
	expect(res.status).toBe(202);
	return ((await res.json()) as { jobId: string }).jobId;
}

export async function afJob(fake: FakeProvider, id: string): Promise<any> {
	return (
		await fetch(`${fake.baseUrl}/v2/jobs/${id}`, { headers: { 'x-api-key': fake.apiKey } })
	).json();
}

/** The documented scheme, written out independently of the fake's helper. */
export function expectedSignature(raw: string, key: string): string {
	const secret = crypto.createHash('sha256').update(key).digest();
	return `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
}

// ---------------------------------------------------------------- fixture

export interface ReceiverFixture {
	/** The fake of the running test (set by setup). */
	readonly fake: FakeProvider | undefined;
	setup(
		key: ProviderKey,
		respond?: Responder,
		extra?: FakeProviderOptions,
	): Promise<{ receiver: Receiver; fake: FakeProvider }>;
}

/** Registers an afterEach that closes what `setup` started. Call at the top of a test file. */
export function receiverFixture(): ReceiverFixture {
	let receiver: Receiver | undefined;
	let fake: FakeProvider | undefined;
	afterEach(async () => {
		await fake?.close();
		await receiver?.close();
		fake = undefined;
		receiver = undefined;
	});
	return {
		get fake() {
			return fake;
		},
		async setup(key, respond, extra = {}) {
			receiver = await startReceiver(respond);
			fake = await startFakeProvider(key, toReceiver(receiver, extra));
			return { receiver, fake };
		},
	};
}

/** Polls a synchronous condition on the event loop (for state with no event to await). */
export async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('waitUntil timed out');
		await new Promise((resolve) => setImmediate(resolve));
	}
}
