/**
 * Outgoing callbacks (unified task API `callback_url`, Apiframe `webhookUrl`): scheduling,
 * delivery with retries, and the attempt log. Wire-format modules decide *what* to send and
 * *when*; this module only knows how.
 *
 * Everything here is "pending work" until it settles, so tests can await `idle()` instead of
 * sleeping, and `cancelAll()` (reset / close) can drop it without leaving a timer or socket
 * behind. All waiting is on the fake's clock (`TestClock.setTimer`); the default wall clock
 * unrefs its timers, so a forgotten fake never keeps the process alive.
 */
import * as http from 'http';
import * as https from 'https';

import { isLoopbackHost, parseUrl } from './urls';
import type { TestClock } from '../../tools/clock';
import type { CallbackAttempt, FakeProviderOptions } from '../types';

/** docs/providers.md, "Callbacks": 10 s timeout, then up to 3 retries after 1 s, 2 s, 4 s. */
export const DEFAULT_TIMEOUT_MS = 10000;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000];

export interface Delivery {
	taskId: string;
	event: string;
	url: string;
	/** The exact text sent on every attempt. */
	body: string;
	headers: Record<string, string>;
}

interface AttemptResult {
	status: number | null;
	error: string | null;
}

function isSuccess(status: number | null): boolean {
	return status !== null && status >= 200 && status < 300;
}

/**
 * Where an attempt really goes. Only loopback targets are contacted: a test that forgot
 * `callbackRewrite` must not make the fake call a real host on the internet.
 */
function resolveTarget(
	url: string,
	rewrite: FakeProviderOptions['callbackRewrite'],
): { target: string; refusal: string | null } {
	const target = typeof rewrite === 'function' ? String(rewrite(url)) : url;
	const parsed = parseUrl(target);
	if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
		return { target, refusal: 'not delivered: the target is not an http(s) URL' };
	}
	if (!isLoopbackHost(parsed.hostname)) {
		return {
			target,
			refusal: 'not delivered: the fake only calls loopback hosts (set callbackRewrite)',
		};
	}
	return { target, refusal: null };
}

export class CallbackDispatcher {
	private readonly work = new Set<object>(); // tokens of scheduled or running jobs
	private readonly sleepers = new Map<() => void, () => void>(); // cancel -> resolve
	private readonly requests = new Set<http.ClientRequest>();
	private waiters: Array<() => void> = [];
	private generation = 0; // bumped by cancelAll; stale continuations compare and stop

	/**
	 * @param options the fake's live options
	 * @param clock reads the fake's current clock
	 * @param log `fake.callbacks`
	 */
	constructor(
		private readonly options: FakeProviderOptions,
		private readonly clock: () => TestClock,
		private readonly log: CallbackAttempt[],
	) {}

	/** Runs `job()` after `delayMs`; it counts as pending work until its promise settles. */
	schedule(delayMs: number, job: () => unknown): void {
		const token = {};
		const generation = this.generation;
		this.work.add(token);
		this.sleep(delayMs)
			.then(() => (generation === this.generation ? job() : undefined))
			.catch(() => {}) // a failed delivery is recorded, never thrown at the test
			.finally(() => this.finish(token));
	}

	/**
	 * POSTs `body` to `url` until it gets a 2xx or runs out of retries; every attempt is logged.
	 * Resolves true when delivered, false when it gave up, and null when reset() or close()
	 * cancelled it (so nothing should be concluded from it).
	 */
	async deliver({ taskId, event, url, body, headers }: Delivery): Promise<boolean | null> {
		const generation = this.generation;
		const delays = Array.isArray(this.options.callbackRetryDelaysMs)
			? this.options.callbackRetryDelaysMs
			: DEFAULT_RETRY_DELAYS_MS;
		for (let attempt = 1; ; attempt += 1) {
			const { target, refusal } = resolveTarget(url, this.options.callbackRewrite);
			const at = this.clock().now();
			const outcome = refusal
				? { status: null, error: refusal }
				: await this.post(target, body, headers);
			if (generation !== this.generation) return null;
			this.log.push({
				taskId,
				event,
				url: target,
				attempt,
				status: outcome.status,
				body,
				headers: { ...headers },
				at,
				error: outcome.error,
			});
			if (isSuccess(outcome.status)) return true;
			// Retrying a target the fake refuses to call would only fail the same way again.
			if (refusal || attempt > delays.length) return false;
			await this.sleep(delays[attempt - 1]);
			if (generation !== this.generation) return null;
		}
	}

	/** One POST; status is null on network errors and timeouts (timed on the fake's clock). */
	private post(
		target: string,
		body: string,
		headers: Record<string, string>,
	): Promise<AttemptResult> {
		const timeoutMs =
			this.options.callbackTimeoutMs !== undefined
				? this.options.callbackTimeoutMs
				: DEFAULT_TIMEOUT_MS;
		const client = target.startsWith('https:') ? https : http;
		return new Promise((resolve) => {
			let req: http.ClientRequest | null = null;
			let cancelTimer: () => void = () => {};
			let settled = false;
			const settle = (status: number | null, error: string | null): void => {
				if (settled) return;
				settled = true;
				cancelTimer();
				if (req) this.requests.delete(req);
				resolve({ status, error });
			};
			try {
				// agent:false = no keep-alive socket left open to the receiver after the attempt.
				// rejectUnauthorized:false because a local https receiver has a self-signed cert.
				req = client.request(
					target,
					{ method: 'POST', headers, agent: false, rejectUnauthorized: false },
					(res) => {
						const status = res.statusCode ?? null;
						res.on('error', () => settle(status, null));
						res.on('end', () => settle(status, null));
						res.on('close', () => settle(status, null));
						res.resume(); // the reply body is irrelevant; only the status counts
					},
				);
			} catch (err) {
				settle(null, (err as Error).message || String(err)); // e.g. a URL Node cannot request
				return;
			}
			const sent = req;
			cancelTimer = this.clock().setTimer(
				() => sent.destroy(new Error(`timed out after ${timeoutMs} ms`)),
				timeoutMs,
			);
			sent.on('error', (err) => settle(null, err.message || String(err)));
			this.requests.add(sent);
			sent.end(body);
		});
	}

	/** A wait on the fake's clock that cancelAll() releases early. */
	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const cancel = this.clock().setTimer(
				() => {
					this.sleepers.delete(cancel);
					resolve();
				},
				Math.max(0, ms),
			);
			this.sleepers.set(cancel, resolve);
		});
	}

	private finish(token: object): void {
		this.work.delete(token);
		if (this.work.size === 0) this.wake();
	}

	private wake(): void {
		const waiters = this.waiters.splice(0);
		for (const resolve of waiters) resolve();
	}

	/** Resolves once nothing is scheduled or in flight. */
	idle(): Promise<void> {
		if (this.work.size === 0) return Promise.resolve();
		return new Promise((resolve) => this.waiters.push(resolve));
	}

	/** Drops every scheduled job, retry wait and in-flight request (reset / close). */
	cancelAll(): void {
		this.generation += 1;
		for (const [cancel, resolve] of this.sleepers) {
			cancel();
			resolve(); // the continuation sees the new generation and stops
		}
		this.sleepers.clear();
		for (const req of this.requests) req.destroy();
		this.requests.clear();
		this.work.clear();
		this.wake();
	}
}
