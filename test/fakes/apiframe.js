'use strict';
/** Apiframe v2 wire format (providers.md §3). */
const crypto = require('crypto');
const { jsonReply, streamReply, bufferReply, isPlainObject, canonicalJson } = require('./lib/http');
const { imagePlan } = require('./lib/images');
const { sniffMedia } = require('./lib/sniff');
const { isUri } = require('./lib/urls');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JOB_STATUSES = ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const STATUS_BY_PHASE = { pending: 'QUEUED', processing: 'PROCESSING', completed: 'COMPLETED', failed: 'FAILED' };
const CREDITS_PER_IMAGE = { low: 4, medium: 9, high: 24, auto: 24 }; // newer docs' gpt-image-1.5 prices
const WEBHOOK_EVENTS = ['progress', 'completed', 'failed'];
const DEFAULT_WEBHOOK_EVENTS = ['completed', 'failed']; // when a job names none
const UPLOAD_LIMITS = { image: 25, audio: 25, video: 50 }; // MB
const UPLOAD_LIFETIME_MS = 3600 * 1000;
const MB = 1024 * 1024;

// ---------------------------------------------------------------- validation (Zod-like)

const quote = (values) => values.map((v) => `'${v}'`).join(' | ');

function oneOf(values) {
	return (value) => (values.includes(value) ? null : `Invalid enum value. Expected ${quote(values)}, received '${value}'`);
}

function integerBetween(min, max) {
	return (value) => {
		if (typeof value !== 'number') return `Expected number, received ${typeof value}`;
		if (!Number.isInteger(value)) return 'Expected integer, received float';
		if (value < min) return `Number must be greater than or equal to ${min}`;
		return value > max ? `Number must be less than or equal to ${max}` : null;
	};
}

function uriListOrNull(value) {
	if (value === null) return null;
	if (!Array.isArray(value)) return `Expected array, received ${typeof value}`;
	const bad = value.findIndex((item) => !isUri(item));
	return bad >= 0 ? `Invalid url at index ${bad}` : null;
}

const COMMON_PARAMS = {
	aspect_ratio: oneOf(['1:1', '3:2', '2:3']),
	quality: oneOf(['low', 'medium', 'high', 'auto']),
	number_of_images: integerBetween(1, 10),
	input_images: uriListOrNull,
	output_format: oneOf(['png', 'jpeg', 'webp']),
};

/** The request body is a union keyed by `model`; each model has its own params object. */
const MODELS = {
	'gpt-image-1.5': {
		paramsKey: 'gptImageParams',
		params: { ...COMMON_PARAMS, background: oneOf(['auto', 'transparent', 'opaque']), input_fidelity: oneOf(['low', 'high']) },
	},
	'gpt-image-2': {
		paramsKey: 'gptImage2Params',
		params: { ...COMMON_PARAMS, background: oneOf(['auto', 'opaque']), moderation: oneOf(['auto', 'low']) },
	},
};

function checkPrompt(value) {
	if (value === undefined) return 'Required';
	if (typeof value !== 'string') return `Expected string, received ${typeof value}`;
	if (value.length < 1) return 'String must contain at least 1 character(s)';
	return value.length > 2000 ? 'String must contain at most 2000 character(s)' : null;
}

function checkWebhookEvents(value) {
	if (!Array.isArray(value)) return `Expected array, received ${typeof value}`;
	if (!value.length) return 'Array must contain at least 1 element(s)';
	const bad = value.find((event) => !WEBHOOK_EVENTS.includes(event));
	return bad !== undefined ? `Invalid enum value. Expected ${quote(WEBHOOK_EVENTS)}, received '${bad}'` : null;
}

/** Checks `object` against `checks`, rejecting unknown keys (additionalProperties: false). */
function checkStrictObject(object, checks, pathPrefix, report) {
	for (const key of Object.keys(object)) {
		if (!(key in checks)) report(pathPrefix + key, 'Unrecognized key');
	}
	for (const [key, check] of Object.entries(checks)) {
		if (object[key] === undefined) continue;
		const problem = check(object[key]);
		if (problem) report(pathPrefix + key, problem);
	}
}

/** Returns `{ "<json.path>": [messages] }`, empty when the body is valid. */
function validateGenerate(body) {
	const details = {};
	const report = (path, message) => (details[path] = details[path] || []).push(message);
	if (!isPlainObject(body)) {
		report('body', 'Expected object');
		return details;
	}
	const spec = MODELS[body.model];
	if (!spec) {
		report('model', body.model === undefined ? 'Required' : `Invalid discriminator value. Expected ${quote(Object.keys(MODELS))}`);
		return details;
	}
	const paramsCheck = (value) => (isPlainObject(value) ? null : 'Expected object');
	const problem = checkPrompt(body.prompt);
	if (problem) report('prompt', problem);
	checkStrictObject(body, { model: () => null, prompt: () => null, webhookUrl: (v) => (isUri(v) ? null : 'Invalid url'), webhookEvents: checkWebhookEvents, [spec.paramsKey]: paramsCheck }, '', report);
	if (isPlainObject(body[spec.paramsKey])) checkStrictObject(body[spec.paramsKey], spec.params, `${spec.paramsKey}.`, report);
	return details;
}

// ---------------------------------------------------------------- envelopes

function apiError(status, message, extra = {}) {
	return jsonReply(status, { error: message, ...extra });
}

function validationFailed(details) {
	return apiError(400, 'Validation failed', { details });
}

const DEFAULT_MESSAGES = { 400: 'Bad request', 401: 'Invalid API key', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict', 429: 'Too many requests' };

function errorReply(status) {
	if (status === 402) return apiError(402, 'Insufficient credits', { creditsRequired: 24, creditsAvailable: 3 });
	if (status >= 500) return apiError(status, 'Internal server error');
	return apiError(status, DEFAULT_MESSAGES[status] || 'Request failed');
}

// ---------------------------------------------------------------- jobs

function failureText(code) {
	return `Provider returned an error: ${String(code).replace(/_/g, ' ')}`;
}

function resultValue(task, options) {
	const asString = options.apiframeResultShape === 'string' && task.images.length === 1;
	return asString ? task.images[0] : { images: [...task.images] };
}

function jobView(task, state, ctx) {
	const finished = state.phase === 'completed' || state.phase === 'failed';
	const doneAt = task.doneAt === null ? Infinity : task.doneAt;
	return {
		id: task.id,
		status: STATUS_BY_PHASE[state.phase],
		model: task.model,
		progress: state.progress,
		result: state.phase === 'completed' ? resultValue(task, ctx.options) : null,
		error: state.phase === 'failed' ? failureText(task.failCode) : null,
		creditCost: state.phase === 'failed' ? 0 : task.creditCost, // failed jobs are refunded
		webhookStatus: task.webhookStatus === undefined ? null : task.webhookStatus, // null = no webhook planned
		createdAt: new Date(task.createdAt).toISOString(),
		completedAt: finished ? new Date(Math.min(doneAt, ctx.now())).toISOString() : null,
	};
}

function createJob(body, idempotencyKey, ctx) {
	const spec = MODELS[body.model];
	const params = body[spec.paramsKey] || {};
	const count = params.number_of_images || 1;
	const format = params.output_format || 'webp';
	const id = crypto.randomUUID();
	return ctx.createTask({
		id,
		model: body.model,
		body,
		prompt: body.prompt,
		imageCount: count,
		imageUrl: (index) => `${ctx.baseUrl}/cdn/${id}-${index}.${format}`,
		extra: { creditCost: CREDITS_PER_IMAGE[params.quality || 'auto'] * count, outputFormat: format, idempotencyKey },
	});
}

/**
 * POST /v2/images/generate. With an Idempotency-Key, an identical body (compared as
 * canonical JSON) replays the original job unbilled; a different body is a 409.
 */
function generate(call, ctx) {
	const key = call.headers['idempotency-key'];
	if (key !== undefined && key.length > 255) {
		return validationFailed({ 'Idempotency-Key': ['String must contain at most 255 character(s)'] });
	}
	if (call.jsonError) return apiError(400, 'Invalid JSON body');
	const fingerprint = canonicalJson(call.body);
	const previous = key !== undefined ? ctx.store.idempotency.get(key) : undefined;
	if (previous && previous.fingerprint !== fingerprint) {
		return apiError(409, 'Idempotency key reused with a different request body');
	}
	if (previous) {
		ctx.countReplay();
		const task = ctx.tasks.get(previous.jobId);
		return jsonReply(202, { jobId: task.id, status: STATUS_BY_PHASE[ctx.phase(task, call).phase] });
	}
	const details = validateGenerate(call.body);
	if (Object.keys(details).length) return validationFailed(details);
	const task = createJob(call.body, key === undefined ? null : key, ctx);
	if (key !== undefined) ctx.store.idempotency.set(key, { fingerprint, jobId: task.id });
	return jsonReply(202, { jobId: task.id, status: 'QUEUED' });
}

function getJob(call, ctx) {
	const id = call.params[0];
	if (!UUID.test(id)) return apiError(400, 'Invalid job id');
	const task = ctx.tasks.get(id);
	if (!task) return apiError(404, 'Job not found');
	return jsonReply(200, jobView(task, ctx.phase(task, call), ctx));
}

function readListQuery(query) {
	const details = {};
	const limit = query.limit === undefined ? 20 : Number(query.limit);
	if (!Number.isInteger(limit) || limit < 1 || limit > 100) details.limit = ['Number must be an integer between 1 and 100'];
	if (query.status !== undefined && !JOB_STATUSES.includes(query.status)) details.status = [`Invalid enum value. Expected ${quote(JOB_STATUSES)}`];
	if (query.search !== undefined && !UUID.test(query.search)) details.search = ['Invalid uuid'];
	return { details, limit };
}

/** GET /v2/jobs: newest first; the cursor is the id of the last job of the previous page. */
function listJobs(call, ctx) {
	const { query } = call;
	const { details, limit } = readListQuery(query);
	if (Object.keys(details).length) return validationFailed(details);
	let tasks = [...ctx.tasks.values()].sort((a, b) => b.seq - a.seq);
	if (query.cursor !== undefined) {
		const anchor = ctx.tasks.get(query.cursor);
		if (!anchor) return apiError(400, 'Invalid cursor');
		tasks = tasks.filter((task) => task.seq < anchor.seq);
	}
	const jobs = tasks
		.map((task) => jobView(task, ctx.phase(task, call), ctx))
		.filter((job) => query.status === undefined || job.status === query.status)
		.filter((job) => query.model === undefined || job.model === query.model)
		.filter((job) => query.search === undefined || job.id === query.search.toLowerCase());
	const page = jobs.slice(0, limit);
	const hasMore = jobs.length > limit;
	return jsonReply(200, { jobs: page, nextCursor: hasMore ? page[page.length - 1].id : null, hasMore });
}

function me() {
	return jsonReply(200, {
		user: { id: '0b0c8a5e-1a2b-4c3d-8e9f-000000000001', email: 'owner@example.test', role: 'OWNER' },
		team: { id: '0b0c8a5e-1a2b-4c3d-8e9f-000000000002', name: 'Fake Team', credits: 1000, plan: 'pro', customerId: null },
		apiKey: { id: '0b0c8a5e-1a2b-4c3d-8e9f-000000000003', name: 'test key', prefix: 'afk_' },
	});
}

// ---------------------------------------------------------------- webhooks (§3.9)

/**
 * `sha256=<hex>`: HMAC-SHA256 over the raw body bytes. The key is the raw 32-byte SHA-256
 * digest of the API key, not its hex text: that is what the official SDK's verifier uses.
 */
function signApiframeBody(rawBody, apiKey) {
	const secret = crypto.createHash('sha256').update(apiKey).digest();
	return `sha256=${crypto.createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** The documented event envelopes, built from the same job view GET /v2/jobs/{id} shows. */
function webhookPayload(event, task, ctx) {
	const job = jobView(task, ctx.phase(task), ctx);
	if (event === 'progress') return { event, jobId: job.id, status: 'PROCESSING', progress: 50, model: job.model };
	if (event === 'failed') return { event, jobId: job.id, status: job.status, error: job.error, model: job.model };
	return { event, jobId: job.id, status: job.status, progress: 100, result: job.result, model: job.model, creditCost: job.creditCost, completedAt: job.completedAt };
}

function sendWebhook(event, task, ctx) {
	const body = JSON.stringify(webhookPayload(event, task, ctx));
	const { callbackSignatureKey, apiKey } = ctx.options;
	const headers = {
		'Content-Type': 'application/json',
		'Content-Length': String(Buffer.byteLength(body)),
		'X-Webhook-Event': event,
		'X-Webhook-Signature': signApiframeBody(body, callbackSignatureKey !== undefined ? callbackSignatureKey : apiKey),
	};
	task.webhookSeq += 1;
	const seq = task.webhookSeq;
	task.webhookStatus = 'pending';
	return ctx.deliverCallback({ taskId: task.id, event, url: task.body.webhookUrl, body, headers }).then((delivered) => {
		// A slow progress delivery must not overwrite the outcome of the final event; a
		// cancelled one (null, reset/close) decides nothing.
		if (delivered !== null && task.webhookSeq === seq) task.webhookStatus = delivered ? 'delivered' : 'failed';
	});
}

/**
 * Plans a job's webhooks: the final event (completed or failed) when it is due, and one
 * progress event at half time. Without `webhookEvents` only the final events are sent.
 */
function scheduleCallbacks(task, ctx) {
	if (typeof task.body.webhookUrl !== 'string') return;
	const events = Array.isArray(task.body.webhookEvents) ? task.body.webhookEvents : DEFAULT_WEBHOOK_EVENTS;
	const finalEvent = task.outcome === 'failed' ? 'failed' : 'completed';
	const wantsProgress = events.includes('progress');
	const wantsFinal = events.includes(finalEvent) && task.outcome !== 'never';
	if (!wantsProgress && !wantsFinal) return;
	task.webhookSeq = 0;
	task.webhookStatus = 'pending';
	if (wantsProgress) {
		ctx.atTaskTime(task, task.durationMs / 2, () => {
			const { phase } = ctx.phase(task);
			// A zero-length task is already final at half time: no PROCESSING event after the fact.
			return phase === 'completed' || phase === 'failed' ? undefined : sendWebhook('progress', task, ctx);
		});
	}
	if (wantsFinal) ctx.whenFinished(task, () => sendWebhook(finalEvent, task, ctx));
}

// ---------------------------------------------------------------- uploads and CDN

/** POST /v2/uploads: the type comes from magic bytes only; the declared type is ignored. */
function upload(call, ctx) {
	const file = call.parts && call.parts.files.find((part) => part.field === 'file');
	if (!file) return validationFailed({ file: ['File is required'] });
	const media = sniffMedia(file.data);
	if (!media) return validationFailed({ file: ['Unsupported file type'] });
	const limitMb = UPLOAD_LIMITS[media.kind];
	if (file.data.length > limitMb * MB) return validationFailed({ file: [`File too large: ${media.kind} uploads are limited to ${limitMb} MB`] });
	const id = crypto.randomUUID();
	ctx.store.files.set(`uploads/${id}.${media.ext}`, { data: Buffer.from(file.data), contentType: media.mime });
	return jsonReply(201, {
		id,
		url: `${ctx.baseUrl}/cdn/uploads/${id}.${media.ext}`,
		kind: media.kind,
		contentType: media.mime,
		byteSize: file.data.length,
		expiresAt: new Date(ctx.now() + UPLOAD_LIFETIME_MS).toISOString(),
	});
}

/** GET /cdn/...: uploaded files, or job results once the job has completed. */
function cdn(call, ctx) {
	const name = call.params[0];
	const uploaded = ctx.store.files.get(name);
	if (uploaded) return bufferReply(200, uploaded.contentType, uploaded.data);
	const match = /^([0-9a-f-]{36})-(\d+)\.(png|jpeg|webp)$/.exec(name);
	const task = match && ctx.tasks.get(match[1]);
	const index = match ? Number(match[2]) : 0;
	if (!task || task.outputFormat !== match[3] || ctx.phase(task, call).phase !== 'completed' || index < 1 || index > task.images.length) {
		return apiError(404, 'Not found');
	}
	const { imageWidth: width = 64, imageHeight: height = 64, resultBytes } = ctx.options;
	return streamReply(200, imagePlan({ format: task.outputFormat, width, height, variant: index, targetBytes: resultBytes }));
}

// ---------------------------------------------------------------- provider assembly

function checkAuth(call, ctx) {
	const key = call.headers['x-api-key'];
	if (!key) return apiError(401, 'API key is required');
	return key === ctx.options.apiKey ? null : apiError(401, 'Invalid API key');
}

function apiframe() {
	return {
		kind: 'apiframe',
		defaultApiKey: 'afk_test_key',
		resultField: 'result',
		createStore: () => ({ files: new Map(), idempotency: new Map() }),
		checkAuth,
		errorReply,
		notFound: () => apiError(404, 'Not found'),
		scheduleCallbacks,
		extraHeaders: () => ({ 'x-request-id': crypto.randomUUID() }), // the SDK reads it (§3.1)
		routes: [
			{ method: 'POST', pattern: /^\/v2\/images\/generate$/, route: 'submit', auth: true, handler: generate },
			{ method: 'GET', pattern: /^\/v2\/jobs$/, route: 'list', auth: true, handler: listJobs },
			{ method: 'GET', pattern: /^\/v2\/jobs\/([^/]+)$/, route: 'status', auth: true, handler: getJob },
			{ method: 'GET', pattern: /^\/v2\/me$/, route: 'keycheck', auth: true, handler: me },
			{ method: 'POST', pattern: /^\/v2\/uploads$/, route: 'upload', auth: true, handler: upload },
			{ method: 'GET', pattern: /^\/cdn\/(.+)$/, route: 'download', auth: false, handler: cdn },
		],
	};
}

module.exports = { apiframe, signApiframeBody };
