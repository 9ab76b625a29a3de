import type { IExecuteFunctions } from 'n8n-workflow';

import type { HttpCall, TaskSnapshot } from './types';

/**
 * What this process remembers of the paid work of each execution and node: one Book, shared by
 * every Retry On Fail try and every run of the node in a loop (n8n runs both in one process under
 * one execution ID). A Book holds a record per slot (run, item, task): the task it paid for, or
 * the call whose answer never came; reuse goes by the slot, not by the request's bytes, so a retry
 * whose prompt reads the clock finds its task. It also holds the execution's spend totals.
 */

/** Books kept (the least recently used go first); results live 24 h at the providers anyway. */
export const MAX_BOOKS = 5000;

export interface TaskScope {
	workflowId: string;
	executionId: string;
	nodeId: string;
	/** The node's run within the execution (a node in a loop runs several times). */
	runIndex: number;
	/** The n8n instance, so that two instances never share an idempotency key. */
	instanceId: string;
}

export interface Slot {
	runIndex: number;
	itemIndex: number;
	taskIndex: number;
}

export interface SlotRecord extends Slot {
	/** The task the provider accepted for this slot, with its last known state. */
	snapshot?: TaskSnapshot;
	/** Sent, answer lost, and the provider deduplicates: a retry sends this very call again. */
	resend?: HttpCall;
	/** Sent, answer lost, and the provider does not deduplicate: never sent again. */
	uncertain?: string;
	/** Tasks of this slot that failed (not billed): the next one is a new task. */
	attempt: number;
}

/** Spend control's totals for one execution and node, over every try and run (see spend.ts). */
export interface SpendState {
	spent: number;
	images: number;
	/** An answer gave no usable price and none is documented: no more tasks of unknown price. */
	unpriced: boolean;
	/** Admissions take turns: the next waits until the last one's answer is counted. */
	turn: Promise<void>;
}

export class Book {
	private readonly slots = new Map<string, SlotRecord>();
	readonly spend: SpendState = { spent: 0, images: 0, unpriced: false, turn: Promise.resolve() };

	get({ runIndex, itemIndex, taskIndex }: Slot): SlotRecord | undefined {
		return this.slots.get(`${runIndex}:${itemIndex}:${taskIndex}`);
	}

	/** Sets (or changes) what a slot holds. */
	put(slot: Slot, change: Partial<SlotRecord>): SlotRecord {
		const { runIndex, itemIndex, taskIndex } = slot;
		const record = { attempt: 0, ...this.get(slot), ...change, runIndex, itemIndex, taskIndex };
		this.slots.set(`${runIndex}:${itemIndex}:${taskIndex}`, record);
		return record;
	}

	/** The tasks of one run of the node, in item and task order. */
	tasks(runIndex: number): SlotRecord[] {
		return [...this.slots.values()]
			.filter((r) => r.runIndex === runIndex && (r.snapshot || r.uncertain))
			.sort((a, b) => a.itemIndex - b.itemIndex || a.taskIndex - b.taskIndex);
	}
}

export class Ledger {
	private readonly books = new Map<string, Book>();
	/** Task ID -> its slot, so a status read keeps the slot's state current. */
	private readonly byTask = new Map<string, SlotRecord>();

	constructor(private readonly maxBooks = MAX_BOOKS) {}

	/** The book of one execution and node, made on first use. */
	book({ workflowId, executionId, nodeId }: TaskScope): Book {
		const key = JSON.stringify([workflowId, executionId, nodeId]);
		const book = this.books.get(key) ?? new Book();
		this.books.delete(key);
		this.books.set(key, book);
		if (this.books.size > this.maxBooks) this.books.delete(this.books.keys().next().value!);
		return book;
	}

	track(record: SlotRecord): void {
		this.byTask.set(record.snapshot!.taskId, record);
		if (this.byTask.size > this.maxBooks * 20) this.byTask.delete(this.byTask.keys().next().value!);
	}

	/** Whether this process submitted the task (the trigger tells a missing route by it). */
	knows(taskId: string): boolean {
		return this.byTask.has(taskId);
	}

	update(snapshot: TaskSnapshot): void {
		const record = this.byTask.get(snapshot.taskId);
		if (record) record.snapshot = snapshot;
	}

	/** Forgets everything, as a new process would (tests stand for another worker with it). */
	clear(): void {
		this.books.clear();
		this.byTask.clear();
	}
}

/** The one ledger of this process (every execution of every provider node). */
export const ledger = new Ledger();

type Context = Pick<IExecuteFunctions, 'getNode' | 'getExecutionId' | 'getWorkflow'> &
	Partial<Pick<IExecuteFunctions, 'getInstanceId' | 'logger' | 'customData'>>;

/** The execution, node and run a task belongs to. */
export function taskScope(fn: Context): TaskScope {
	// The run index is public on n8n-core's contexts, not on the interface: 0 where missing.
	const runIndex = (fn as { runIndex?: unknown }).runIndex;
	const node = fn.getNode();
	return {
		workflowId: String(fn.getWorkflow().id ?? ''),
		// Without an execution ID (not seen in n8n) nothing may be shared with another call.
		executionId: String(fn.getExecutionId() ?? '') || `none-${Math.random()}`,
		nodeId: node.id ?? node.name,
		runIndex: typeof runIndex === 'number' ? runIndex : 0,
		instanceId: String(fn.getInstanceId?.() ?? ''),
	};
}

/**
 * Every paid task leaves a trace outside the node's output: a log line, and the execution's custom
 * data (kept with the execution, n8n 2.20 and later), which holds at most 10 short keys shared
 * with the workflow: two are used, the count and the first IDs (255 characters, n8n's limit).
 */
export const CUSTOM_DATA_COUNT = 'gptImageTasks';
export const CUSTOM_DATA_IDS = 'gptImageTaskIds';

export function noteTask(fn: Context, provider: string, slot: Slot, taskId: string, took: boolean) {
	const what = took ? 'taken over by a retry, not submitted again' : 'submitted';
	const where = `execution ${fn.getExecutionId()}, node "${fn.getNode().name}", item ${slot.itemIndex}`;
	fn.logger?.info(`GPT Image: ${provider} task ${taskId} ${what} (${where})`);
	if (took) return;
	try {
		const data = fn.customData!;
		data.set(CUSTOM_DATA_COUNT, String((Number(data.get(CUSTOM_DATA_COUNT)) || 0) + 1));
		const list = String(data.get(CUSTOM_DATA_IDS) ?? '');
		const next = list ? `${list},${taskId}` : taskId;
		if (!list.endsWith('...'))
			data.set(CUSTOM_DATA_IDS, next.length <= 255 ? next : `${list.slice(0, 252)}...`);
	} catch {
		// A courtesy (absent before n8n 2.20, or full): never fail a paid task for it.
	}
}
