import type { IExecuteFunctions, NodeApiError } from 'n8n-workflow';

import { providerError } from './errors';
import { nextPollDelay } from './pollSchedule';
import type { CallLimits, TaskClient } from './taskClient';
import { FINISHED_STATUSES } from './types';
import type { TaskSnapshot } from './types';
import { pause } from './wait';

interface Waiter {
	snapshot: TaskSnapshot;
	startedAt: number;
	nextAt: number;
	polls: number;
	fixedIntervalMs?: number;
	limits: CallLimits;
	maxWaitMs: number;
	resolve: (snapshot: TaskSnapshot) => void;
	reject: (error: Error) => void;
}

export interface WaitOptions {
	limits: CallLimits;
	maxWaitMs: number;
	fixedIntervalMs?: number;
}

/** Longest idle sleep of the loop, so new tasks and a stop are noticed quickly. */
const LOOP_SLICE_MS = 200;

/**
 * Polls every waiting task of one execution from a single loop: one timer, whatever the number
 * of items, and each task on its own schedule.
 */
export class TaskPoller {
	private readonly waiters = new Set<Waiter>();
	private running = false;

	constructor(
		private readonly fn: IExecuteFunctions,
		private readonly client: TaskClient,
		private readonly provider: string,
	) {}

	/** Resolves with the finished snapshot (completed, failed or cancelled). */
	async wait(snapshot: TaskSnapshot, options: WaitOptions): Promise<TaskSnapshot> {
		if (FINISHED_STATUSES.includes(snapshot.status)) return snapshot;
		const now = Date.now();
		return await new Promise<TaskSnapshot>((resolve, reject) => {
			const waiter: Waiter = {
				snapshot,
				startedAt: now,
				polls: 0,
				nextAt: 0,
				fixedIntervalMs: options.fixedIntervalMs,
				limits: options.limits,
				maxWaitMs: options.maxWaitMs,
				resolve,
				reject,
			};
			waiter.nextAt = now + nextPollDelay({ startedAt: now, now, polls: 0, last: snapshot, fixedIntervalMs: options.fixedIntervalMs });
			this.waiters.add(waiter);
			if (!this.running) void this.loop();
		});
	}

	/** Rejects every waiting task, e.g. when another item failed and the node stops. */
	stopAll(error: Error): void {
		for (const waiter of this.waiters) waiter.reject(error);
		this.waiters.clear();
	}

	private async loop(): Promise<void> {
		this.running = true;
		try {
			while (this.waiters.size > 0) {
				const now = Date.now();
				const due = [...this.waiters].filter((w) => w.nextAt <= now);
				if (due.length > 0) {
					await Promise.all(due.map(async (waiter) => await this.pollOne(waiter)));
					continue;
				}
				const next = Math.min(...[...this.waiters].map((w) => w.nextAt));
				try {
					await pause(Math.min(next - now, LOOP_SLICE_MS), this.fn.getExecutionCancelSignal());
				} catch (error) {
					this.stopAll(error as Error);
				}
			}
		} finally {
			this.running = false;
		}
	}

	private settle(waiter: Waiter, outcome: TaskSnapshot | Error): void {
		if (!this.waiters.delete(waiter)) return;
		if (outcome instanceof Error) waiter.reject(outcome);
		else waiter.resolve(outcome);
	}

	private async pollOne(waiter: Waiter): Promise<void> {
		const { taskId } = waiter.snapshot;
		try {
			const snapshot = await this.client.status(taskId, waiter.limits);
			waiter.polls += 1;
			// Keep what only the submit answer carried (e.g. reserved credits) unless the poll has newer.
			waiter.snapshot = { ...snapshot, taskId, model: snapshot.model ?? waiter.snapshot.model, cost: snapshot.cost ?? waiter.snapshot.cost };
		} catch (error) {
			this.settle(waiter, error as Error);
			return;
		}
		if (FINISHED_STATUSES.includes(waiter.snapshot.status)) {
			this.settle(waiter, waiter.snapshot);
			return;
		}
		const now = Date.now();
		if (now - waiter.startedAt >= waiter.maxWaitMs) {
			this.settle(waiter, this.timeoutError(waiter));
			return;
		}
		const delay = nextPollDelay({
			startedAt: waiter.startedAt,
			now,
			polls: waiter.polls,
			last: waiter.snapshot,
			fixedIntervalMs: waiter.fixedIntervalMs,
		});
		// The last check happens at the deadline, so a task finishing just in time still counts.
		waiter.nextAt = Math.min(now + delay, waiter.startedAt + waiter.maxWaitMs);
	}

	private timeoutError(waiter: Waiter): NodeApiError {
		const seconds = Math.round(waiter.maxWaitMs / 1000);
		const { taskId, status, progress } = waiter.snapshot;
		return providerError(
			this.fn.getNode(),
			this.provider,
			undefined,
			{
				message: `Task ${taskId} did not finish within ${seconds} s (last status: ${status}${progress === undefined ? '' : `, ${progress}%`})`,
				description: `The task may still finish. Fetch it later with the Wait for Task operation and task ID ${taskId}, or raise Max Wait (seconds) in Options.`,
			},
			waiter.limits.itemIndex,
		);
	}
}
