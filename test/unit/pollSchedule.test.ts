import {
	isOverdue,
	MAX_POLL_INTERVAL_MS,
	MIN_POLL_INTERVAL_MS,
	nextPollAt,
	predictFinish,
} from '../../nodes/shared/pollSchedule';
import type { PollState } from '../../nodes/shared/pollSchedule';

const state = (extra: Partial<PollState>): PollState => ({
	startedAt: 0,
	now: 0,
	overdue: 0,
	samples: [],
	...extra,
});

describe('poll schedule', () => {
	it('checks once halfway through the estimate, then goes to the finish the estimate gives', () => {
		// An estimate alone may be too long: the first check is at half of it.
		expect(nextPollAt(state({ estimatedSeconds: 6 }))).toBe(3050);
		// A long estimate is still checked every 10 s.
		expect(nextPollAt(state({ estimatedSeconds: 60 }))).toBe(MAX_POLL_INTERVAL_MS);
		// After a check that gave no progress, the estimate itself is the target.
		expect(nextPollAt(state({ now: 3050, lastPollAt: 3050, estimatedSeconds: 6 }))).toBe(6050);
		// After one with progress that agrees (50% at 3.05 s: 5.98-6.1 s), the estimate wins.
		const agreed = state({
			now: 3050,
			lastPollAt: 3050,
			estimatedSeconds: 6,
			samples: [{ at: 3050, progress: 50 }],
		});
		expect(nextPollAt(agreed)).toBe(6050);
	});

	it('trusts an estimate of 4 s or less without the halfway check', () => {
		// Twice too long, such an estimate costs at most 2 s; the check would cost a request.
		expect(nextPollAt(state({ estimatedSeconds: 3 }))).toBe(3050);
		expect(nextPollAt(state({ estimatedSeconds: 4 }))).toBe(4050);
		expect(nextPollAt(state({ estimatedSeconds: 5 }))).toBe(2550);
	});

	it('plans from a reading taken before the first check like from the check itself', () => {
		// A list request read the task at 2 s (40%: 4.9-5 s): no halfway check any more.
		const read = state({ now: 2000, estimatedSeconds: 5, samples: [{ at: 2000, progress: 40 }] });
		expect(nextPollAt(read)).toBe(5050);
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

	it('ignores an estimate that progress contradicts', () => {
		// Estimate 10 s, but 20% after 8 s says 38.1-40 s: the run is planned from progress alone.
		const s = state({
			now: 8000,
			lastPollAt: 8000,
			estimatedSeconds: 10,
			samples: [{ at: 8000, progress: 20 }],
		});
		expect(predictFinish(s)).toBe(40000);
		// An estimate inside the window narrows it.
		expect(predictFinish({ ...s, estimatedSeconds: 39 })).toBe(39000);
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
			const s = state({
				now,
				lastPollAt: now,
				estimatedSeconds: 30,
				samples: [{ at: now, progress: 99 }],
			});
			expect(nextPollAt(s) - now).toBeGreaterThanOrEqual(MIN_POLL_INTERVAL_MS);
			expect(nextPollAt(s) - now).toBeLessThanOrEqual(MAX_POLL_INTERVAL_MS);
		}
		expect(
			nextPollAt(
				state({ lastPollAt: 4000, now: 4000, fixedIntervalMs: 4000, estimatedSeconds: 5 }),
			),
		).toBe(8000);
		expect(nextPollAt(state({ fixedIntervalMs: 200 }))).toBe(MIN_POLL_INTERVAL_MS);
	});
});
