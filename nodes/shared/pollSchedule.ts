import type { TaskSnapshot } from './types';

/** Never poll one task more than once a second. */
export const MIN_POLL_INTERVAL_MS = 1000;
/** A long task is still checked at least this often. */
export const MAX_POLL_INTERVAL_MS = 10000;
/** Until the provider has said anything, start here and grow by BACKOFF. */
const FIRST_POLL_MS = 1000;
const BACKOFF = 1.5;

export interface PollPlan {
	/** When the task was submitted (ms since epoch). */
	startedAt: number;
	now: number;
	/** Status requests already made for this task. */
	polls: number;
	last?: TaskSnapshot;
	/** A user-set interval wins over the automatic schedule. */
	fixedIntervalMs?: number;
}

function clamp(ms: number): number {
	return Math.min(MAX_POLL_INTERVAL_MS, Math.max(MIN_POLL_INTERVAL_MS, Math.round(ms)));
}

/**
 * Expected milliseconds left, from what the provider reported: progress extrapolated over the
 * time so far when it moves, else the provider's own estimate of the whole run.
 */
export function expectedRemainingMs(plan: PollPlan): number | undefined {
	const elapsed = plan.now - plan.startedAt;
	const progress = plan.last?.progress;
	if (progress !== undefined && progress > 0 && progress < 100 && elapsed > 0) {
		return (elapsed * (100 - progress)) / progress;
	}
	const estimate = plan.last?.estimatedSeconds;
	if (estimate !== undefined && estimate > 0) return estimate * 1000 - elapsed;
	return undefined;
}

/** Delay before the next status request of one task. */
export function nextPollDelay(plan: PollPlan): number {
	if (plan.fixedIntervalMs !== undefined && plan.fixedIntervalMs > 0) return clamp(plan.fixedIntervalMs);
	const backoff = FIRST_POLL_MS * BACKOFF ** plan.polls;
	const remaining = expectedRemainingMs(plan);
	// Aim just past the expected finish, but never wait longer than plain backoff would once
	// the estimate has run out (a late task is then checked on the backoff curve).
	if (remaining !== undefined && remaining > 0) return clamp(remaining);
	return clamp(backoff);
}
