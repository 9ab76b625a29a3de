import type { INodeExecutionData } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { OperationContext, PreparedItem } from './actions/context';
import { finishTasks, naming, taskItems } from './actions/image/results';
import type { InputBinary } from './binary';
import { providerError } from './errors';
import { canonical, sha256 } from './hash';
import { ledger, noteTask } from './ledger';
import type { Slot } from './ledger';
import { notSubmittedJson } from './output';
import { explainRefusal } from './guesses';
import { sendInReadings } from './readings';
import { callLimits, readSettings } from './settings';
import type { ItemSettings } from './settings';
import { kindOf, SpendControl } from './spend';
import type { Admission, Refusal } from './spend';
import { isUncertainSubmit, missingRouteOf, uncertainSubmitText } from './taskClient';
import type { CallLimits } from './taskClient';
import type { HttpCall, ImageRequest, Shapes, TaskSnapshot } from './types';

/**
 * The one door every paid submission takes. Read top to bottom, it is the life of a task:
 *   plan -> ledger -> admit -> upload -> send -> record -> poll -> download.
 * Each policy is called at one point, from here only: the ledger (a slot an earlier try paid for
 * is taken over; a call is recorded before it is sent, its task after), spend control (admit,
 * then settle with the price the answer reports), the readings of a disputed field (the call's
 * shape, the other shape after a 400) and the read-back of what the provider kept (readBack.ts:
 * the first submission of its readings goes alone and is read once). The router only loops.
 */

/** The input images of an Edit, read and checked before any request. */
export interface EditInputs {
	imageUrls: string[];
	binaries: InputBinary[];
	maskUrl?: string;
	maskBinary?: InputBinary;
}

/** One item's paid work as its operation read it: the request and its plan of tasks. */
export interface Job {
	itemIndex: number;
	request: ImageRequest;
	inputs: EditInputs;
	/** Images asked of each task. */
	plan: number[];
	completion: 'wait' | 'submit' | 'callback';
	settings: ItemSettings;
}

/** A task obtained: sent now (with its call and shapes), or taken over from an earlier try. */
type Sent = { snapshot: TaskSnapshot; shapes?: Shapes; call?: HttpCall };
type Outcome = Sent | { refused: Refusal };

/** Plan: images per task, natively up to the model's limit per task, else more tasks. */
export function planTasks(imageCount: number, maxPerTask: number): number[] {
	const plan: number[] = [];
	for (let left = imageCount; left > 0; left -= maxPerTask) plan.push(Math.min(left, maxPerTask));
	return plan;
}

/** Once every item is read: spend control over the execution's Book, and the balance read. */
export async function openSpend(ctx: OperationContext, prepared: Array<PreparedItem | undefined>) {
	const settings = readSettings(ctx.fn, 0);
	const planned = prepared.flatMap((item) => item?.planned ?? []);
	const state = ctx.book.spend;
	let balance: { credits: number; spentBefore: number } | undefined;
	if (settings.checkBalance && ctx.adapter.cost && planned.length > 0) {
		const read = await ctx.client
			.balance(callLimits(settings, 0, ctx.clock.now()))
			.catch((error: NodeApiError) => {
				const missing = missingRouteOf(error);
				const why = missing
					? `${ctx.adapter.displayName} has no ${missing.route} to read the balance from`
					: 'the balance could not be read';
				const next = `${missing ? '' : 'Run again, or s'}${missing ? 'S' : ''}witch Check Balance First off in Options to run without it`;
				if (missing) error.message = `Check Balance First: ${why}, so nothing was submitted`;
				error.description = `Check Balance First: ${why}, so nothing was submitted. ${error.description ?? ''} ${next}.`;
				return error;
			});
		if (read instanceof Error) throw read;
		balance = { credits: read.credits, spentBefore: state.spent };
		ctx.balanceBefore = read.credits;
	}
	const limits = { maxCredits: settings.maxCredits, maxImages: settings.maxImages, balance };
	const now = () => ctx.clock.now();
	ctx.spend = new SpendControl(state, limits, ctx.account, ctx.adapter.cost, now, planned);
	ctx.spend.checkBalance();
}

/** One item: its tasks obtained (taken over, or admitted and sent), then polled and downloaded. */
export async function runJob(
	ctx: OperationContext,
	job: Job,
	tasksOver: () => void = () => {},
): Promise<INodeExecutionData[]> {
	const limits = callLimits(job.settings, job.itemIndex, ctx.clock.now());
	let uploaded: Promise<ImageRequest> | undefined;
	const uploads = async () => await (uploaded ??= withUploads(ctx, job, limits));
	const settled = await Promise.allSettled(
		job.plan.map(async (_, taskIndex) => await obtain(ctx, job, taskIndex, uploads, limits)),
	);
	const done = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
	const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
	// An item whose other tasks went through names them in its error.
	const made = done.flatMap((o) => (o && 'snapshot' in o ? [o.snapshot] : []));
	if (failure) throw naming(failure.reason, made);
	const sent = done.flatMap((o, t) =>
		o && 'snapshot' in o ? [{ ...o, images: job.plan[t] }] : [],
	);
	const snapshots = sent.map((s) => s.snapshot);
	const asked = sent.map((s) => s.images);
	const meta = { model: job.request.model, prompt: job.request.prompt };
	let items: INodeExecutionData[] = [];
	if (sent.length > 0 && job.completion === 'wait') {
		items = await finishTasks(ctx, snapshots, meta, job.settings, limits, asked, tasksOver);
	} else if (sent.length > 0) {
		items = taskItems(ctx, snapshots, meta, job.itemIndex, asked);
	}
	// Read-back: what the provider showed it kept of each task (warnings, callbackConfirmed).
	ctx.readBack.annotate(items, job.completion === 'callback');
	for (const outcome of done) {
		if (!outcome || !('refused' in outcome)) continue;
		const json = notSubmittedJson(ctx.adapter, job.request, outcome.refused.text, items.length);
		items.push({ json });
	}
	if (ctx.balanceBefore !== undefined)
		for (const i of items) i.json.balanceBefore = ctx.balanceBefore;
	return items;
}

/** Ledger -> admit -> upload -> send -> record, for one task of the plan. */
async function obtain(
	ctx: OperationContext,
	job: Job,
	taskIndex: number,
	uploads: () => Promise<ImageRequest>,
	limits: CallLimits,
): Promise<Outcome> {
	const { adapter, fn, book } = ctx;
	const slot: Slot = { runIndex: ctx.scope.runIndex, itemIndex: job.itemIndex, taskIndex };
	// Ledger: what an earlier try of this slot paid for is taken over, never paid again.
	const held = book.get(slot);
	if (held?.uncertain) {
		const { displayName: provider } = adapter;
		const message = 'An earlier try of this node sent this task and got no answer';
		const error = { message, description: uncertainSubmitText(provider) };
		throw providerError(fn.getNode(), { provider, itemIndex: job.itemIndex, error });
	}
	const status = held?.snapshot?.status;
	if (held?.snapshot && status !== 'failed' && status !== 'cancelled') {
		noteTask(fn, adapter.displayName, slot, held.snapshot.taskId, true);
		return { snapshot: held.snapshot };
	}
	// Read-back: the first submission of its readings goes alone, the others wait for its read.
	const draft = () =>
		ctx.readBack.draft(job.request, job.inputs.binaries.length, job.plan[taskIndex]);
	const turn = held?.resend ? undefined : await ctx.readBack.turn(draft());
	// Admit: a call whose answer was lost is counted already; any other takes its turn.
	const kind = kindOf(adapter, job.request, job.plan[taskIndex]);
	const admission = held?.resend ? COUNTED : await ctx.spend.admit(kind);
	if ('limit' in admission) turn?.abandon();
	if ('limit' in admission) return { refused: admission };
	const attempt = held?.snapshot ? held.attempt + 1 : (held?.attempt ?? 0);
	const build = (request: ImageRequest) => (shapes: Shapes) => {
		const key = idempotencyKey(ctx, slot, attempt, request, shapes);
		const call = adapter.buildSubmit(request, job.plan[taskIndex], key, shapes);
		// Recorded before it is sent: a retry sends it again as is to a provider that deduplicates.
		if (adapter.idempotentSubmit) book.put(slot, { resend: call, attempt });
		return call;
	};
	const submit = async (call: HttpCall) => await ctx.client.submit(call, limits);
	// Upload, then send in the current reading (the other one after a 400 that names the field).
	const sent: (Sent & { call: HttpCall }) | { error: Error } = await uploads()
		.then(
			async (request) =>
				await sendInReadings(ctx.shapes, submit, request, held?.resend, build(request)),
		)
		.catch((error: Error) => ({ error }));
	if ('error' in sent) {
		turn?.abandon();
		settleFailure(ctx, slot, admission, sent.error);
		throw explainRefusal(adapter, job.request, sent.error);
	}
	// Record: the slot holds its task from now on; the log and custom data name it.
	ledger.track(book.put(slot, { snapshot: sent.snapshot, resend: undefined, attempt }));
	noteTask(fn, adapter.displayName, slot, sent.snapshot.taskId, false);
	if (sent.shapes) ctx.shapes.keep(sent.shapes);
	// A cost the answer does not carry (Apiframe's 202) is counted at the documented price.
	admission.settle(adapter.cost?.creditsOf(sent.snapshot));
	if (turn) await ctx.readBack.after(turn, sent, ctx.client, limits);
	return sent;
}

const COUNTED: Admission = { settle: () => undefined, release: () => undefined };

/**
 * A failed send: a task that may exist is counted at its estimate. Without deduplication it is
 * never sent again (uncertain); with it, the recorded call stays for a retry to resend, unless
 * a 4xx answer (other than 408 and 429) proved that nothing was made.
 */
function settleFailure(ctx: OperationContext, slot: Slot, admission: Admission, error: Error) {
	const code = Number(error instanceof NodeApiError ? error.httpCode : NaN);
	const refused = code >= 400 && code < 500 && code !== 408 && code !== 429;
	const uncertain = isUncertainSubmit(error);
	const mayExist = uncertain || (ctx.book.get(slot)?.resend !== undefined && !refused);
	if (uncertain) ctx.book.put(slot, { uncertain: error.message });
	if (!mayExist || uncertain) ctx.book.put(slot, { resend: undefined });
	if (mayExist) admission.settle(undefined);
	else admission.release();
}

/** The same instance, slot, try and body give the same key; another body or try a new one. */
function idempotencyKey(
	ctx: OperationContext,
	slot: Slot,
	attempt: number,
	request: ImageRequest,
	shapes: Shapes,
): string {
	const { instanceId, workflowId, executionId, nodeId } = ctx.scope;
	const { runIndex, itemIndex, taskIndex } = slot;
	const what = [instanceId, workflowId, executionId, nodeId, runIndex, itemIndex, taskIndex];
	return `n8n-gpt-image-${sha256(canonical([...what, attempt, request, shapes])).slice(0, 48)}`;
}

/** Upload: binary inputs go to the provider's file host once per item, only when sending. */
async function withUploads(ctx: OperationContext, job: Job, limits: CallLimits) {
	const { request, inputs } = job;
	const upload = async ({ fileName, mimeType, size, open }: InputBinary) => {
		const file = async () => ({ field: 'file', fileName, mimeType, size, content: await open() });
		return await ctx.client.upload(async () => ctx.adapter.upload!.build(await file()), limits);
	};
	const uploaded = await Promise.all(inputs.binaries.map(upload));
	const ready: ImageRequest = { ...request, imageUrls: [...request.imageUrls, ...uploaded] };
	if (inputs.maskBinary) ready.maskUrl = await upload(inputs.maskBinary);
	return ready;
}

/**
 * When the node fails, the tasks it paid for in this run keep going at the provider: the error
 * names each with its last known state (Retry On Fail takes them over, Wait for Task collects them).
 */
export function withRunTasks<E extends { description?: string | null }>(
	error: E,
	ctx: OperationContext,
): E {
	const tasks = ctx.book.tasks(ctx.scope.runIndex);
	if (tasks.length === 0) return error;
	const listed = tasks.map((t) =>
		t.snapshot
			? `item ${t.itemIndex}: ${t.snapshot.taskId} (${t.snapshot.status})`
			: `item ${t.itemIndex}: no task ID (the provider's answer was lost)`,
	);
	const note = `Tasks this node submitted in this run, which keep going at the provider: ${listed.join('; ')}. Retry On Fail takes them over; Wait for Task collects them.`;
	error.description = error.description ? `${error.description} ${note}` : note;
	return error;
}
