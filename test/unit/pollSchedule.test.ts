import { isOverdue, MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, nextPollAt, predictFinish } from '../../nodes/shared/pollSchedule';
import type { PollState } from '../../nodes/shared/pollSchedule';

const state = (extra: Partial<PollState>): PollState => ({ startedAt: 0, now: 0, overdue: 0, samples: [], ...extra });

describe('poll schedule', () => {
	it('goes straight to the provider estimate when nothing contradicts it', () => {
		expect(nextPollAt(state({ estimatedSeconds: 3 }))).toBe(3050);
		// A long estimate is still checked every 10 s.
		expect(nextPollAt(state({ estimatedSeconds: 60 }))).toBe(MAX_POLL_INTERVAL_MS);
	});

	it('narrows the finish from whole-percent progress readings', () => {
		// 25% after 15 s: the run is 57.7-60 s long.
		const s = state({ now: 15000, lastPollAt: 15000, samples: [{ at: 15000, progress: 25 }] });
		expect(predictFinish(s)).toBe(60000);
		expect(nextPollAt({ ...s, now: 55000, lastPollAt: 55000 })).toBe(60050);
		// A second reading tightens it: 92% after 55 s => at most 59.78 s.
		const both = { ...s, samples: [...s.samples, { at: 55000, progress: 92 }] };
		expect(predictFinish(both)).toBeCloseTo(59782.6, 0);
	});

	it('lets progress override an estimate that is too short', () => {
		// Estimate 10 s, but 20% after 8 s says at least 38 s.
		const s = state({ now: 8000, lastPollAt: 8000, estimatedSeconds: 10, samples: [{ at: 8000, progress: 20 }] });
		expect(predictFinish(s)).toBeCloseTo(38095.2, 0);
	});

	it('backs off from 1 s when the task is late or nothing is known', () => {
		expect(nextPollAt(state({}))).toBe(MIN_POLL_INTERVAL_MS);
		const late = state({ now: 5000, lastPollAt: 5000, estimatedSeconds: 3, overdue: 2 });
		expect(isOverdue(late)).toBe(true);
		expect(nextPollAt(late)).toBe(5000 + 2250);
		expect(nextPollAt({ ...late, overdue: 20 })).toBe(5000 + MAX_POLL_INTERVAL_MS);
	});

	it('never polls one task more than once a second, and honours a fixed interval', () => {
		for (let now = 0; now < 70000; now += 700) {
			const s = state({ now, lastPollAt: now, estimatedSeconds: 30, samples: [{ at: now, progress: 99 }] });
			expect(nextPollAt(s) - now).toBeGreaterThanOrEqual(MIN_POLL_INTERVAL_MS);
			expect(nextPollAt(s) - now).toBeLessThanOrEqual(MAX_POLL_INTERVAL_MS);
		}
		expect(nextPollAt(state({ lastPollAt: 4000, now: 4000, fixedIntervalMs: 4000, estimatedSeconds: 5 }))).toBe(8000);
		expect(nextPollAt(state({ fixedIntervalMs: 200 }))).toBe(MIN_POLL_INTERVAL_MS);
	});
});
