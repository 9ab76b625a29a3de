import type { INodeExecutionData } from 'n8n-workflow';

import { shapeOf } from '../../readings';
import type { CallLimits } from '../../taskClient';
import type { OperationContext } from '../context';
import type { Submitted } from './submission';

/**
 * A task submitted with a callback is paid for whether or not the callback ever comes. Where the
 * provider's task answer shows whether it recorded the callback URL, the task is read once and
 * the item says what it showed; a provider that ignored the field silently is caught here, and
 * the rest of the execution sends the field in its other documented shape.
 */
export async function confirmCallbacks(
	ctx: OperationContext,
	submitted: Submitted,
	items: INodeExecutionData[],
	limits: CallLimits,
): Promise<void> {
	const { adapter } = ctx;
	const capability = adapter.callback;
	const name = adapter.displayName;
	const field = capability?.field ?? 'Callback URL';
	const reading = adapter.readings?.find((r) => r.point === capability?.reading);
	await Promise.all(
		items.map(async (item, i) => {
			const { taskId } = submitted.snapshots[i];
			if (!capability?.confirmable) {
				item.json.callbackConfirmed = null;
				item.json.callbackNote = `${name}'s answers do not show whether it took the ${field}. If no callback arrives, collect this task with Wait for Task.`;
				return;
			}
			const recorded = await ctx.client.status(taskId, limits).then(
				(snapshot) => snapshot.callbackRecorded,
				() => undefined,
			);
			item.json.callbackConfirmed = recorded ?? null;
			if (recorded === true) return;
			if (recorded === undefined) {
				item.json.callbackNote = `Could not confirm that ${name} recorded the ${field}. If no callback arrives, collect this task with Wait for Task.`;
				return;
			}
			item.json.callbackNote = `${name} did not record the ${field} for this task, so no callback will come: collect it with Wait for Task (Task ID ${taskId}).`;
			if (reading) ctx.shapes.avoid(reading.point, shapeOf(reading, submitted.shapes[i]));
		}),
	);
}
