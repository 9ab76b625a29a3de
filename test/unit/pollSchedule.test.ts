import { expectedRemainingMs, MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, nextPollDelay } from '../../nodes/shared/pollSchedule';
import type { TaskSnapshot } from '../../nodes/shared/types';

const snap = (extra: Partial<TaskSnapshot>): TaskSnapshot => ({ taskId: 't', status: 'processing', imageUrls: [], ...extra });

describe('poll schedule', () => {
	it('never polls more than once a second, nor less than every 10 s', () => {
		for (let polls = 0; polls < 30; polls++) {
			const delay = nextPollDelay({ startedAt: 0, now: polls * 1000, polls, last: snap({ progress: 99 }) });
			expect(delay).toBeGreaterThanOrEqual(MIN_POLL_INTERVAL_MS);
			expect(delay).toBeLessThanOrEqual(MAX_POLL_INTERVAL_MS);
		}
		expect(nextPollDelay({ startedAt: 0, now: 0, polls: 0, fixedIntervalMs: 100 })).toBe(MIN_POLL_INTERVAL_MS);
	});

	it('uses a fixed interval when the user sets one', () => {
		expect(nextPollDelay({ startedAt: 0, now: 5000, polls: 3, fixedIntervalMs: 4000, last: snap({ progress: 50 }) })).toBe(4000);
	});

	it('aims at the finish extrapolated from progress', () => {
		expect(expectedRemainingMs({ startedAt: 0, now: 4000, polls: 2, last: snap({ progress: 50 }) })).toBe(4000);
		expect(nextPollDelay({ startedAt: 0, now: 4000, polls: 2, last: snap({ progress: 50 }) })).toBe(4000);
	});

	it('falls back to the provider estimate, then to backoff', () => {
		expect(nextPollDelay({ startedAt: 0, now: 0, polls: 0, last: snap({ estimatedSeconds: 6 }) })).toBe(6000);
		expect(nextPollDelay({ startedAt: 0, now: 0, polls: 0, last: snap({}) })).toBe(1000);
		expect(nextPollDelay({ startedAt: 0, now: 0, polls: 2, last: snap({}) })).toBe(2250);
		// Past the estimate: backoff again.
		expect(nextPollDelay({ startedAt: 0, now: 9000, polls: 1, last: snap({ estimatedSeconds: 6 }) })).toBe(1500);
	});
});
