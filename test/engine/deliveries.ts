/**
 * Callback deliveries for trigger tests: a task the fake has really finished, and the exact body
 * (and, for Apiframe, the signature) its provider would post for it, or any body a caller makes up.
 */
import { signApiframeBody } from '../fakes';
import { runImage, SECRET } from './setup';
import type { Fakes, NodeName } from './setup';

export interface Delivery {
	taskId: string;
	rawBody: string;
	headers: Record<string, string>;
}

/** A callback body in the provider's wire format, signed where the provider signs. */
export function deliveryFor(
	fakes: Fakes,
	node: NodeName,
	fields: { taskId: string; status?: string; images?: string[]; progress?: number },
): Delivery {
	const { taskId, images = [], progress = 100 } = fields;
	const apiframe = fakes[node].wireFormat === 'apiframe-v2';
	const status = fields.status ?? (apiframe ? 'COMPLETED' : 'completed');
	const body = apiframe
		? {
				event: status === 'COMPLETED' ? 'completed' : 'progress',
				jobId: taskId,
				status,
				progress,
				result: status === 'COMPLETED' ? { images } : null,
				model: 'gpt-image-1.5',
			}
		: {
				id: taskId,
				status,
				progress,
				model: 'gpt-image-1.5',
				...(status === 'completed' ? { results: images } : {}),
			};
	const rawBody = JSON.stringify(body);
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (apiframe) headers['x-webhook-signature'] = signApiframeBody(rawBody, SECRET[node]);
	return { taskId, rawBody, headers };
}

/** Submits a task (callbacks off), waits until the fake has finished it, and builds its delivery. */
export async function finishedDelivery(
	fakes: Fakes,
	node: NodeName,
	prompt = 'a delivery',
): Promise<Delivery> {
	const fake = fakes[node];
	fake.options.callbacksEnabled = false;
	try {
		const submitted = await runImage(fakes, node, {
			operation: 'generate',
			prompt,
			completion: 'submit',
		});
		const taskId = String(submitted.output()[0].json.taskId);
		const waited = await runImage(fakes, node, {
			operation: 'waitForTask',
			taskId,
			options: { output: 'url', pollIntervalSeconds: 1 },
		});
		if (waited.status !== 'success') throw new Error(`task ${taskId} did not finish`);
		return deliveryFor(fakes, node, { taskId, images: fake.tasks.get(taskId)!.images });
	} finally {
		fake.options.callbacksEnabled = true;
	}
}

/** Submits a task that has not finished yet (callbacks off). */
export async function runningTask(fakes: Fakes, node: NodeName): Promise<string> {
	const fake = fakes[node];
	fake.options.callbacksEnabled = false;
	try {
		const submitted = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'slow [slow:600000]',
			completion: 'submit',
		});
		return String(submitted.output()[0].json.taskId);
	} finally {
		fake.options.callbacksEnabled = true;
	}
}
