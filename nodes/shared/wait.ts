import type { Clock } from './clock';

/** Longest single sleep, so a stopped execution is noticed quickly. */
const SLICE_MS = 200;

export class CancelledError extends Error {
	constructor() {
		super('The execution was stopped');
		this.name = 'CancelledError';
	}
}

/** Waits `ms` in short slices, throwing CancelledError as soon as the execution is stopped. */
export async function pause(ms: number, clock: Clock, signal?: AbortSignal): Promise<void> {
	const until = clock.now() + ms;
	for (;;) {
		if (signal?.aborted) throw new CancelledError();
		const left = until - clock.now();
		if (left <= 0) return;
		await clock.sleep(Math.min(left, SLICE_MS));
	}
}
