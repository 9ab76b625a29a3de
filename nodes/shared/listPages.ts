import type { CallLimits, TaskClient } from './taskClient';

/** Pages one list read goes through at most; waiting tasks it did not reach are read one by one. */
export const MAX_LIST_PAGES = 3;

/**
 * Reads the provider's task list page by page until every one of `taskIds` is found, the list
 * ends or MAX_LIST_PAGES were read (other tasks of the account may come first); returns the body
 * of each task found.
 */
export async function listPages(
	client: TaskClient,
	taskIds: string[],
	limits: CallLimits,
): Promise<Map<string, unknown>> {
	const wanted = new Set(taskIds);
	const found = new Map<string, unknown>();
	let cursor: string | undefined;
	for (let page = 0; page < MAX_LIST_PAGES; page++) {
		const answer = await client.statusBatch(taskIds, limits, cursor);
		for (const { taskId, body } of answer.tasks) if (wanted.has(taskId)) found.set(taskId, body);
		cursor = answer.cursor;
		if (found.size === wanted.size || cursor === undefined) break;
	}
	return found;
}
