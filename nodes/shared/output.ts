import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { usablePrice } from './spend';
import type { ProviderAdapter, TaskSnapshot } from './types';

/**
 * The one output shape of every node of the package (README, "Output"): Generate, Edit, Wait for
 * Task and the trigger give one item per image with these fields, in this order. Provider fields
 * are kept as sent, under `providerData`, so the top level stays camelCase and the same everywhere.
 */
export interface ImageFields {
	/** The prompt of the request, or of the input item (Wait for Task), when known. */
	prompt?: string;
	/** The image's URL; null for an item that stands for a task without images yet. */
	imageUrl: string | null;
	/** Position of the image among the images of its input item (or delivery), from 0. */
	index: number;
	/** How many images the task returned or was asked for: spreads its cost over them. */
	imagesInTask: number;
}

/**
 * Credits the provider reserved for a task (StarMagic/EvoLink `usage.credits_reserved`, Apiframe's
 * job `creditCost`, refunded if the job fails), per image; null where it gave no usable figure.
 * Not what the account was finally charged: the provider's balance says that.
 */
export function creditsPerImage(adapter: ProviderAdapter, snapshot: TaskSnapshot, images: number) {
	const perImage = usablePrice(adapter.cost?.creditsOf(snapshot), images);
	return perImage === undefined ? null : Math.round(perImage * 10000) / 10000;
}

export function imageJson(
	adapter: ProviderAdapter,
	snapshot: TaskSnapshot,
	fields: ImageFields,
	model?: string,
): IDataObject {
	const json: IDataObject = {
		provider: adapter.displayName,
		model: snapshot.model ?? model ?? null,
		taskId: snapshot.taskId,
		status: snapshot.status,
	};
	if (fields.prompt !== undefined) json.prompt = fields.prompt;
	json.imageUrl = fields.imageUrl;
	json.index = fields.index;
	json.creditsReserved = creditsPerImage(adapter, snapshot, fields.imagesInTask);
	json.providerData = { ...(snapshot.cost ?? {}) };
	return json;
}

/** An item that stands for a task a limit kept from being sent: nothing was billed for it. */
export function notSubmittedJson(
	adapter: ProviderAdapter,
	request: { model: string; prompt: string },
	reason: string,
	index: number,
): IDataObject {
	const json = imageJson(
		adapter,
		{ taskId: '', status: 'queued', imageUrls: [] },
		{ prompt: request.prompt, imageUrl: null, index, imagesInTask: 1 },
		request.model,
	);
	return { ...json, taskId: null, status: 'notSubmitted', notSubmitted: reason };
}

/**
 * What the output pane says above the items (n8n 2.x execution hints; older n8n shows the items
 * alone): that a limit left tasks out, with what an image cost; and, for URLs only, how long they
 * live.
 */
export function outputHints(fn: IExecuteFunctions, items: INodeExecutionData[]): void {
	if (typeof fn.addExecutionHints !== 'function') return;
	const left = items.filter((item) => item.json.status === 'notSubmitted');
	if (left.length > 0) {
		const reason = String(left[0].json.notSubmitted).split(':')[0];
		const priced = items.find((item) => typeof item.json.creditsReserved === 'number')?.json;
		const cost = priced
			? ` ${String(priced.provider)} reserved ${priced.creditsReserved} credits per ${priced.model} image.`
			: '';
		fn.addExecutionHints({
			message: `${reason}: ${left.length} task(s) were not submitted; their items have status notSubmitted and say why.${cost}`,
			type: 'warning',
			location: 'outputPane',
		});
	}
	if (items.some((item) => typeof item.json.imageUrl === 'string' && !item.binary)) {
		fn.addExecutionHints({
			message:
				'The imageUrl links expire about 24 hours after their task ended: keep the images with Output Images As: Binary Files, or download them before then.',
			type: 'info',
			location: 'outputPane',
		});
	}
}
