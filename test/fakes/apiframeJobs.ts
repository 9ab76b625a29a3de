/**
 * Apiframe v2 jobs as clients read them (docs/providers.md, "Job object"): one job, and the
 * newest-first job list.
 */
import { apiError, validationFailed } from './apiframeRules';
import type { ValidationDetails } from './apiframeRules';
import { jsonReply } from './lib/http';
import type { Reply } from './lib/http';
import { plays } from './lib/provider';
import type { Call, Ctx } from './lib/provider';
import type { TaskPhase, TaskState } from './lib/taskTiming';
import type { FakeTask } from './types';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JOB_STATUSES = ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'];
export const STATUS_BY_PHASE: Record<TaskPhase, string> = {
	pending: 'QUEUED',
	processing: 'PROCESSING',
	completed: 'COMPLETED',
	failed: 'FAILED',
};

function failureText(code: string | null): string {
	return `Provider returned an error: ${String(code).replace(/_/g, ' ')}`;
}

function resultValue(task: FakeTask, ctx: Ctx): string | { images: string[] } {
	const asString = ctx.options.apiframeResultShape === 'string' && task.images.length === 1;
	return asString ? task.images[0] : { images: [...task.images] };
}

export interface JobView {
	id: string;
	status: string;
	model: string;
	progress: number;
	result: string | { images: string[] } | null;
	error: string | null;
	/** Left out when `priceShown` says so (a hostile provider). */
	creditCost?: unknown;
	webhookStatus: FakeTask['webhookStatus'] | 'none';
	createdAt: string;
	completedAt: string | null;
	/** Only with `apiframeJobShowsInput` (optional in the schema). */
	input?: Record<string, unknown>;
}

/** The job's `creditCost` as shown: 0 once failed (refunded), else the price or `priceShown`'s. */
function shownCost(task: FakeTask, state: TaskState, ctx: Ctx): unknown {
	if (state.phase === 'failed') return 0;
	const shown = ctx.options.priceShown;
	return shown ? shown(task) : (task.creditCost ?? 0);
}

/**
 * The job object. `input` (optional in the schema) is shown only with `apiframeJobShowsInput`:
 * the effective body the job was created from; it never holds the API key or any header.
 */
export function jobView(task: FakeTask, state: TaskState, ctx: Ctx): JobView {
	const finished = state.phase === 'completed' || state.phase === 'failed';
	const doneAt = task.doneAt === null ? Infinity : task.doneAt;
	// `[fail:cancelled]` in the prompt: a job cancelled at the provider (refunded like a failed one).
	const cancelled = state.phase === 'failed' && task.failCode === 'cancelled';
	const status = cancelled ? 'CANCELLED' : STATUS_BY_PHASE[state.phase];
	const view: JobView = {
		id: task.id,
		status: plays(ctx, 'statusWords') ? status.toLowerCase() : status,
		model: task.model,
		progress: state.progress,
		result: state.phase === 'completed' ? resultValue(task, ctx) : null,
		error: state.phase === 'failed' && !cancelled ? failureText(task.failCode) : null,
		creditCost: shownCost(task, state, ctx),
		// null = no webhook planned; played wrong, a word even without one.
		webhookStatus:
			task.webhookStatus === undefined || task.webhookStatus === null
				? plays(ctx, 'webhookStatus')
					? 'none'
					: null
				: task.webhookStatus,
		createdAt: new Date(task.createdAt).toISOString(),
		completedAt: finished ? new Date(Math.min(doneAt, ctx.now())).toISOString() : null,
	};
	if (view.creditCost === undefined) delete view.creditCost;
	if (ctx.options.apiframeJobShowsInput === true)
		view.input = JSON.parse(JSON.stringify(task.body)) as Record<string, unknown>;
	return view;
}

function readListQuery(query: Record<string, string>): {
	details: ValidationDetails;
	limit: number;
} {
	const details: ValidationDetails = {};
	const limit = query.limit === undefined ? 20 : Number(query.limit);
	if (!Number.isInteger(limit) || limit < 1 || limit > 100)
		details.limit = ['Number must be an integer between 1 and 100'];
	if (query.status !== undefined && !JOB_STATUSES.includes(query.status))
		details.status = [
			`Invalid enum value. Expected ${JOB_STATUSES.map((s) => `'${s}'`).join(' | ')}`,
		];
	if (query.search !== undefined && !UUID.test(query.search)) details.search = ['Invalid uuid'];
	return { details, limit };
}

/** GET /v2/jobs: newest first; the cursor is the id of the last job of the previous page. */
export function listJobs(call: Call, ctx: Ctx): Reply {
	const { query } = call;
	const { details, limit } = readListQuery(query);
	if (Object.keys(details).length) return validationFailed(details);
	let tasks = [...ctx.tasks.values()].sort((a, b) => b.seq - a.seq);
	if (query.cursor !== undefined) {
		const anchor = ctx.tasks.get(query.cursor);
		if (!anchor) return apiError(400, 'Invalid cursor');
		tasks = tasks.filter((task) => task.seq < anchor.seq);
	}
	// A 'drift' fault reshapes the first job of the page only, so only that one is shown finished.
	const jobs = tasks
		.map((task, index) => jobView(task, ctx.phase(task, index === 0 ? call : undefined), ctx))
		.filter((job) => query.status === undefined || job.status === query.status)
		.filter((job) => query.model === undefined || job.model === query.model)
		.filter((job) => query.search === undefined || job.id === query.search.toLowerCase());
	const page = jobs.slice(0, limit);
	const hasMore = jobs.length > limit;
	return jsonReply(200, {
		jobs: page,
		nextCursor: hasMore ? page[page.length - 1].id : null,
		hasMore,
	});
}
