/**
 * What the trigger keeps in this n8n process between calls, each map bounded in size and age:
 * - deliveries that started a run (a repeat or replay of one starts nothing, and costs no read
 *   of the provider's API);
 * - task IDs the provider just said it does not know (a flood of made-up IDs is answered from here);
 * - a gate per trigger that bounds the reads of the provider's API it makes to confirm calls;
 * - the confirming client per trigger and credential, so a call does not decrypt the credential and
 *   build a client again.
 * The workflow's static data keeps the started deliveries too, where n8n saves it (see callbacks.ts).
 */

/** A map that forgets its oldest entries past `max` and entries older than `ttlMs`, without sorting. */
export class Recent<V> {
	private readonly entries = new Map<string, { value: V; at: number }>();

	constructor(
		private readonly max: number,
		private readonly ttlMs: number,
	) {}

	get(key: string, now: number): V | undefined {
		const entry = this.entries.get(key);
		if (entry && now - entry.at < this.ttlMs) return entry.value;
		if (entry) this.entries.delete(key);
		return undefined;
	}

	set(key: string, value: V, now: number): void {
		this.entries.delete(key);
		this.entries.set(key, { value, at: now });
		for (const [old, entry] of this.entries) {
			if (this.entries.size <= this.max && now - entry.at < this.ttlMs) break;
			this.entries.delete(old);
		}
	}

	get size(): number {
		return this.entries.size;
	}

	clear(): void {
		this.entries.clear();
	}
}

/** Deliveries that started a run: a day, and more of them than any provider retries in a day. */
export const startedRuns = new Recent<true>(20_000, 24 * 3600 * 1000);
/** Task IDs the provider said it does not know, for five minutes. */
export const unknownTasks = new Recent<true>(20_000, 5 * 60 * 1000);

const inFlight = new Map<string, Promise<boolean>>();

/**
 * Runs `handle` for a delivery unless the same delivery is being handled: then waits for it, and
 * only if that one did not start a run does this one try. `handle` resolves true when it started
 * a run. Resolves `duplicate` when this process already started one for the delivery.
 */
export async function handleOnce(
	key: string,
	now: () => number,
	handle: () => Promise<boolean>,
): Promise<'started' | 'not started' | 'duplicate'> {
	for (let running = inFlight.get(key); running; running = inFlight.get(key)) {
		if (await running) return 'duplicate';
	}
	if (startedRuns.get(key, now())) return 'duplicate';
	let settle: (started: boolean) => void = () => {};
	inFlight.set(key, new Promise<boolean>((resolve) => (settle = resolve)));
	let started = false;
	try {
		started = await handle();
		if (started) startedRuns.set(key, true, now());
		return started ? 'started' : 'not started';
	} finally {
		inFlight.delete(key);
		settle(started);
	}
}

/**
 * How many reads of the provider's API one trigger may make to confirm calls: at most BURST at
 * once, refilled at RATE per second; at most IN_FLIGHT unanswered, the next ones waiting up to
 * WAIT_MS for their turn. A call over the limit is answered 429 with Retry-After; the providers
 * deliver it again.
 */
export const CONFIRM_LIMITS = {
	burst: 20,
	ratePerSecond: 10,
	inFlight: 8,
	waitMs: 2000,
	retryAfterSeconds: 2,
};

class Gate {
	private tokens = CONFIRM_LIMITS.burst;
	private active = 0;
	private readonly queue: Array<() => void> = [];

	constructor(private at: number) {}

	/** Takes a read if the rate allows it, once one is free; the caller must `release()` it. */
	async take(clock: { now(): number; sleep(ms: number): Promise<void> }): Promise<boolean> {
		const { burst, ratePerSecond, inFlight: most, waitMs } = CONFIRM_LIMITS;
		const now = clock.now();
		this.tokens = Math.min(burst, this.tokens + ((now - this.at) / 1000) * ratePerSecond);
		this.at = now;
		if (this.tokens < 1) return false;
		this.tokens -= 1;
		if (this.active < most) {
			this.active += 1;
			return true;
		}
		let turn!: () => void;
		const waiting = new Promise<boolean>((resolve) =>
			this.queue.push((turn = () => resolve(true))),
		);
		const late = clock.sleep(waitMs).then(() => false);
		const got = await Promise.race([waiting, late]);
		if (!got) this.queue.splice(this.queue.indexOf(turn), 1);
		return got;
	}

	release(): void {
		const next = this.queue.shift();
		if (next) next();
		else this.active = Math.max(0, this.active - 1);
	}
}

const gates = new Recent<Gate>(5000, 24 * 3600 * 1000);

/** The gate of one trigger (workflow and node). */
export function gateOf(trigger: string, now: number): Gate {
	const gate = gates.get(trigger, now) ?? new Gate(now);
	gates.set(trigger, gate, now);
	return gate;
}

/** Clients kept for a minute per trigger and credential: long enough for a burst of calls. */
export const confirmClients = new Recent<unknown>(1000, 60 * 1000);

/**
 * Triggers that started a run to say they cannot confirm calls (a route of the provider is not
 * where the package assumed it): one such run per trigger every ten minutes, the rest in the log.
 */
export const confirmAlerts = new Recent<true>(5000, 10 * 60 * 1000);

/** Forgets everything, as a new process would (tests). */
export function forgetDeliveries(): void {
	startedRuns.clear();
	confirmAlerts.clear();
	unknownTasks.clear();
	gates.clear();
	confirmClients.clear();
}
