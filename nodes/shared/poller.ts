import type { IExecuteFunctions, NodeApiError } from 'n8n-workflow';

import type { Clock } from './clock';
import { providerError } from './errors';
import { isOverdue, MIN_POLL_INTERVAL_MS, nextPollAt } from './pollSchedule';
import type { PollState } from './pollSchedule';
import type { CallLimits, TaskClient } from './taskClient';
import { FINISHED_STATUSES } from './types';
import type { ProviderAdapter, TaskSnapshot } from './types';
import { pause } from './wait';

interface Waiter {
	snapshot: TaskSnapshot;
	state: PollState;
	nextAt: number;
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
 * Polls every waiting task of one execution from a single loop: one timer whatever the number
 * of items, each task on its own schedule. Where the provider can list many tasks in one request,
 * a due task triggers one list request that updates every waiting task it contains.
 */
export class TaskPoller {
	private readonly waiters = new Set<Waiter>();
	/** Waiters whose status read is running. */
	private readonly busy = new Set<Waiter>();
	private running = false;
	private lastBatchAt = 0;

	constructor(
		private readonly fn: IExecuteFunctions,
		private readonly client: TaskClient,
		private readonly adapter: ProviderAdapter,
		private readonly clock: Clock,
	) {}

	/** Resolves with the finished snapshot (completed, failed or cancelled). */
	async wait(snapshot: TaskSnapshot, options: WaitOptions): Promise<TaskSnapshot> {
		// A submit answer can say "completed" (an idempotent replay of a finished job) without the
		// results, which only the status read carries: that task is read once, at once.
		const needsRead = snapshot.status === 'completed' && snapshot.imageUrls.length === 0;
		if (FINISHED_STATUSES.includes(snapshot.status) && !needsRead) return snapshot;
		const now = this.clock.now();
		return await new Promise<TaskSnapshot>((resolve, reject) => {
			const state: PollState = {
				startedAt: now,
				now,
				overdue: 0,
				samples: [],
				estimatedSeconds: snapshot.estimatedSeconds,
				fixedIntervalMs: options.fixedIntervalMs,
			};
			const nextAt = needsRead ? now : nextPollAt(state);
			const waiter: Waiter = {
				snapshot,
				state,
				nextAt,
				limits: options.limits,
				maxWaitMs: options.maxWaitMs,
				resolve,
				reject,
			};
			this.waiters.add(waiter);
			if (!this.running) void this.loop();
		});
	}

	/** Rejects every waiting task, e.g. when another item failed and the node stops. */
	stopAll(error: Error): void {
		for (const waiter of this.waiters) waiter.reject(error);
		this.waiters.clear();
		this.busy.clear();
	}

	/**
	 * The loop never waits for a status request: a due task's read runs on its own, so one slow or
	 * stuck answer holds no other task. A task whose read is still running when its Max Wait (plus
	 * its request's own deadline) is over fails with its ID at once.
	 */
	private async loop(): Promise<void> {
		this.running = true;
		try {
			while (this.waiters.size > 0) {
				const now = this.clock.now();
				this.expireStuck(now);
				const idle = [...this.waiters].filter((w) => !this.busy.has(w));
				const due = idle.filter((w) => w.nextAt <= now);
				if (due.length > 0) void this.pollDue(due);
				const next = Math.min(
					now + LOOP_SLICE_MS,
					...idle.filter((w) => w.nextAt > now).map((w) => w.nextAt),
				);
				try {
					const slice = Math.min(next - now, LOOP_SLICE_MS);
					await pause(slice, this.clock, this.fn.getExecutionCancelSignal());
				} catch (error) {
					this.stopAll(error as Error);
				}
			}
		} finally {
			this.running = false;
		}
	}

	private async pollDue(due: Waiter[]): Promise<void> {
		for (const waiter of due) this.busy.add(waiter);
		try {
			let single = due;
			const batchDue = this.clock.now() - this.lastBatchAt >= MIN_POLL_INTERVAL_MS;
			if (this.adapter.statusBatch && this.waiters.size > 1 && batchDue) {
				const found = await this.pollBatch(due[0]);
				single = due.filter((w) => this.waiters.has(w) && !found.has(w));
			}
			await Promise.all(single.map(async (waiter) => await this.pollOne(waiter)));
		} finally {
			for (const waiter of due) this.busy.delete(waiter);
		}
	}

	/** Fails tasks whose read has outlived their Max Wait and its own request deadline. */
	private expireStuck(now: number): void {
		for (const waiter of this.busy) {
			const limit = waiter.state.startedAt + waiter.maxWaitMs + waiter.limits.timeoutMs;
			if (now >= limit) this.settle(waiter, this.timeoutError(waiter));
		}
	}

	/** One list request; every waiting task it contains is updated, due or not. */
	private async pollBatch(trigger: Waiter): Promise<Set<Waiter>> {
		this.lastBatchAt = this.clock.now();
		const waiting = [...this.waiters];
		let bodies: Array<{ taskId: string; body: unknown }>;
		try {
			bodies = await this.client.statusBatch(
				waiting.map((w) => w.snapshot.taskId),
				trigger.limits,
			);
		} catch {
			// The list is an optimisation: on any failure the due tasks are polled one by one.
			return new Set();
		}
		const byId = new Map(bodies.map((b) => [b.taskId, b.body]));
		const found = new Set<Waiter>();
		await Promise.all(
			waiting.map(async (waiter) => {
				if (!byId.has(waiter.snapshot.taskId)) return;
				found.add(waiter);
				try {
					this.record(
						waiter,
						await this.client.readStatus(byId.get(waiter.snapshot.taskId), waiter.limits),
					);
				} catch (error) {
					this.settle(waiter, error as Error);
				}
			}),
		);
		return found;
	}

	private async pollOne(waiter: Waiter): Promise<void> {
		let snapshot: TaskSnapshot;
		try {
			snapshot = await this.client.status(waiter.snapshot.taskId, waiter.limits);
		} catch (error) {
			this.settle(waiter, error as Error);
			return;
		}
		this.record(waiter, snapshot);
	}

	/** Takes in a fresh status: settles a finished task, otherwise plans its next check. */
	private record(waiter: Waiter, snapshot: TaskSnapshot): void {
		if (!this.waiters.has(waiter)) return;
		const now = this.clock.now();
		// Keep what only the submit answer carried (e.g. reserved credits) unless the poll has newer.
		waiter.snapshot = {
			...snapshot,
			taskId: waiter.snapshot.taskId,
			model: snapshot.model ?? waiter.snapshot.model,
			cost: snapshot.cost ?? waiter.snapshot.cost,
		};
		if (FINISHED_STATUSES.includes(snapshot.status)) {
			this.settle(waiter, waiter.snapshot);
			return;
		}
		if (now - waiter.state.startedAt >= waiter.maxWaitMs) {
			this.settle(waiter, this.timeoutError(waiter));
			return;
		}
		const state = waiter.state;
		state.now = now;
		if (isOverdue(state)) state.overdue += 1;
		state.lastPollAt = now;
		if (snapshot.progress !== undefined)
			state.samples.push({ at: now, progress: snapshot.progress });
		if (snapshot.estimatedSeconds !== undefined) state.estimatedSeconds = snapshot.estimatedSeconds;
		// The last check happens at the deadline, so a task finishing just in time still counts.
		waiter.nextAt = Math.min(nextPollAt(state), state.startedAt + waiter.maxWaitMs);
	}

	private settle(waiter: Waiter, outcome: TaskSnapshot | Error): void {
		if (!this.waiters.delete(waiter)) return;
		if (outcome instanceof Error) waiter.reject(outcome);
		else waiter.resolve(outcome);
	}

	private timeoutError(waiter: Waiter): NodeApiError {
		const seconds = Math.round(waiter.maxWaitMs / 1000);
		const { taskId, status, progress } = waiter.snapshot;
		const last = `${status}${progress === undefined ? '' : `, ${progress}%`}`;
		return providerError(this.fn.getNode(), {
			provider: this.adapter.displayName,
			error: {
				message: `Task ${taskId} did not finish within ${seconds} s (last status: ${last})`,
				description: `The task may still finish. Fetch it later with the Wait for Task operation and task ID ${taskId}, or raise Max Wait (seconds) in Options.`,
			},
			itemIndex: waiter.limits.itemIndex,
		});
	}
}
