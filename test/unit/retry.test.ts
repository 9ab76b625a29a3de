import { decideRetry, parseRetryAfter, retryDelayMs } from '../../nodes/shared/retry';

describe('retry policy', () => {
	it('retries reads and uploads on 429, 5xx and network errors, not on 4xx', () => {
		for (const kind of ['status', 'download', 'upload'] as const) {
			expect(decideRetry(kind, { statusCode: 429 }, false).retry).toBe(true);
			expect(decideRetry(kind, { statusCode: 503 }, false).retry).toBe(true);
			expect(decideRetry(kind, { networkCode: 'ECONNRESET' }, false).retry).toBe(true);
			expect(decideRetry(kind, { statusCode: 404 }, false).retry).toBe(false);
			expect(decideRetry(kind, { statusCode: 400 }, false).retry).toBe(false);
		}
	});

	it('retries a submission only when no task can have been created', () => {
		expect(decideRetry('submit', { networkCode: 'ECONNREFUSED' }, false)).toEqual({
			retry: true,
			mayHaveCreatedTask: false,
		});
		expect(decideRetry('submit', { statusCode: 429 }, false)).toEqual({
			retry: true,
			mayHaveCreatedTask: false,
		});
		expect(decideRetry('submit', { statusCode: 500 }, false)).toEqual({
			retry: false,
			mayHaveCreatedTask: true,
		});
		expect(decideRetry('submit', { networkCode: 'ECONNRESET' }, false)).toEqual({
			retry: false,
			mayHaveCreatedTask: true,
		});
		expect(decideRetry('submit', { networkCode: 'ECONNABORTED' }, false)).toEqual({
			retry: false,
			mayHaveCreatedTask: true,
		});
		expect(decideRetry('submit', { statusCode: 400 }, false)).toEqual({
			retry: false,
			mayHaveCreatedTask: false,
		});
	});

	it('retries any transient submission failure when the provider deduplicates by idempotency key', () => {
		expect(decideRetry('submit', { statusCode: 502 }, true).retry).toBe(true);
		expect(decideRetry('submit', { networkCode: 'ECONNRESET' }, true).retry).toBe(true);
		expect(decideRetry('submit', { statusCode: 402 }, true).retry).toBe(false);
	});

	it('never retries a cancelled request', () => {
		expect(decideRetry('status', { networkCode: 'ERR_CANCELED' }, false).retry).toBe(false);
		expect(decideRetry('submit', { networkCode: 'ERR_CANCELED' }, false).mayHaveCreatedTask).toBe(
			false,
		);
	});

	it('backs off exponentially with jitter, capped, and honours Retry-After', () => {
		expect(retryDelayMs(1, {}, () => 0)).toBe(500);
		expect(retryDelayMs(1, {}, () => 1)).toBe(1000);
		expect(retryDelayMs(3, {}, () => 1)).toBe(4000);
		expect(retryDelayMs(20, {}, () => 1)).toBe(15000);
		expect(retryDelayMs(1, { retryAfterMs: 7000 }, () => 1)).toBe(7000);
	});

	it('reads Retry-After as seconds or as an HTTP date', () => {
		expect(parseRetryAfter('3', 0)).toBe(3000);
		expect(parseRetryAfter(undefined, 0)).toBeUndefined();
		const now = Date.parse('2026-11-21T10:00:00Z');
		expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:05 GMT', now)).toBe(5000);
		expect(parseRetryAfter('soon', 0)).toBeUndefined();
	});
});
