/**
 * A provider simulated in memory for the poll loop: tasks whose state follows a clock, read
 * through the same three calls the TaskPoller makes on its TaskClient (status, statusBatch,
 * readStatus). Used by the poller's unit tests and by the polling benchmark (P2), where
 * thousands of tasks run in simulated time.
 */
import type { StatusPage, TaskSnapshot } from '../../nodes/shared/types';
import type { Clock } from '../../nodes/shared/clock';

export interface SimTask {
	id: string;
	startedAt: number;
	durationMs: number;
	/** The provider's estimate of the whole run, in seconds (none when undefined). */
	estimateSeconds?: number;
	/** Whether status answers carry whole-percent progress. */
	reportsProgress: boolean;
	fails?: boolean;
}

export class SimProvider {
	readonly tasks = new Map<string, SimTask>();
	readonly reads: Array<{ taskId: string; at: number }> = [];
	batchReads = 0;
	/** When each list request was made. */
	readonly batchTimes: number[] = [];
	/** The next N status reads fail (the poller hands the error to that task). */
	failNext = 0;
	/** Tasks whose status reads never answer (a stuck connection). */
	readonly hanging = new Set<string>();
	/** List requests never answer. */
	hangLists = false;

	constructor(private readonly clock: Clock) {}

	/** Starts a task now; returns what a submission would answer. */
	add(
		task: Omit<SimTask, 'startedAt' | 'reportsProgress'> & { reportsProgress?: boolean },
	): TaskSnapshot {
		this.tasks.set(task.id, { reportsProgress: true, ...task, startedAt: this.clock.now() });
		return {
			taskId: task.id,
			status: 'queued',
			imageUrls: [],
			estimatedSeconds: task.estimateSeconds,
		};
	}

	finishedAt(id: string): number {
		const task = this.tasks.get(id)!;
		return task.startedAt + task.durationMs;
	}

	snapshot(id: string): TaskSnapshot {
		const task = this.tasks.get(id)!;
		const elapsed = this.clock.now() - task.startedAt;
		if (elapsed >= task.durationMs) {
			return task.fails
				? { taskId: id, status: 'failed', imageUrls: [], error: { message: 'no' } }
				: { taskId: id, status: 'completed', imageUrls: [`https://cdn.example/${id}.png`] };
		}
		const snapshot: TaskSnapshot = { taskId: id, status: 'processing', imageUrls: [] };
		if (task.reportsProgress) snapshot.progress = Math.floor((elapsed / task.durationMs) * 100);
		if (task.estimateSeconds !== undefined) snapshot.estimatedSeconds = task.estimateSeconds;
		return snapshot;
	}

	async status(taskId: string): Promise<TaskSnapshot> {
		this.reads.push({ taskId, at: this.clock.now() });
		if (this.hanging.has(taskId)) return await new Promise<TaskSnapshot>(() => {});
		if (this.failNext > 0) {
			this.failNext -= 1;
			throw new Error('status read failed');
		}
		return this.snapshot(taskId);
	}

	async statusBatch(taskIds: string[]): Promise<StatusPage> {
		this.batchReads += 1;
		this.batchTimes.push(this.clock.now());
		if (this.hangLists) return await new Promise<StatusPage>(() => {});
		return { tasks: taskIds.map((taskId) => ({ taskId, body: taskId })) };
	}

	async readStatus(body: unknown): Promise<TaskSnapshot> {
		return this.snapshot(body as string);
	}
}
