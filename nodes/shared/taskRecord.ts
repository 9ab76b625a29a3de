import type { IExecuteFunctions } from 'n8n-workflow';

import type { TaskScope } from './ledger';

/**
 * Every paid task leaves a trace outside the node's output, so it can be found after the fact
 * (a failed execution, a crashed worker): one log line through n8n's logger, and the execution's
 * custom data (kept with the execution; shown in its details and, on licensed instances,
 * filterable). Custom data holds at most 10 keys of short text, shared with the workflow's own,
 * so two keys are used: the number of tasks and the first task IDs.
 */

export const CUSTOM_DATA_COUNT = 'gptImageTasks';
export const CUSTOM_DATA_IDS = 'gptImageTaskIds';
/** n8n keeps longer values but warns; 255 is the documented limit. */
const CUSTOM_DATA_MAX = 255;

type Context = Pick<IExecuteFunctions, 'getNode' | 'getExecutionId'> & {
	logger?: IExecuteFunctions['logger'];
	customData?: IExecuteFunctions['customData'];
};

/** The execution, node and run a task belongs to (the ledger's scope). */
export function taskScope(fn: Context & Pick<IExecuteFunctions, 'getWorkflow'>): TaskScope {
	// The run index is public on n8n-core's contexts, not on the interface: 0 where missing.
	const runIndex = (fn as { runIndex?: unknown }).runIndex;
	const node = fn.getNode();
	return {
		workflowId: String(fn.getWorkflow().id ?? ''),
		executionId: String(fn.getExecutionId() ?? ''),
		nodeId: node.id ?? node.name,
		runIndex: typeof runIndex === 'number' ? runIndex : 0,
	};
}

/** Custom data exists on n8n 2.20 and later, and only inside a running execution. */
function customData(fn: Context): IExecuteFunctions['customData'] | undefined {
	try {
		return fn.customData;
	} catch {
		return undefined;
	}
}

function appendId(list: string, taskId: string): string {
	if (list.endsWith('...')) return list;
	const next = list ? `${list},${taskId}` : taskId;
	return next.length <= CUSTOM_DATA_MAX ? next : `${list.slice(0, CUSTOM_DATA_MAX - 3)}...`;
}

/** Logs a submitted task and counts it in the execution's custom data. */
export function recordTask(fn: Context, provider: string, itemIndex: number, taskId: string): void {
	const node = fn.getNode().name;
	fn.logger?.info(
		`GPT Image: ${provider} task ${taskId} submitted (execution ${fn.getExecutionId()}, node "${node}", item ${itemIndex})`,
	);
	const data = customData(fn);
	if (!data) return;
	try {
		const count = Number(data.get(CUSTOM_DATA_COUNT) ?? 0) || 0;
		data.set(CUSTOM_DATA_COUNT, String(count + 1));
		data.set(CUSTOM_DATA_IDS, appendId(String(data.get(CUSTOM_DATA_IDS) ?? ''), taskId));
	} catch {
		// Custom data is a courtesy: a full or refused store must not fail a paid task.
	}
}

/** Logs a task a retry took over instead of submitting again. */
export function recordTakeOver(
	fn: Context,
	provider: string,
	itemIndex: number,
	taskId: string,
): void {
	fn.logger?.info(
		`GPT Image: ${provider} task ${taskId} taken over by a retry, not submitted again (execution ${fn.getExecutionId()}, node "${fn.getNode().name}", item ${itemIndex})`,
	);
}
