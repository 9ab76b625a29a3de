/**
 * Which failed requests are tried again, and after how long. Written once for every provider.
 *
 * Reads (status polls, downloads) and uploads are safe to repeat. A submission creates a paid
 * task, so it is repeated only when the failure proves no task was made (the connection was
 * refused, or the provider answered 429), or when the provider deduplicates submissions with an
 * idempotency key. Anything else after a submit (reset, timeout, 5xx) is ambiguous: repeating it
 * could bill the user twice, so the error says a task may exist instead.
 */

export type RequestKind = 'submit' | 'status' | 'download' | 'upload';

export interface AttemptFailure {
	statusCode?: number;
	/** Node network error code, e.g. ECONNREFUSED, ECONNRESET, ECONNABORTED (timeout). */
	networkCode?: string;
	/** From a Retry-After header, in milliseconds. */
	retryAfterMs?: number;
}

export interface RetryDecision {
	retry: boolean;
	/** The provider may have created a task although we saw a failure. */
	mayHaveCreatedTask: boolean;
}

export const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 15000;

const CONNECT_FAILURES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
]);

/**
 * Failures that prove the provider did not act: n8n refused to send (ENOTSENT), or the API
 * answered with a redirect that is not followed (EREDIRECT). Never retried, never "may have
 * created": repeating them cannot help, and nothing was billed.
 */
const NOT_SENT = new Set(['ENOTSENT', 'EREDIRECT']);

function isTransient(failure: AttemptFailure): boolean {
	if (failure.networkCode !== undefined) {
		return failure.networkCode !== 'ERR_CANCELED' && !NOT_SENT.has(failure.networkCode);
	}
	const status = failure.statusCode ?? 0;
	return status === 429 || status >= 500;
}

export function decideRetry(
	kind: RequestKind,
	failure: AttemptFailure,
	idempotentSubmit: boolean,
): RetryDecision {
	const transient = isTransient(failure);
	if (failure.networkCode !== undefined && NOT_SENT.has(failure.networkCode)) {
		return { retry: false, mayHaveCreatedTask: false };
	}
	if (kind !== 'submit' || idempotentSubmit) return { retry: transient, mayHaveCreatedTask: false };
	const certainlyNotCreated =
		failure.statusCode === 429 ||
		(failure.networkCode !== undefined && CONNECT_FAILURES.has(failure.networkCode));
	if (certainlyNotCreated) return { retry: true, mayHaveCreatedTask: false };
	const ambiguous = failure.networkCode !== undefined || (failure.statusCode ?? 0) >= 500;
	return { retry: false, mayHaveCreatedTask: ambiguous && failure.networkCode !== 'ERR_CANCELED' };
}

/** Capped exponential backoff with full jitter; a provider's Retry-After wins when larger. */
export function retryDelayMs(
	attempt: number,
	failure: AttemptFailure,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
	const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
	return Math.max(jittered, failure.retryAfterMs ?? 0);
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(String(value));
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
