import { NodeApiError } from 'n8n-workflow';

import type { InputBinary } from '../../binary';
import { providerError } from '../../errors';
import { canonical, sha256, TaskLedger, taskLedger } from '../../ledger';
import type { LedgerEntry } from '../../ledger';
import { isUncertainSubmit, uncertainSubmitText } from '../../taskClient';
import type { CallLimits } from '../../taskClient';
import { recordTakeOver, recordTask } from '../../taskRecord';
import { bothRefused, isDefaultShape } from '../../readings';
import { priceBook, priceKey, SpendRefusal, spendError } from '../../spend';
import type { Admission, PlannedTask } from '../../spend';
import type { ImageRequest, Shapes, TaskSnapshot } from '../../types';
import type { OperationContext } from '../context';
import type { EditInputs } from './submit';

/**
 * Submitting an item's tasks without ever paying twice: each planned task is looked up in the
 * ledger first (nodes/shared/ledger.ts), and only what is not already paid for is sent.
 */

async function upload(
	ctx: OperationContext,
	binary: InputBinary,
	limits: CallLimits,
): Promise<string> {
	const capability = ctx.adapter.upload!;
	return await ctx.client.upload(
		async () =>
			capability.build({
				field: 'file',
				fileName: binary.fileName,
				mimeType: binary.mimeType,
				size: binary.size,
				content: await binary.open(),
			}),
		limits,
	);
}

/** What the user asked for, before uploads: the same on every try of the node. */
function requestHash(request: ImageRequest, inputs: EditInputs): string {
	const describe = (b: InputBinary) => ({ p: b.property, f: b.fileName, m: b.mimeType, s: b.size });
	return sha256(
		canonical({
			request,
			binaries: inputs.binaries.map(describe),
			mask: inputs.maskBinary ? describe(inputs.maskBinary) : undefined,
		}),
	);
}

/** A task the ledger holds for this plan slot and a retry may take over (not a failed one). */
function takeOver(entry: LedgerEntry | undefined): TaskSnapshot | undefined {
	if (!entry?.taskId || !entry.snapshot) return undefined;
	const { status } = entry.snapshot;
	return status === 'failed' || status === 'cancelled' ? undefined : entry.snapshot;
}

function uncertainError(ctx: OperationContext, itemIndex: number): NodeApiError {
	const provider = ctx.adapter.displayName;
	return providerError(ctx.fn.getNode(), {
		provider,
		itemIndex,
		error: {
			message: 'An earlier try of this node sent this task and got no answer',
			description: uncertainSubmitText(provider),
		},
	});
}

export interface Submission {
	ctx: OperationContext;
	itemIndex: number;
	request: ImageRequest;
	inputs: EditInputs;
	plan: number[];
	limits: CallLimits;
}

export interface Submitted {
	snapshots: TaskSnapshot[];
	/** The shapes each new task was accepted in (undefined for tasks taken over from a retry). */
	shapes: Array<Shapes | undefined>;
}

/**
 * Gets one task per plan slot: the one an earlier try of this node already paid for (n8n's Retry
 * On Fail), else a new submission. Binary inputs are uploaded only when something is submitted.
 * With spend control on, each task is admitted first and the tasks of an item go one by one, so a
 * price learned from the first answer holds for the next. If a submission fails, the error lists
 * the tasks this item does have.
 */
export async function submitAll(job: Submission): Promise<Submitted> {
	const { ctx, itemIndex, request, inputs, plan, limits } = job;
	const { adapter, clock, scope } = ctx;
	const hash = requestHash(request, inputs);
	const keys = plan.map((_, taskIndex) => TaskLedger.key(scope, itemIndex, taskIndex, hash));
	const known = keys.map((key) => taskLedger.get(key, clock.now()));
	if (known.some((entry) => entry?.uncertain)) throw uncertainError(ctx, itemIndex);
	const results: Array<TaskSnapshot | undefined> = known.map(takeOver);
	results.forEach((snapshot) => {
		if (snapshot) recordTakeOver(ctx.fn, adapter.displayName, itemIndex, snapshot.taskId);
	});
	const shapesUsed: Array<Shapes | undefined> = plan.map(() => undefined);
	const missing = plan.map((_, i) => i).filter((i) => results[i] === undefined);
	let uploads: Promise<ImageRequest> | undefined;
	const ready = async () => await (uploads ??= withUploads(ctx, request, inputs, limits));
	const kind = plannedTask(ctx, request, 0);

	const submitSlot = async (taskIndex: number): Promise<void> => {
		const admission = await admit(ctx, { ...kind, images: plan[taskIndex] }, itemIndex);
		// A slot whose task failed gets a new task (failed tasks are not billed); otherwise the
		// same key, which Apiframe replays: a retry in another process is not billed either.
		const previous = known[taskIndex];
		const attempt = previous?.taskId ? previous.attempt + 1 : 0;
		const entry = { scope, itemIndex, taskIndex, attempt, at: clock.now() };
		// A failed upload submits nothing: the admission goes back.
		let prepared: ImageRequest | undefined;
		try {
			prepared = await ready();
		} finally {
			if (!prepared) admission.release();
		}
		const send = async (shapes: Shapes) => {
			// The key also names a non-default shape: that body differs, and a 400 made nothing.
			const shapeNote = isDefaultShape(adapter, shapes) ? '' : `:${canonical(shapes)}`;
			const idempotencyKey = `n8n-gpt-image-${sha256(`${keys[taskIndex]}:${attempt}${shapeNote}`).slice(0, 48)}`;
			const call = adapter.buildSubmit(prepared, plan[taskIndex], idempotencyKey, shapes);
			return await ctx.client.submit(call, limits).then(
				(snapshot) => ({ snapshot, shapes }),
				(error: Error) => ({ error }),
			);
		};
		let outcome = await send(ctx.shapes.current());
		outcome = await otherReading(ctx, prepared, outcome, send);
		if ('error' in outcome) {
			// Sent, but the answer was lost: a retry must not send it again, and it may be billed.
			if (isUncertainSubmit(outcome.error)) {
				const uncertain = { ...entry, uncertain: outcome.error.message };
				taskLedger.record(keys[taskIndex], uncertain, clock.now());
				admission.settle(undefined);
			} else {
				admission.release();
			}
			throw outcome.error;
		}
		let { snapshot } = outcome;
		ctx.shapes.keep(outcome.shapes);
		shapesUsed[taskIndex] = outcome.shapes;
		const paid = { ...entry, taskId: snapshot.taskId, snapshot };
		taskLedger.record(keys[taskIndex], paid, clock.now());
		recordTask(ctx.fn, adapter.displayName, itemIndex, snapshot.taskId);
		snapshot = await withCost(ctx, snapshot, limits);
		const credits = adapter.cost?.creditsOf(snapshot);
		// Every answer with a cost teaches this process the price of its kind of task.
		if (credits !== undefined) priceBook.set(kind.key, credits / plan[taskIndex]);
		admission.settle(credits);
		results[taskIndex] = snapshot;
	};

	if (ctx.spend.active) {
		for (const taskIndex of missing) {
			try {
				await submitSlot(taskIndex);
			} catch (error) {
				throw withCreatedTasks(error as Error, results);
			}
		}
	} else if (missing.length > 0) {
		const settled = await Promise.allSettled(missing.map(submitSlot));
		const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
		if (failure) throw withCreatedTasks(failure.reason as Error, results);
	}
	return { snapshots: results as TaskSnapshot[], shapes: shapesUsed };
}

/** What spend control needs to know of an item's tasks before any of them is sent. */
export function plannedTask(
	ctx: OperationContext,
	request: ImageRequest,
	images: number,
): PlannedTask {
	return {
		key: priceKey(ctx.adapter, request),
		images,
		listPrice: ctx.adapter.cost?.listPrice?.(request),
	};
}

async function admit(
	ctx: OperationContext,
	task: PlannedTask,
	itemIndex: number,
): Promise<Admission> {
	const admitted = await ctx.spend.admit(task, itemIndex);
	if (admitted instanceof SpendRefusal) throw spendError(ctx.fn.getNode(), admitted, itemIndex);
	return admitted;
}

/**
 * Spend control needs each task's cost. Where the submit answer does not carry it (Apiframe's
 * 202), the task is read once.
 */
async function withCost(
	ctx: OperationContext,
	snapshot: TaskSnapshot,
	limits: CallLimits,
): Promise<TaskSnapshot> {
	const cost = ctx.adapter.cost;
	if (!ctx.spend.active || !cost || cost.creditsOf(snapshot) !== undefined) return snapshot;
	const read = await ctx.client.status(snapshot.taskId, limits).catch(() => undefined);
	return read?.cost ? { ...snapshot, cost: read.cost } : snapshot;
}

type Sent = { snapshot: TaskSnapshot; shapes: Shapes } | { error: Error };

/**
 * A submission refused with a 400 that names a field the provider's documents disagree about is
 * sent once more in the other documented shape (a 400 created nothing, so nothing is paid twice).
 */
async function otherReading(
	ctx: OperationContext,
	request: ImageRequest,
	first: Sent,
	send: (shapes: Shapes) => Promise<Sent>,
): Promise<Sent> {
	if (!('error' in first)) return first;
	const tried = ctx.shapes.current();
	const fallback = ctx.shapes.fallback(first.error, tried, request);
	if (!fallback) return first;
	if ('unfit' in fallback) {
		const error = first.error as NodeApiError;
		error.description = `${error.description ?? ''} ${fallback.unfit}`.trim();
		return first;
	}
	const second = await send(fallback.shapes);
	if ('error' in second) return { error: bothRefused(second.error, fallback.switched) as Error };
	return second;
}

/** The request with binary inputs uploaded and their hosted URLs added. */
async function withUploads(
	ctx: OperationContext,
	request: ImageRequest,
	inputs: EditInputs,
	limits: CallLimits,
): Promise<ImageRequest> {
	const uploaded = await Promise.all(
		inputs.binaries.map(async (binary) => await upload(ctx, binary, limits)),
	);
	const ready: ImageRequest = { ...request, imageUrls: [...request.imageUrls, ...uploaded] };
	if (inputs.maskBinary) ready.maskUrl = await upload(ctx, inputs.maskBinary, limits);
	return ready;
}

function withCreatedTasks(error: Error, results: Array<TaskSnapshot | undefined>): Error {
	const created = results.filter((r): r is TaskSnapshot => r !== undefined).map((s) => s.taskId);
	if (created.length > 0 && error instanceof NodeApiError) {
		const list = `Tasks created for this item before the failure: ${created.join(', ')}.`;
		error.description = `${error.description ?? ''} ${list}`.trim();
	}
	return error;
}
