import { createHash } from 'crypto';

import type { TaskSnapshot } from './types';

/**
 * What this process has submitted, so that nothing is paid for twice within one execution.
 *
 * n8n's Retry On Fail runs the node's execute() again in the same process, with the same
 * execution and run index. Every task the node submits is recorded here under a key made of
 * the execution, the node, the node's run, the item, the task's place in the item's plan and a
 * hash of what the user asked for. A retry finds its tasks and takes them over (a finished one
 * as it is, an unfinished one by polling it) instead of submitting again. A submission that
 * failed after it was sent is recorded as "uncertain": a retry does not send it again either.
 *
 * Memory is bounded: entries expire after a day (the providers keep results 24 h) and the
 * oldest go first beyond MAX_ENTRIES.
 */

export const MAX_ENTRIES = 20000;
export const ENTRY_TTL_MS = 24 * 3600 * 1000;

export interface TaskScope {
	workflowId: string;
	executionId: string;
	nodeId: string;
	/** The node's run within the execution (a node in a loop runs several times). */
	runIndex: number;
}

export interface LedgerEntry {
	scope: TaskScope;
	itemIndex: number;
	taskIndex: number;
	/** Set once the provider answered with the task. */
	taskId?: string;
	/** The last state seen, so a retry reports and resumes from it. */
	snapshot?: TaskSnapshot;
	/** The submission failed after it was sent: the provider may or may not have the task. */
	uncertain?: string;
	/** How many earlier tasks of this slot failed (each retry of a failed task is a new one). */
	attempt: number;
	at: number;
}

function sameScope(a: TaskScope, b: TaskScope): boolean {
	return a.workflowId === b.workflowId && a.executionId === b.executionId && a.nodeId === b.nodeId;
}

/** A stable text of a JSON-like value (object keys sorted), for hashing what was asked. */
export function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, v]) => v !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

export function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

export class TaskLedger {
	private readonly entries = new Map<string, LedgerEntry>();
	/** taskId -> key, so a status read updates its entry without a scan. */
	private readonly byTask = new Map<string, string>();

	constructor(
		private readonly maxEntries = MAX_ENTRIES,
		private readonly ttlMs = ENTRY_TTL_MS,
	) {}

	/** The key of one planned task: who asked, where, and a hash of what was asked. */
	static key(scope: TaskScope, itemIndex: number, taskIndex: number, requestHash: string): string {
		const { workflowId, executionId, nodeId, runIndex } = scope;
		return sha256(
			canonical([workflowId, executionId, nodeId, runIndex, itemIndex, taskIndex, requestHash]),
		);
	}

	get(key: string, now: number): LedgerEntry | undefined {
		this.expire(now);
		return this.entries.get(key);
	}

	record(key: string, entry: LedgerEntry, now: number): void {
		this.remove(key);
		this.entries.set(key, entry);
		if (entry.taskId) this.byTask.set(entry.taskId, key);
		this.expire(now);
	}

	/** Forgets one planned task, e.g. one whose task failed: a retry may submit it again. */
	remove(key: string): void {
		const entry = this.entries.get(key);
		if (entry?.taskId) this.byTask.delete(entry.taskId);
		this.entries.delete(key);
	}

	/** Keeps the latest state of a task it holds. */
	update(snapshot: TaskSnapshot): void {
		const key = this.byTask.get(snapshot.taskId);
		const entry = key === undefined ? undefined : this.entries.get(key);
		if (entry) entry.snapshot = snapshot;
	}

	/** The key a task is recorded under. */
	keyOf(taskId: string): string | undefined {
		return this.byTask.get(taskId);
	}

	/** Every task one node has submitted in one execution, in item and task order. */
	tasksOf(scope: TaskScope): LedgerEntry[] {
		return [...this.entries.values()]
			.filter((e) => sameScope(e.scope, scope))
			.sort(
				(a, b) =>
					a.scope.runIndex - b.scope.runIndex ||
					a.itemIndex - b.itemIndex ||
					a.taskIndex - b.taskIndex,
			);
	}

	/** Forgets everything, as a new process would (tests use it to stand for another worker). */
	clear(): void {
		this.entries.clear();
		this.byTask.clear();
	}

	get size(): number {
		return this.entries.size;
	}

	private expire(now: number): void {
		for (const [key, entry] of this.entries) {
			if (this.entries.size <= this.maxEntries && now - entry.at < this.ttlMs) break;
			this.remove(key);
		}
	}
}

/** The one ledger of this process (every execution of every provider node). */
export const taskLedger = new TaskLedger();
