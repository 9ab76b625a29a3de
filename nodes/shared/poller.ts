import type { IExecuteFunctions, NodeApiError } from 'n8n-workflow';

import type { Clock } from './clock';
import { providerError } from './errors';
import { listPages } from './listPages';
import { isOverdue, nextPollAt } from './pollSchedule';
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
 * Shortest gap between two list requests of one execution. One list reads every waiting task, so
 * its pace is the execution's, not a task's: a task due just after a list waits at most this long
 * (75 ms on average, against 50 ms of margin for a task read on its own), and an execution never
 * sends more than 400 lists a minute, under the 500 a minute reported for Apiframe (unconfirmed).
 */
export const LIST_INTERVAL_MS = 150;
/** A list answer slower than this no longer holds the due tasks: they are read one by one. */
const LIST_PATIENCE_MS = 2000;

/**
 * Polls every waiting task of one execution from a single loop: one timer whatever the number
 * of items, each task on its own schedule. Where the provider can list many tasks in one request,
 * due tasks are read with one list request (paged), which updates every waiting task it contains.
 */
export class TaskPoller {
	private readonly waiters = new Set<Waiter>();
	/** Waiters whose own status read is running. */
	private readonly busy = new Set<Waiter>();
	private running = false;
	private lastListAt = -Infinity;
	/** When the list read on its way started. */
	private listSince?: number;
	/** Ends the loop's current sleep early (a read has moved some task's next check). */
	private wake?: () => void;

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
			else if (needsRead) this.wake?.();
		});
	}

	/** Rejects every waiting task, e.g. when another item failed and the node stops. */
	stopAll(error: Error): void {
		for (const waiter of this.waiters) waiter.reject(error);
		this.waiters.clear();
		this.busy.clear();
	}

	/**
	 * The loop never waits for a status request: reads run on their own, so one slow or stuck
	 * answer holds no other task. A task whose read is still running when its Max Wait (plus its
	 * request's own deadline) is over fails with its ID at once.
	 */
	private async loop(): Promise<void> {
		this.running = true;
		try {
			while (this.waiters.size > 0) {
				const now = this.clock.now();
				this.expireStuck(now);
				const idle = [...this.waiters].filter((w) => !this.busy.has(w));
				const due = idle.filter((w) => w.nextAt <= now);
				let next = now + LOOP_SLICE_MS;
				if (due.length > 0) next = Math.min(next, this.startReads(due, now) ?? next);
				for (const waiter of idle) if (waiter.nextAt > now) next = Math.min(next, waiter.nextAt);
				try {
					await this.sleep(next - now);
				} catch (error) {
					this.stopAll(error as Error);
				}
			}
		} finally {
			this.running = false;
		}
	}

	/** Sleeps up to `ms` (one slice at most), or until a read wakes the loop. */
	private async sleep(ms: number): Promise<void> {
		const slept = pause(
			Math.min(ms, LOOP_SLICE_MS),
			this.clock,
			this.fn.getExecutionCancelSignal(),
		);
		const woken = new Promise<void>((resolve) => (this.wake = resolve));
		try {
			await Promise.race([slept, woken]);
		} finally {
			this.wake = undefined;
			// A sleep cut short may still end in a stop; the next sleep reports that.
			slept.catch(() => {});
		}
	}

	/**
	 * Starts the reads of the due tasks: one list request where the provider has one and more
	 * than one task waits, otherwise each task's own. Returns when tasks held back for a list
	 * should be looked at again.
	 */
	private startReads(due: Waiter[], now: number): number | undefined {
		if (!this.adapter.statusBatch || this.waiters.size < 2) {
			void this.readEach(due);
			return undefined;
		}
		if (this.listSince !== undefined) {
			// The list on its way reads these tasks too, unless it is taking too long.
			const patience = this.listSince + LIST_PATIENCE_MS;
			if (now < patience) return patience;
			void this.readEach(due);
			return undefined;
		}
		const allowed = this.lastListAt + LIST_INTERVAL_MS;
		if (now < allowed) return allowed;
		void this.readList(due[0].limits);
		return undefined;
	}

	/** Fails tasks whose read has outlived their Max Wait and its own request deadline. */
	private expireStuck(now: number): void {
		for (const waiter of this.busy) {
			const limit = waiter.state.startedAt + waiter.maxWaitMs + waiter.limits.timeoutMs;
			if (now >= limit) this.settle(waiter, this.timeoutError(waiter));
		}
	}

	/**
	 * One list read (its pages) for every waiting task: each one it contains is updated, due or
	 * not; due ones it missed are read one by one. The list is an optimisation: when it fails,
	 * the due tasks are read one by one.
	 */
	private async readList(limits: CallLimits): Promise<void> {
		this.listSince = this.lastListAt = this.clock.now();
		let bodies: Map<string, unknown>;
		try {
			const taskIds = [...this.waiters].map((w) => w.snapshot.taskId);
			bodies = await listPages(this.client, taskIds, limits);
		} catch {
			bodies = new Map();
		} finally {
			this.listSince = undefined;
		}
		const now = this.clock.now();
		const missed: Waiter[] = [];
		await Promise.all(
			[...this.waiters].map(async (waiter) => {
				const due = waiter.nextAt <= now;
				if (!bodies.has(waiter.snapshot.taskId)) {
					if (due && !this.busy.has(waiter)) missed.push(waiter);
					return;
				}
				try {
					const body = bodies.get(waiter.snapshot.taskId);
					this.record(waiter, await this.client.readStatus(body, waiter.limits), due);
				} catch (error) {
					this.settle(waiter, error as Error);
				}
			}),
		);
		this.wake?.();
		await this.readEach(missed);
	}

	/** Each task's own status read, all at once. */
	private async readEach(waiters: Waiter[]): Promise<void> {
		await Promise.all(
			waiters
				.filter((w) => this.waiters.has(w) && !this.busy.has(w))
				.map(async (waiter) => await this.readOne(waiter)),
		);
		this.wake?.();
	}

	private async readOne(waiter: Waiter): Promise<void> {
		this.busy.add(waiter);
		let snapshot: TaskSnapshot;
		try {
			snapshot = await this.client.status(waiter.snapshot.taskId, waiter.limits);
		} catch (error) {
			this.settle(waiter, error as Error);
			return;
		} finally {
			this.busy.delete(waiter);
		}
		this.record(waiter, snapshot, true);
	}

	/**
	 * Takes in a fresh status: settles a finished task, otherwise plans its next check. A reading
	 * a list gave of a task that was not due is not that task's check: it only moves the next check
	 * to where the reading now predicts the finish, and counts for no backoff.
	 */
	private record(waiter: Waiter, snapshot: TaskSnapshot, due: boolean): void {
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
		if (snapshot.progress !== undefined)
			state.samples.push({ at: now, progress: snapshot.progress });
		if (snapshot.estimatedSeconds !== undefined) state.estimatedSeconds = snapshot.estimatedSeconds;
		if (due) {
			if (isOverdue(state)) state.overdue += 1;
			state.lastPollAt = now;
		} else if (isOverdue(state)) {
			// Nothing new to aim at: the task's own next check stays where it was.
			return;
		}
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
