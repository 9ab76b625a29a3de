/**
 * The unified task API (docs/providers.md, "Unified task API"): EvoLink documents it, and
 * StarMagic is assumed to speak it too (docs/providers.md, "StarMagic"). Which provider,
 * which models and whether the files API exists come from the registry entry (see index.ts);
 * the documented per-model rules live in unifiedTaskRules.ts.
 */
import { jsonReply, streamReply } from './lib/http';
import type { Reply } from './lib/http';
import { imagePlan } from './lib/images';
import { plays, unless } from './lib/provider';
import type { Call, Ctx, Handler, Offer, WireFormatModule } from './lib/provider';
import { accountLeft, spentCredits } from './lib/wallet';
import type { TaskState } from './lib/taskTiming';
import { randomAlnum, serveFile, uploadBase64, uploadStream } from './unifiedTaskFiles';
import {
	errorReply,
	evoError,
	MODEL_RULES,
	TASK_ERROR_TEXT,
	validateGeneration,
} from './unifiedTaskRules';
import type { FakeTask, RequestRoute } from './types';

/** The documented example's reservation for one image (docs/providers.md, "Task object"). */
const CREDITS_PER_IMAGE = 2.5;
/** The documented /v1/credits example (docs/providers.md, "Key check"). */
const DEFAULT_BALANCE = 1095.3996;
const DEFAULT_KEY_CREDITS = 99416.4429;
const USED_BEFORE = { token: 583.5571, user: 135.9048 };

/** Credits the key may still use: the account's, capped by the key's own limit. */
function available(ctx: Ctx): number {
	const left = accountLeft(ctx, DEFAULT_BALANCE);
	const keyLimit =
		ctx.options.keyCredits === undefined ? DEFAULT_KEY_CREDITS : ctx.options.keyCredits;
	return keyLimit === null ? left : Math.min(left, keyLimit - spentCredits(ctx));
}

// ---------------------------------------------------------------- tasks

/** The task object (docs/providers.md, "Task object"). */
/** `usage` as the answers show it: the real reservation, or what `priceShown` makes of it. */
function shownUsage(task: FakeTask, ctx: Ctx): unknown {
	const shown = ctx.options.priceShown;
	if (!shown || !task.usage) return task.usage;
	const price = shown(task);
	return price === undefined ? undefined : { ...task.usage, credits_reserved: price };
}

/** Status words as a provider unlike the documents would say them (`wrongFacts`: statusWords). */
const OTHER_WORDS: Record<string, string> = {
	pending: 'queued',
	processing: 'running',
	completed: 'succeeded',
	failed: 'error',
};

function taskView(task: FakeTask, state: TaskState, ctx: Ctx): Record<string, unknown> {
	const view: Record<string, unknown> = {
		created: Math.floor(task.createdAt / 1000),
		id: task.id,
		model: plays(ctx, 'modelShown') ? 'another-model' : task.model,
		object: 'image.generation.task',
		progress: state.progress,
		status: plays(ctx, 'statusWords') ? OTHER_WORDS[state.phase] : state.phase,
		task_info: { can_cancel: true, estimated_time: task.estimatedTime },
		type: 'image',
		usage: shownUsage(task, ctx),
	};
	if (plays(ctx, 'createdField')) delete view.created;
	if (state.phase === 'completed') {
		view[plays(ctx, 'resultsField') ? 'result_urls' : 'results'] = [...task.images];
		view.task_info = { can_cancel: false };
	}
	if (state.phase === 'failed') {
		const code = task.failCode ?? 'unknown_error';
		view.error = {
			code,
			message: TASK_ERROR_TEXT[code] || `Task failed (${code}).`,
			type: 'task_error',
		};
		view.task_info = { can_cancel: false };
	}
	return view;
}

function createGeneration(models: readonly string[]): Handler {
	return (call, ctx) => {
		const rejection = validateGeneration(call, models, ctx);
		if (rejection) return rejection;
		const body = call.body as { model: string; prompt: string; n?: number };
		const count = body.n === undefined ? 1 : body.n;
		if (available(ctx) < CREDITS_PER_IMAGE * count) return errorReply(402, 'submit');
		const id = plays(ctx, 'taskId')
			? `tsk_${randomAlnum(16)}`
			: `task-unified-${Math.floor(ctx.now() / 1000)}-${randomAlnum(8)}`;
		const { estimatedTimeSeconds } = ctx.options;
		const task = ctx.createTask({
			id,
			model: body.model,
			body,
			prompt: body.prompt,
			imageCount: count,
			imageUrl: (index) => `${ctx.baseUrl}/results/${id}-${index}.png`,
			extra: {
				usage: {
					billing_rule: 'per_call',
					credits_reserved: CREDITS_PER_IMAGE * count,
					user_group: 'default',
				},
			},
		});
		task.estimatedTime =
			estimatedTimeSeconds !== undefined ? estimatedTimeSeconds : Math.ceil(task.durationMs / 1000);
		return jsonReply(200, taskView(task, { phase: 'pending', progress: 0 }, ctx));
	};
}

function getTask(call: Call, ctx: Ctx): Reply {
	const id = call.params[0];
	if (!id.startsWith(plays(ctx, 'taskId') ? 'tsk_' : 'task-unified-')) {
		return evoError(
			400,
			'invalid_task_id',
			`Invalid task ID format: ${id}`,
			'invalid_request_error',
			{ param: 'task_id' },
		);
	}
	const task = ctx.tasks.get(id);
	// Played wrong, an unknown task answers like an unknown path does.
	if (!task && plays(ctx, 'unknownTask')) return notFound(call);
	if (!task)
		return evoError(404, 'task_not_found', `Task not found: ${id}`, 'invalid_request_error', {
			param: 'task_id',
		});
	return jsonReply(200, taskView(task, ctx.phase(task, call), ctx));
}

/** Result images exist only once their task has completed (no guessing URLs early). */
function downloadResult(call: Call, ctx: Ctx): Reply {
	const match = /^(task-unified-.+)-(\d+)\.png$/.exec(call.params[0]);
	const task = match ? ctx.tasks.get(match[1]) : undefined;
	const index = match ? Number(match[2]) : 0;
	if (
		!task ||
		ctx.phase(task, call).phase !== 'completed' ||
		index < 1 ||
		index > task.images.length
	) {
		return evoError(404, 'not_found', 'File not found', 'invalid_request_error');
	}
	const { imageWidth: width = 64, imageHeight: height = 64, resultBytes } = ctx.options;
	return streamReply(
		200,
		imagePlan({ format: 'png', width, height, variant: index, targetBytes: resultBytes }),
	);
}

/**
 * docs/providers.md, "Callbacks": once the task is final, POST exactly what GET /v1/tasks/{id}
 * returns then. No signature or special header is documented, so only Content-Type is sent.
 */
function scheduleCallbacks(task: FakeTask, ctx: Ctx): void {
	const url: unknown = task.body.callback_url;
	if (typeof url !== 'string') return;
	ctx.whenFinished(task, () => {
		const view = taskView(task, ctx.phase(task), ctx);
		const body = JSON.stringify(view);
		const headers = {
			'Content-Type': 'application/json',
			'Content-Length': String(Buffer.byteLength(body)),
		};
		return ctx.deliverCallback({ taskId: task.id, event: String(view.status), url, body, headers });
	});
}

// ---------------------------------------------------------------- key check

/** docs/providers.md, "Credits": the documented example, less what this fake's tasks hold. */
function credits(_call: Call, ctx: Ctx): Reply {
	const spent = spentCredits(ctx);
	if (plays(ctx, 'balanceShape'))
		return jsonReply(200, { credits: round(accountLeft(ctx, DEFAULT_BALANCE)) });
	const keyLimit =
		ctx.options.keyCredits === undefined ? DEFAULT_KEY_CREDITS : ctx.options.keyCredits;
	return jsonReply(200, {
		success: true,
		message: '',
		data: {
			token: {
				remaining_credits: keyLimit === null ? 0 : round(keyLimit - spent),
				unlimited_credits: keyLimit === null,
				used_credits: round(USED_BEFORE.token + spent),
			},
			user: {
				remaining_credits: round(ctx.options.balanceShown ?? accountLeft(ctx, DEFAULT_BALANCE)),
				used_credits: round(USED_BEFORE.user + spent),
			},
		},
	});
}

const round = (n: number): number => Math.round(n * 10000) / 10000;

/** GET /v1/models: not in docs/providers.md; the body is invented (README, Assumptions). */
function listModels(models: readonly string[]): Handler {
	return () =>
		jsonReply(200, {
			object: 'list',
			data: models.map((id) => ({ id, object: 'model', owned_by: 'openai' })),
		});
}

// ---------------------------------------------------------------- assembly

function notFound(call: Call): Reply {
	return evoError(
		404,
		'not_found',
		`No route for ${call.method} ${call.path}`,
		'invalid_request_error',
	);
}

function checkAuth(call: Call, ctx: Ctx, route: RequestRoute | null): Reply | null {
	// Played wrong, the key goes in another header than the documented Bearer one.
	if (plays(ctx, 'auth'))
		return call.headers['x-api-key'] === ctx.options.apiKey ? null : errorReply(401, route);
	if (call.headers.authorization === `Bearer ${ctx.options.apiKey}`) return null;
	return errorReply(401, route);
}

/**
 * Without a files API the upload routes stay (so attempts are counted and faultable) but
 * answer 404, as for StarMagic, which documents no file host.
 */
export function createUnifiedTask({ key, models, filesApi }: Offer): WireFormatModule {
	const unknown = models.filter((model) => !(model in MODEL_RULES));
	if (unknown.length) {
		throw new Error(
			`fake ${key}: no documented unified-task rules for model(s) ${unknown.join(', ')}; add them to test/fakes/unifiedTaskRules.ts`,
		);
	}
	const files = (handler: Handler): Handler =>
		filesApi ? unless('upload', handler, notFound) : notFound;
	return {
		wireFormat: 'unified-task',
		defaultApiKey: 'sk-test-key',
		resultField: 'results',
		checkAuth,
		errorReply,
		notFound,
		scheduleCallbacks,
		routes: [
			{
				method: 'POST',
				pattern: /^\/v1\/images\/generations$/,
				route: 'submit',
				auth: true,
				handler: unless('submitRoute', createGeneration(models), notFound),
			},
			{
				method: 'GET',
				pattern: /^\/v1\/tasks\/([^/]+)$/,
				route: 'status',
				auth: true,
				handler: unless('statusRoute', getTask, notFound),
			},
			{
				method: 'GET',
				pattern: /^\/v1\/credits$/,
				route: 'keycheck',
				auth: true,
				handler: unless('balanceRoute', credits, notFound),
			},
			{
				method: 'GET',
				pattern: /^\/v1\/models$/,
				route: 'keycheck',
				auth: true,
				handler: listModels(models),
			},
			{
				method: 'POST',
				pattern: /^\/api\/v1\/files\/upload\/stream$/,
				route: 'upload',
				auth: filesApi,
				handler: files(uploadStream),
			},
			{
				method: 'POST',
				pattern: /^\/api\/v1\/files\/upload\/base64$/,
				route: 'upload',
				auth: filesApi,
				handler: files(uploadBase64),
			},
			{
				method: 'GET',
				pattern: /^\/results\/([^/]+)$/,
				route: 'download',
				auth: false,
				handler: downloadResult,
			},
			{
				method: 'GET',
				pattern: /^\/files\/([^/]+)\/[^/]+$/,
				route: 'download',
				auth: false,
				handler: files(serveFile),
			},
			{
				method: 'GET',
				pattern: /^\/api\/v1\/files\/download\/([^/]+)$/,
				route: 'download',
				auth: false,
				handler: files(serveFile),
			},
		],
	};
}
