import { fieldError } from '../../errors';
import { callLimits, readSettings } from '../../settings';
import { checkTaskId, settingsProblem, textValue } from '../../validation';
import { valueSource } from '../context';
import type { OperationModule } from '../context';
import { finishTasks } from './results';

/** Wait for Task: polls a task submitted earlier (by ID) and returns its images like Generate. */
export const waitForTask: OperationModule = {
	description: ({ fields }) => [
		{
			displayName: 'Task ID',
			name: 'taskId',
			type: 'string',
			// Wait for Task usually follows a Generate/Edit that returned task IDs, or a callback.
			default: '={{ $json.taskId }}',
			required: true,
			placeholder: fields.taskIdPlaceholder,
			description:
				'The taskId that Generate or Edit returned (Completion: Return Task IDs or Callback to a Trigger), or that a callback carried',
			hint: 'By default the taskId field of the incoming item',
			displayOptions: { show: { operation: ['waitForTask'] } },
		},
	],

	prepare: async (ctx, itemIndex) => {
		const settings = readSettings(ctx.fn, itemIndex);
		const written = valueSource(ctx.fn, itemIndex, 'taskId');
		const given = textValue(ctx.fn.getNodeParameter('taskId', itemIndex, ''), 'Task ID', written);
		const taskId = given.value.trim();
		const problem = given.problem ?? settingsProblem(settings) ?? checkTaskId(taskId, ctx.adapter);
		if (problem) throw fieldError(ctx.fn.getNode(), problem, itemIndex);
		return {
			settings,
			weight: 1,
			run: async (tasksOver) => {
				const limits = callLimits(settings, itemIndex, ctx.clock.now());
				const first = await ctx.client.status(taskId, limits);
				// The input's prompt (an earlier Generate's item) stays on the images it became.
				const input = ctx.fn.getInputData()[itemIndex]?.json ?? {};
				const meta = typeof input.prompt === 'string' ? { prompt: input.prompt } : {};
				const task = [{ ...first, taskId }];
				return await finishTasks(ctx, task, meta, settings, limits, [], tasksOver);
			},
		};
	},
};
