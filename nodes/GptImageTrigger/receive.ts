import type {
	IDataObject,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { createHash } from 'crypto';

import { currentClock } from '../shared/clock';
import { fieldMessage } from '../shared/errors';
import { imageJson } from '../shared/output';
import type { ProviderDefinition } from '../shared/provider';
import { TaskClient } from '../shared/taskClient';
import { FINISHED_STATUSES } from '../shared/types';
import type { TaskSnapshot } from '../shared/types';
import { checkFieldName } from '../shared/validation';
import { rememberDelivery, wasDelivered } from './callbacks';
import { handleOnce, startedRuns } from './memory';
import { notStarted, reply, verifyCallback } from './verify';
import type { Verified } from './verify';

/**
 * The providers wait about 10 s for the answer (then retry): confirming and downloading get 8 s
 * in all, so a slow download is answered "deliver again" in time instead of being cut off.
 */
export const ANSWER_BUDGET_MS = 8000;

/**
 * The run's items: one per image, in the shape of the provider nodes' output (nodes/shared/
 * output.ts), plus what only a delivery has. A task without images (failed, or a progress event)
 * is one item with imageUrl null.
 */
function deliveryItems(
	provider: ProviderDefinition,
	snapshot: TaskSnapshot,
	event: unknown,
	deliveryKey: string,
): INodeExecutionData[] {
	const urls: Array<string | null> = snapshot.imageUrls.length > 0 ? snapshot.imageUrls : [null];
	return urls.map((imageUrl, index) => {
		const json = imageJson(provider.adapter, snapshot, {
			imageUrl,
			index,
			imagesInTask: Math.max(snapshot.imageUrls.length, 1),
		});
		if (snapshot.progress !== undefined) json.progress = snapshot.progress;
		if (snapshot.error) {
			json.error = { code: snapshot.error.code ?? null, message: snapshot.error.message };
		}
		if (typeof event === 'string') json.event = event;
		json.deliveryKey = deliveryKey;
		return { json };
	});
}

/** Downloads a completed task's images at once, each into its own item's binary field. */
async function attachImages(
	fn: IWebhookFunctions,
	verified: Verified,
	items: INodeExecutionData[],
	property: string,
	deadline: number,
) {
	const { provider, snapshot, apiBaseUrl } = verified;
	const clock = currentClock();
	const client = new TaskClient(
		fn,
		provider.adapter,
		{ api: apiBaseUrl, files: apiBaseUrl },
		clock,
	);
	const budget = Math.max(1000, deadline - clock.now());
	const limits = { itemIndex: 0, timeoutMs: budget, deadline };
	const bounds = { maxBytes: 64 * 1048576, timeoutMs: budget };
	const images = await Promise.all(
		snapshot.imageUrls.map(
			async (url, n) => await client.download(url, `${snapshot.taskId}-${n + 1}`, bounds, limits),
		),
	);
	images.forEach(({ binary }, n) => {
		items[n].binary = { [property]: binary };
		items[n].json.fileName = binary.fileName;
		items[n].json.mimeType = binary.mimeType;
	});
}

/** One delivered task state, the same for every retry of that delivery: a key a later node can dedupe on. */
function deliveryKeyOf(
	provider: ProviderDefinition,
	snapshot: TaskSnapshot,
	finished: boolean,
): string {
	const progress = finished ? '' : String(snapshot.progress ?? '');
	const text = `${provider.key}:${snapshot.taskId}:${snapshot.status}:${progress}`;
	return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * One provider callback: verify it, take the task state it may be believed for, drop repeats,
 * and start one workflow run with one item for the task.
 */
export async function receiveCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const clock = currentClock();
	const deadline = clock.now() + ANSWER_BUDGET_MS;
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const property = String(options.binaryPropertyName || 'data').trim() || 'data';
	const badField = checkFieldName(property, 'Put Output Images in Field');
	if (badField) {
		this.logger?.warn(
			`GPT Image Callback Trigger "${this.getNode().name}": ${fieldMessage(badField)}`,
		);
		return reply(this, 500, { error: 'The trigger is not set up right; its owner can see why' });
	}
	const body = this.getBodyData();
	const trigger = `${this.getWorkflow().id}:${this.getNode().id}`;
	const keyOf = (provider: ProviderDefinition, snapshot: TaskSnapshot) =>
		`${trigger}:${deliveryKeyOf(provider, snapshot, FINISHED_STATUSES.includes(snapshot.status))}`;
	// A delivery this process already turned into a run is answered before anything is read.
	const known = (provider: ProviderDefinition, claimed: TaskSnapshot) =>
		startedRuns.get(keyOf(provider, claimed), clock.now()) !== undefined;
	const verified = await verifyCallback(this, body, this.getHeaderData() as IDataObject, known);
	if (!('provider' in verified)) return verified;
	const { provider, snapshot } = verified;

	const finished = FINISHED_STATUSES.includes(snapshot.status);
	if (!finished && !options.includeProgress) return notStarted(this);
	if (snapshot.status !== 'completed' && finished && options.includeFailed === false) {
		return notStarted(this);
	}
	const deliveryKey = deliveryKeyOf(provider, snapshot, finished);
	const items = deliveryItems(provider, snapshot, (body as IDataObject).event, deliveryKey);
	let failed = false;
	// A delivery counts as seen only once its run's item is built: if a download fails, the
	// provider's retry tries again instead of being answered "duplicate".
	const outcome = await handleOnce(
		keyOf(provider, snapshot),
		() => clock.now(),
		async () => {
			const store = this.getWorkflowStaticData('node');
			if (wasDelivered(store, deliveryKey)) return false;
			if (options.output === 'binary' && snapshot.status === 'completed') {
				try {
					await attachImages(this, verified, items, property, deadline);
				} catch (error) {
					const why = (error as Error).message;
					this.logger?.warn(
						`GPT Image Callback Trigger: images of ${snapshot.taskId} not taken (${why})`,
					);
					failed = true;
					return false;
				}
			}
			rememberDelivery(store, deliveryKey, clock.now());
			return true;
		},
	);
	if (outcome === 'started') return { workflowData: [items] };
	if (failed) return reply(this, 503, { error: 'Could not take the images now; deliver again' });
	return notStarted(this, { duplicate: true });
}
