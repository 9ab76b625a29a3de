/**
 * One run per delivered task state, as far as this process can see.
 *
 * n8n loads a trigger's static data afresh for every webhook call and saves it back whole after
 * the call: two deliveries of the same task that arrive together both see "not seen yet". This
 * process-wide registry closes that gap for calls handled by the same n8n process: a delivery
 * that is already being handled waits for the first one's outcome, and the keys of deliveries
 * that started a run are kept for a while, until the static data (saved after the call) holds
 * them too. Across processes (several webhook processes in queue mode) n8n offers no lock; the
 * item's `deliveryKey` lets a later node drop a repeat.
 */

interface Started {
	at: number;
}

/** How long a started delivery is remembered here, beyond the static data. */
const RECENT_MS = 10 * 60 * 1000;
const MAX_RECENT = 5000;

const inFlight = new Map<string, Promise<boolean>>();
const recent = new Map<string, Started>();

function forget(now: number): void {
	for (const [key, started] of recent) {
		if (recent.size <= MAX_RECENT && now - started.at < RECENT_MS) break;
		recent.delete(key);
	}
}

/** Whether this process started a run for the delivery lately. */
export function startedLately(key: string, now: number): boolean {
	forget(now);
	return recent.has(key);
}

/**
 * Runs `handle` for a delivery unless the same delivery is being handled: then waits for it, and
 * only if that one did not start a run does this one try. `handle` resolves true when it started
 * a run. Resolves with `duplicate` when another call already started one.
 */
export async function handleOnce(
	key: string,
	now: () => number,
	handle: () => Promise<boolean>,
): Promise<'started' | 'not started' | 'duplicate'> {
	for (let running = inFlight.get(key); running; running = inFlight.get(key)) {
		if (await running) return 'duplicate';
	}
	if (startedLately(key, now())) return 'duplicate';
	let settle: (started: boolean) => void = () => {};
	inFlight.set(key, new Promise<boolean>((resolve) => (settle = resolve)));
	let started = false;
	try {
		started = await handle();
		if (started) recent.set(key, { at: now() });
		return started ? 'started' : 'not started';
	} finally {
		inFlight.delete(key);
		settle(started);
	}
}
