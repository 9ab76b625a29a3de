/**
 * P2 in simulated time: the node's poll loop (the real TaskPoller and schedule) against
 * thousands of simulated tasks, when the provider's estimate is right, half or double the real
 * duration, or missing (progress readings only, as Apiframe gives), next to the two anchors:
 * a fixed 10 s interval and Apiframe's SDK schedule (2 s, x1.5, at most 5 s). Nothing waits:
 * the clock jumps from one due check to the next.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { evoLink } from '../nodes/EvoLink/EvoLink.provider';
import { TaskPoller } from '../nodes/shared/poller';
import type { TaskClient } from '../nodes/shared/taskClient';
import type { ProviderAdapter } from '../nodes/shared/types';
import { VirtualClock } from '../test/tools/clock';
import { SimProvider } from '../test/tools/simProvider';

export interface Scenario {
	name: string;
	/** The estimate as a share of the real duration; undefined: no estimate at all. */
	estimateFactor?: number;
}

export const SCENARIOS: Scenario[] = [
	{ name: 'estimate right', estimateFactor: 1 },
	{ name: 'estimate half', estimateFactor: 0.5 },
	{ name: 'estimate double', estimateFactor: 2 },
	{ name: 'no estimate (progress only)' },
];

export interface Measured {
	lagP50: number;
	lagP95: number;
	/** Status requests per second of task run time, over all tasks. */
	requestsPerTaskSecond: number;
}

type Schedule = 'ours' | 'fixed 10 s' | 'sdk 2 s x1.5 max 5 s';

/** Deterministic durations, log-uniform between 3 s and 120 s (a seeded LCG, so runs compare). */
export function durations(count: number, seed = 7): number[] {
	let state = seed;
	const next = () => {
		state = (state * 1103515245 + 12345) % 2147483648;
		return state / 2147483648;
	};
	return Array.from({ length: count }, () => Math.round(3000 * Math.exp(next() * Math.log(40))));
}

const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

function anchorDelay(schedule: Schedule, polls: number): number {
	return schedule === 'fixed 10 s' ? 10000 : Math.min(5000, 2000 * 1.5 ** polls);
}

export async function simulate(
	scenario: Scenario,
	schedule: Schedule,
	lengths: number[],
): Promise<Measured> {
	const clock = new VirtualClock();
	const provider = new SimProvider(clock);
	// One status read per task (no list reads), so the schedule itself is what is measured.
	const adapter: ProviderAdapter = evoLink.adapter;
	const fn = {
		getNode: () => ({ name: 'Image' }),
		getExecutionCancelSignal: () => undefined,
	} as unknown as IExecuteFunctions;
	const poller = new TaskPoller(fn, provider as unknown as TaskClient, adapter, clock);
	const limits = { itemIndex: 0, timeoutMs: 60000, deadline: Infinity };
	const seen = new Map<string, number>();
	await clock.run(async () => {
		await Promise.all(
			lengths.map(async (durationMs, i) => {
				const id = `t${i}`;
				const estimate =
					scenario.estimateFactor === undefined
						? undefined
						: Math.max(1, Math.round((durationMs * scenario.estimateFactor) / 1000));
				const submitted = provider.add({ id, durationMs, estimateSeconds: estimate });
				if (schedule === 'ours') {
					await poller.wait(submitted, { limits, maxWaitMs: 3600000 });
				} else {
					for (let polls = 0; ; polls++) {
						await clock.sleep(anchorDelay(schedule, polls));
						if ((await provider.status(id)).status === 'completed') break;
					}
				}
				seen.set(id, clock.now());
			}),
		);
	});
	const lags = lengths.map((_, i) => (seen.get(`t${i}`)! - provider.finishedAt(`t${i}`)) / 1000);
	const taskSeconds = lengths.reduce((sum, ms) => sum + ms / 1000, 0);
	return {
		lagP50: percentile(lags, 50),
		lagP95: percentile(lags, 95),
		requestsPerTaskSecond: provider.reads.length / taskSeconds,
	};
}
