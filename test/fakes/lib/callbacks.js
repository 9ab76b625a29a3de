'use strict';
/**
 * Outgoing callbacks (EvoLink `callback_url`, Apiframe `webhookUrl`): scheduling, delivery
 * with retries, and the attempt log. Provider modules decide *what* to send and *when*;
 * this module only knows how.
 *
 * Everything here is "pending work" until it settles, so tests can await `idle()` instead of
 * sleeping, and `cancelAll()` (reset / close) can drop it without leaving a timer or socket
 * behind. Timers are unref'd so a forgotten fake never keeps the process alive.
 */
const http = require('http');
const https = require('https');
const { parseUrl, isLoopbackHost } = require('./urls');

/** EvoLink §1.6: 10 s timeout, then up to 3 retries after 1 s, 2 s, 4 s. */
const DEFAULT_TIMEOUT_MS = 10000;
const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000];

function isSuccess(status) {
	return status !== null && status >= 200 && status < 300;
}

/**
 * Where an attempt really goes. Only loopback targets are contacted: a test that forgot
 * `callbackRewrite` must not make the fake call a real host on the internet.
 */
function resolveTarget(url, rewrite) {
	const target = typeof rewrite === 'function' ? String(rewrite(url)) : url;
	const parsed = parseUrl(target);
	if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
		return { target, refusal: 'not delivered: the target is not an http(s) URL' };
	}
	if (!isLoopbackHost(parsed.hostname)) {
		return { target, refusal: 'not delivered: the fake only calls loopback hosts (set callbackRewrite)' };
	}
	return { target, refusal: null };
}

class CallbackDispatcher {
	/**
	 * @param {{ options: object, now: () => number, log: object[] }} deps
	 *   `options` is the fake's live options object; `log` is `fake.callbacks`.
	 */
	constructor({ options, now, log }) {
		this.options = options;
		this.now = now;
		this.log = log;
		this.work = new Set(); // tokens of scheduled or running jobs
		this.timers = new Map(); // timer -> resolve, so cancelAll can release sleepers
		this.requests = new Set(); // in-flight ClientRequests
		this.waiters = [];
		this.generation = 0; // bumped by cancelAll; stale continuations compare and stop
	}

	/** Runs `job()` after `delayMs`; it counts as pending work until its promise settles. */
	schedule(delayMs, job) {
		const token = {};
		const generation = this.generation;
		this.work.add(token);
		this.sleep(delayMs)
			.then(() => (generation === this.generation ? job() : undefined))
			.catch(() => {}) // a failed delivery is recorded, never thrown at the test
			.finally(() => this.finish(token));
	}

	/**
	 * POSTs `body` (a string) to `url` until it gets a 2xx or runs out of retries; every attempt
	 * is logged. Resolves true when delivered, false when it gave up, and null when reset() or
	 * close() cancelled it (so nothing should be concluded from it).
	 */
	async deliver({ taskId, event, url, body, headers }) {
		const generation = this.generation;
		const delays = Array.isArray(this.options.callbackRetryDelaysMs) ? this.options.callbackRetryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
		for (let attempt = 1; ; attempt += 1) {
			const { target, refusal } = resolveTarget(url, this.options.callbackRewrite);
			const at = this.now();
			const outcome = refusal ? { status: null, error: refusal } : await this.post(target, body, headers);
			if (generation !== this.generation) return null;
			this.log.push({ taskId, event, url: target, attempt, status: outcome.status, body, headers: { ...headers }, at, error: outcome.error || null });
			if (isSuccess(outcome.status)) return true;
			// Retrying a target the fake refuses to call would only fail the same way again.
			if (refusal || attempt > delays.length) return false;
			await this.sleep(delays[attempt - 1]);
			if (generation !== this.generation) return null;
		}
	}

	/** One POST. Resolves `{ status, error }`; status is null on network errors and timeouts. */
	post(target, body, headers) {
		const timeoutMs = this.options.callbackTimeoutMs !== undefined ? this.options.callbackTimeoutMs : DEFAULT_TIMEOUT_MS;
		const client = target.startsWith('https:') ? https : http;
		return new Promise((resolve) => {
			let req = null;
			let timer = null;
			let settled = false;
			const settle = (status, error) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				this.requests.delete(req);
				resolve({ status, error });
			};
			try {
				// agent:false = no keep-alive socket left open to the receiver after the attempt.
				// rejectUnauthorized:false because a local https receiver has a self-signed cert.
				req = client.request(target, { method: 'POST', headers, agent: false, rejectUnauthorized: false }, (res) => {
					res.on('error', () => settle(res.statusCode, null));
					res.on('end', () => settle(res.statusCode, null));
					res.on('close', () => settle(res.statusCode, null));
					res.resume(); // the reply body is irrelevant; only the status counts
				});
			} catch (err) {
				return settle(null, err.message || String(err)); // e.g. a URL Node cannot request
			}
			timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
			timer.unref();
			req.on('error', (err) => settle(null, err.message || String(err)));
			this.requests.add(req);
			req.end(body);
			return undefined;
		});
	}

	/** A cancellable, unref'd wait. */
	sleep(ms) {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.timers.delete(timer);
				resolve();
			}, Math.max(0, ms));
			timer.unref();
			this.timers.set(timer, resolve);
		});
	}

	finish(token) {
		this.work.delete(token);
		if (this.work.size === 0) this.wake();
	}

	wake() {
		const waiters = this.waiters.splice(0);
		for (const resolve of waiters) resolve();
	}

	/** Resolves once nothing is scheduled or in flight. */
	idle() {
		if (this.work.size === 0) return Promise.resolve();
		return new Promise((resolve) => this.waiters.push(resolve));
	}

	/** Drops every scheduled job, retry wait and in-flight request (reset / close). */
	cancelAll() {
		this.generation += 1;
		for (const [timer, resolve] of this.timers) {
			clearTimeout(timer);
			resolve(); // the continuation sees the new generation and stops
		}
		this.timers.clear();
		for (const req of this.requests) req.destroy();
		this.requests.clear();
		this.work.clear();
		this.wake();
	}
}

module.exports = { CallbackDispatcher, DEFAULT_RETRY_DELAYS_MS, DEFAULT_TIMEOUT_MS };
