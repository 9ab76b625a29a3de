import { fieldError } from '../errors';
import { callLimits, readSettings } from '../settings';
import { checkTaskId } from '../validation';
import type { Operation } from './context';
import { finishTasks } from './results';

/** Polls a task submitted earlier (by ID) and returns its images like Generate does. */
export const waitForTask: Operation = async (ctx, itemIndex) => {
	const settings = readSettings(ctx.fn, itemIndex);
	const taskId = String(ctx.fn.getNodeParameter('taskId', itemIndex, '')).trim();
	const problem = checkTaskId(taskId, ctx.adapter);
	if (problem) throw fieldError(ctx.fn.getNode(), problem, itemIndex);
	return {
		settings,
		weight: 1,
		run: async () => {
			const limits = callLimits(settings, itemIndex);
			const first = await ctx.client.status(taskId, limits);
			return await finishTasks(ctx, [{ ...first, taskId }], {}, settings, limits);
		},
	};
};
