import type { INodeExecutionData } from 'n8n-workflow';

import { providerError } from '../../errors';
import { imageJson } from '../../output';
import type { ItemSettings } from '../../settings';
import type { CallLimits } from '../../taskClient';
import type { TaskSnapshot } from '../../types';
import { cappedImageUrls } from '../../resultUrls';
import type { OperationContext } from '../context';

export interface ResultMeta {
	model?: string;
	prompt?: string;
}

/** One item per submitted task, when the node does not wait for the images. */
export function taskItems(
	ctx: OperationContext,
	snapshots: TaskSnapshot[],
	meta: ResultMeta,
	itemIndex: number,
	/** Images asked of each task, in the order of `snapshots`. */
	asked: number[] = [],
): INodeExecutionData[] {
	return snapshots.map((snapshot, index) => ({
		json: imageJson(
			ctx.adapter,
			snapshot,
			{ prompt: meta.prompt, imageUrl: null, index, imagesInTask: asked[index] ?? 1 },
			meta.model,
		),
		pairedItem: { item: itemIndex },
	}));
}

function failureError(
	ctx: OperationContext,
	failed: TaskSnapshot,
	all: TaskSnapshot[],
	itemIndex: number,
) {
	const code = failed.error?.code;
	const message = failed.error?.message ?? `the task ended as ${failed.status}`;
	const others = all.filter((s) => s.taskId !== failed.taskId).map((s) => s.taskId);
	const description = [
		code ? `Code: ${code}.` : '',
		`${ctx.adapter.failureAdvice({ code, message })}.`,
		others.length > 0
			? `Other tasks of this item: ${others.join(', ')} (fetch them with Wait for Task).`
			: '',
	]
		.filter(Boolean)
		.join(' ');
	return providerError(ctx.fn.getNode(), {
		provider: ctx.adapter.displayName,
		error: { message: `Task ${failed.taskId} failed: ${message}`, code, description },
		itemIndex,
	});
}

/**
 * An error after the item's tasks were accepted names them, so paid work is never lost from
 * sight (a status read that failed, a download that could not be done).
 */
export function naming<E>(error: E, tasks: TaskSnapshot[]): E {
	const target = error as { message?: string; description?: string | null };
	const text = `${target.message ?? ''} ${target.description ?? ''}`;
	const missing = tasks.map((t) => t.taskId).filter((id) => !text.includes(id));
	if (missing.length === 0 || typeof target !== 'object' || target === null) return error;
	const note = `Task ID${missing.length > 1 ? 's' : ''} of this item: ${missing.join(', ')} (Wait for Task collects ${missing.length > 1 ? 'them' : 'it'}).`;
	target.description = target.description ? `${target.description} ${note}` : note;
	return error;
}

/** Waits for every task of an item, then returns one output item per image. */
export async function finishTasks(
	ctx: OperationContext,
	submitted: TaskSnapshot[],
	meta: ResultMeta,
	settings: ItemSettings,
	limits: CallLimits,
	/** Images asked of each task, in the order of `submitted` (default: at most 10). */
	asked: number[] = [],
	/** Called once no task of the item runs at the provider any more (before the downloads). */
	tasksOver: () => void = () => {},
): Promise<INodeExecutionData[]> {
	const waits = await Promise.allSettled(
		submitted.map(
			async (snapshot) =>
				await ctx.poller.wait(snapshot, {
					limits,
					maxWaitMs: settings.maxWaitMs,
					fixedIntervalMs: settings.fixedPollIntervalMs,
				}),
		),
	);
	tasksOver();
	const rejected = waits.find((w): w is PromiseRejectedResult => w.status === 'rejected');
	if (rejected) throw naming(rejected.reason, submitted);
	const finished = waits.map((w) => (w as PromiseFulfilledResult<TaskSnapshot>).value);
	const failed = finished.find((s) => s.status !== 'completed');
	if (failed) throw failureError(ctx, failed, finished, limits.itemIndex);

	// A provider cannot make the node fetch more images than were asked for.
	const images = finished.flatMap((snapshot, t) => {
		const urls = cappedImageUrls(snapshot.imageUrls, asked[t]);
		return urls.map((url, n) => ({ snapshot, url, n, count: urls.length }));
	});
	if (images.length === 0) {
		// Never a silent empty output: a finished item without images is an error of that item.
		const empty = providerError(ctx.fn.getNode(), {
			provider: ctx.adapter.displayName,
			error: {
				message: `Task ${finished[0].taskId} completed without any image`,
				description: 'Run the item again; if it keeps happening, report it with the task ID',
			},
			itemIndex: limits.itemIndex,
		});
		throw naming(empty, finished);
	}
	const downloads = Promise.all(
		images.map(async ({ snapshot, url, n, count }, index) => {
			const json = imageJson(
				ctx.adapter,
				snapshot,
				{ prompt: meta.prompt, imageUrl: url, index, imagesInTask: count },
				meta.model,
			);
			if (settings.output === 'url') return { json, pairedItem: { item: limits.itemIndex } };
			const bounds = { maxBytes: settings.maxDownloadBytes, timeoutMs: settings.downloadTimeoutMs };
			const slot = await ctx.downloads.acquire(1);
			const { binary } = await ctx.client
				.download(url, `${snapshot.taskId}-${n + 1}`, bounds, limits)
				.finally(() => ctx.downloads.release(slot));
			json.fileName = binary.fileName;
			json.mimeType = binary.mimeType;
			return {
				json,
				binary: { [settings.binaryPropertyName]: binary },
				pairedItem: { item: limits.itemIndex },
			};
		}),
	);
	return await downloads.catch((error: unknown) => {
		throw naming(error, finished);
	});
}
