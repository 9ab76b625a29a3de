/**
 * When to check a task again. Pure: the poller keeps the state, this only does the arithmetic.
 *
 * The provider says how far a task is (progress 0-100) and sometimes how long it should take
 * (estimated_time). Both bound the finish: a reading of p% after e ms puts the whole run between
 * 100e/(p+1) and 100e/p (progress is whole percent), and the readings together narrow that window.
 * The next check goes just after the latest possible finish, so a finished task is seen at once
 * without checks in between; it is never more than MAX_POLL_INTERVAL_MS away, so a wrong
 * estimate costs at most that. Once the predicted finish has passed, checks back off from 1 s.
 */

/** Never poll one task more than once a second. */
export const MIN_POLL_INTERVAL_MS = 1000;
/** A long task is still checked at least this often. */
export const MAX_POLL_INTERVAL_MS = 10000;
/** Aim this far past the predicted finish, to be on the right side of it. */
const FINISH_MARGIN_MS = 50;
const BACKOFF = 1.5;
/** Where in the estimated run the first check goes when only an estimate is known. */
const PROBE_SHARE = 0.5;
/**
 * An estimate of at most this is not checked halfway: one twice too long then costs at most 2 s
 * of lag, what a schedule whose first check is at 2 s costs anyway, while the check would double
 * the requests of every short task.
 */
const PROBE_MIN_ESTIMATE_MS = 4000;

export interface ProgressSample {
	at: number;
	progress: number;
}

export interface PollState {
	/** When the task was submitted (ms since epoch). */
	startedAt: number;
	now: number;
	/** Last status request for this task, if any. */
	lastPollAt?: number;
	/** Checks made after the predicted finish had passed. */
	overdue: number;
	samples: ProgressSample[];
	/** The provider's estimate of the whole run, in seconds. */
	estimatedSeconds?: number;
	/** A user-set interval wins over the automatic schedule. */
	fixedIntervalMs?: number;
}

/**
 * The latest moment the task should be finished by, from what the provider said; undefined if it
 * said nothing usable. Progress readings bound the finish; the estimate is believed only where no
 * reading contradicts it (an estimate below the earliest finish the readings allow is ignored).
 */
export function predictFinish(state: PollState): number | undefined {
	let low = -Infinity;
	let high = Infinity;
	for (const { at, progress } of state.samples) {
		const elapsed = at - state.startedAt;
		if (progress <= 0 || progress >= 100 || elapsed <= 0) continue;
		low = Math.max(low, state.startedAt + (100 * elapsed) / (progress + 1));
		high = Math.min(high, state.startedAt + (100 * elapsed) / progress);
	}
	if (state.estimatedSeconds !== undefined && state.estimatedSeconds > 0) {
		const estimate = state.startedAt + state.estimatedSeconds * 1000;
		if (estimate >= low) high = Math.min(high, estimate);
	}
	return Number.isFinite(high) ? high : undefined;
}

/** True when nothing predicts a finish still ahead: the schedule is backing off. */
export function isOverdue(state: PollState): boolean {
	const finish = predictFinish(state);
	return finish === undefined || finish + FINISH_MARGIN_MS <= state.now;
}

/** The time (ms since epoch) of the next status request for one task. */
export function nextPollAt(state: PollState): number {
	const earliest = (state.lastPollAt ?? state.startedAt) + MIN_POLL_INTERVAL_MS;
	if (state.fixedIntervalMs !== undefined && state.fixedIntervalMs > 0) {
		return (
			(state.lastPollAt ?? state.startedAt) + Math.max(MIN_POLL_INTERVAL_MS, state.fixedIntervalMs)
		);
	}
	const latest = state.now + MAX_POLL_INTERVAL_MS;
	let finish = predictFinish(state);
	if (
		finish !== undefined &&
		state.lastPollAt === undefined &&
		state.samples.length === 0 &&
		state.estimatedSeconds !== undefined &&
		finish - state.startedAt > PROBE_MIN_ESTIMATE_MS
	) {
		// An estimate alone may be too long: check once halfway, so that a progress reading can
		// correct it before the predicted finish.
		finish = Math.min(finish, state.startedAt + (finish - state.startedAt) * PROBE_SHARE);
	}
	if (finish !== undefined && finish + FINISH_MARGIN_MS > state.now) {
		return Math.min(latest, Math.max(earliest, finish + FINISH_MARGIN_MS));
	}
	// Nothing usable, or the task is late: back off from the minimum.
	const backoff = MIN_POLL_INTERVAL_MS * BACKOFF ** state.overdue;
	return Math.min(latest, Math.max(earliest, state.now + backoff));
}
