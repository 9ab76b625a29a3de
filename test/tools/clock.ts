/**
 * Clocks for tests and benchmarks. The nodes read time and wait through a `Clock`
 * (nodes/shared/clock.ts); the fake providers also set timers. Two kinds:
 *
 * - `VirtualClock`: simulated time that never waits. `run(work)` drives it: whenever nothing
 *   else can happen (all pending work is waiting on the clock), it jumps to the next timer.
 *   For code whose I/O is in memory (unit tests, the polling benchmark).
 * - `ScaledClock`: real time running `speed` times faster. For the engine tests, where real
 *   sockets and n8n's own HTTP stack are involved and time must keep flowing.
 */
import type { Clock } from '../../nodes/shared/clock';

export interface TestClock extends Clock {
	/** Calls `job` after `ms` of this clock's time; returns a function that cancels it. */
	setTimer(job: () => void, ms: number): () => void;
}

interface Timer {
	at: number;
	seq: number;
	fire: () => void;
}

const realImmediate = setImmediate;

/** Lets every promise and immediate that is ready run, `turns` times over. */
async function settle(turns = 8): Promise<void> {
	for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => realImmediate(resolve));
}

/** An AbortSignal aborted by a timer of `clock` (TimeoutError, as AbortSignal.timeout gives). */
function signalFrom(
	clock: { setTimer(job: () => void, ms: number): () => void },
	ms: number,
): AbortSignal {
	const controller = new AbortController();
	clock.setTimer(
		() => controller.abort(new DOMException('The operation timed out', 'TimeoutError')),
		ms,
	);
	return controller.signal;
}

export class VirtualClock implements TestClock {
	private time: number;
	private seq = 0;
	private timers: Timer[] = [];

	constructor(start = Date.UTC(2026, 0, 1)) {
		this.time = start;
	}

	now(): number {
		return this.time;
	}

	async sleep(ms: number): Promise<void> {
		await new Promise<void>((resolve) => this.setTimer(resolve, ms));
	}

	deadline(ms: number): AbortSignal {
		return signalFrom(this, ms);
	}

	setTimer(job: () => void, ms: number): () => void {
		const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fire: job };
		this.timers.push(timer);
		return () => {
			this.timers = this.timers.filter((t) => t !== timer);
		};
	}

	/** Timers still waiting. */
	get pending(): number {
		return this.timers.length;
	}

	/** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
	async advance(ms: number): Promise<void> {
		const until = this.time + ms;
		for (;;) {
			await settle();
			const next = this.nextTimer();
			if (!next || next.at > until) break;
			this.fire(next);
		}
		this.time = until;
		await settle();
	}

	/**
	 * Runs `work` to its end in simulated time: each time the process is idle, time jumps to
	 * the next timer. Throws if the work is stuck with no timer left (a lost wake-up).
	 */
	async run<T>(work: () => Promise<T>): Promise<T> {
		let done = false;
		let failure: { error: unknown } | undefined;
		let result: T | undefined;
		const running = work().then(
			(value) => {
				result = value;
				done = true;
			},
			(error) => {
				failure = { error };
				done = true;
			},
		);
		while (!done) {
			await settle();
			if (done) break;
			const next = this.nextTimer();
			if (!next) throw new Error('VirtualClock.run: the work is waiting, but no timer is set');
			this.fire(next);
		}
		await running;
		if (failure) throw failure.error;
		return result as T;
	}

	private nextTimer(): Timer | undefined {
		let best: Timer | undefined;
		for (const t of this.timers)
			if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
		return best;
	}

	private fire(timer: Timer): void {
		this.timers = this.timers.filter((t) => t !== timer);
		this.time = Math.max(this.time, timer.at);
		timer.fire();
	}
}

/** Real time, `speed` times faster: 1 s of this clock passes in 1000/speed ms. */
export class ScaledClock implements TestClock {
	private readonly origin = Date.now();

	constructor(readonly speed: number) {}

	now(): number {
		return this.origin + (Date.now() - this.origin) * this.speed;
	}

	async sleep(ms: number): Promise<void> {
		await new Promise<void>((resolve) => this.setTimer(resolve, ms));
	}

	/** Request deadlines stay real time: n8n's own request timeout and the network are real. */
	deadline(ms: number): AbortSignal {
		return AbortSignal.timeout(ms);
	}

	setTimer(job: () => void, ms: number): () => void {
		const timer = setTimeout(job, Math.max(0, ms) / this.speed);
		timer.unref?.();
		return () => clearTimeout(timer);
	}
}

/** The wall clock with unref'd timers (the fakes' default). */
export const wallClock: TestClock = {
	now: () => Date.now(),
	sleep: async (ms) => await new Promise<void>((resolve) => setTimeout(resolve, ms)),
	deadline: (ms) => AbortSignal.timeout(ms),
	setTimer(job, ms) {
		const timer = setTimeout(job, Math.max(0, ms));
		timer.unref?.();
		return () => clearTimeout(timer);
	},
};
