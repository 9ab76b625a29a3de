import { sleep } from 'n8n-workflow';

/**
 * Where the nodes read the time and wait. Every schedule, backoff and deadline goes through one
 * of these, so tests and benchmarks can run the same code in simulated time.
 */
export interface Clock {
	/** Milliseconds since the epoch. */
	now(): number;
	/** Resolves after `ms` milliseconds of this clock's time. */
	sleep(ms: number): Promise<void>;
	/** A signal that aborts after `ms`: the total deadline of one HTTP request. */
	deadline(ms: number): AbortSignal;
}

/** The wall clock, waiting with n8n's own `sleep`. */
export const realClock: Clock = {
	now: () => Date.now(),
	sleep: async (ms) => await sleep(ms),
	deadline: (ms) => AbortSignal.timeout(ms),
};

let current: Clock = realClock;

/**
 * The clock new executions use. Only tests and benchmarks change it (to run the engine in
 * simulated time); n8n itself never calls `useClock`, so nodes in n8n always use `realClock`.
 */
export function currentClock(): Clock {
	return current;
}

export function useClock(clock: Clock = realClock): void {
	current = clock;
}
