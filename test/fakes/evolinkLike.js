'use strict';
/**
 * EvoLink wire format (providers.md §1), also used for StarMagic. StarMagic's docs are a
 * re-branded copy of EvoLink's; that its backend behaves identically (task ids, task route,
 * error envelope) is an inferred assumption (§2.3), so the differences are flags here.
 */
const crypto = require('crypto');
const { jsonReply, streamReply, bufferReply, isPlainObject } = require('./lib/http');
const { imagePlan } = require('./lib/images');
const { sniffMedia } = require('./lib/sniff');
const { parseUrl, isHttpUrl, isPrivateHost } = require('./lib/urls');

const FIXED_SIZES = ['1:1', '2:3', '3:2', '1024x1024', '1024x1536', '1536x1024'];
const RATIOS = ['1:1', '1:2', '2:1', '1:3', '3:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '9:21', '21:9'];
const QUALITIES = ['low', 'medium', 'high'];
const RESOLUTIONS = ['1K', '2K', '4K'];
const BACKGROUNDS = ['opaque', 'transparent'];
const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const CREDITS_PER_IMAGE = 2.5;
const MAX_UPLOAD_BYTES = 100 * 1024 * 1024; // EvoLink's MCP client states 100 MB
const FILE_LIFETIME_MS = 72 * 3600 * 1000;

// ---------------------------------------------------------------- request validation

function fixedSize(value) {
	return FIXED_SIZES.includes(value) ? null : `size must be one of ${FIXED_SIZES.join(', ')}`;
}

/** gpt-image-2: 'auto', a ratio, or explicit pixels within the documented bounds. */
function flexibleSize(value) {
	if (typeof value !== 'string') return 'size must be a string';
	if (value === 'auto' || RATIOS.includes(value)) return null;
	const match = /^(\d+)[x\u00d7](\d+)$/.exec(value);
	if (!match) return `size must be 'auto', one of ${RATIOS.join(' ')}, or WIDTHxHEIGHT`;
	const [width, height] = [Number(match[1]), Number(match[2])];
	if (width % 16 || height % 16) return 'size: width and height must be multiples of 16';
	if (Math.min(width, height) < 16 || Math.max(width, height) > 3840) return 'size: each edge must be between 16 and 3840 pixels';
	const pixels = width * height;
	if (pixels < 655360 || pixels > 8294400) return 'size: total pixels must be between 655360 and 8294400';
	if (Math.max(width, height) / Math.min(width, height) > 3) return 'size: the long edge may be at most 3 times the short edge';
	return null;
}

/** Documented per-model limits (providers.md §1.2). */
const MODEL_RULES = {
	'gpt-image-1.5': { promptMax: 2000, checkSize: fixedSize, maxImages: 1, editsWithMask: false },
	'gpt-image-1': { promptMax: 2000, checkSize: fixedSize, maxImages: 10, editsWithMask: false },
	'gpt-image-2': { promptMax: 32000, checkSize: flexibleSize, maxImages: 10, editsWithMask: true },
};

function checkPrompt(value, { rules }) {
	if (typeof value !== 'string' || !value.trim()) return 'prompt is required and must be a non-empty string';
	const length = [...value].length; // the docs count Unicode code points
	return length > rules.promptMax ? `prompt is ${length} characters; the limit for this model is ${rules.promptMax}` : null;
}

function checkN(value, { rules, model }) {
	if (rules.maxImages === 1) return value === 1 ? null : `n must be 1 for ${model} (only one image per request)`;
	return Number.isInteger(value) && value >= 1 && value <= rules.maxImages ? null : `n must be an integer between 1 and ${rules.maxImages}`;
}

function checkImageUrls(value) {
	if (!Array.isArray(value) || value.length < 1 || value.length > 16) return 'image_urls must be an array of 1 to 16 URLs';
	const bad = value.findIndex((url) => !isHttpUrl(url));
	return bad >= 0 ? `image_urls[${bad}] must be an http(s) URL` : null;
}

function onlyForMaskModels(check) {
	return (value, info) => (info.rules.editsWithMask ? check(value, info) : `this parameter is not supported for model ${info.model}`);
}

function checkCallbackUrl(value) {
	if (typeof value !== 'string') return 'callback_url must be a string';
	if (value.length > 2048) return 'callback_url must be at most 2048 characters';
	const url = parseUrl(value);
	if (!url || url.protocol !== 'https:') return 'callback_url must be an HTTPS URL';
	return isPrivateHost(url.hostname) ? 'callback_url must not point to a loopback or private network address' : null;
}

/** One check per accepted top-level field, in the order errors are reported. */
const FIELD_CHECKS = {
	model: () => null, // checked first, separately, because it selects the rules
	prompt: checkPrompt,
	size: (value, { rules }) => rules.checkSize(value),
	resolution: onlyForMaskModels((value) =>
		typeof value === 'string' && RESOLUTIONS.includes(value.toUpperCase()) ? null : `resolution must be one of ${RESOLUTIONS.join(', ')}`,
	),
	quality: (value) => (QUALITIES.includes(value) ? null : `quality must be one of ${QUALITIES.join(', ')}`),
	n: checkN,
	image_urls: checkImageUrls,
	mask_url: onlyForMaskModels((value, { body }) => {
		if (!isHttpUrl(value)) return 'mask_url must be an http(s) URL';
		return body.image_urls === undefined ? 'mask_url requires image_urls' : null;
	}),
	background: onlyForMaskModels((value) => (BACKGROUNDS.includes(value) ? null : `background must be one of ${BACKGROUNDS.join(', ')}`)),
	callback_url: checkCallbackUrl,
};

/** Returns null when the request is acceptable, else an error reply. */
function validateGeneration(call, models) {
	const body = call.body;
	if (call.jsonError || !isPlainObject(body)) return invalidRequest('request body must be a JSON object');
	const unknown = Object.keys(body).filter((key) => !(key in FIELD_CHECKS));
	if (unknown.length) return invalidRequest(`unknown parameter(s): ${unknown.join(', ')}`);
	if (typeof body.model !== 'string' || !body.model) return invalidRequest('model is required');
	if (!models.includes(body.model)) {
		return evoError(403, 'model_access_denied', `Token does not have access to model: ${body.model}`, 'invalid_request_error');
	}
	const info = { rules: MODEL_RULES[body.model], model: body.model, body };
	for (const [field, check] of Object.entries(FIELD_CHECKS)) {
		if (body[field] === undefined && field !== 'prompt') continue;
		const problem = check(body[field], info);
		if (problem) return invalidRequest(problem);
	}
	return null;
}

// ---------------------------------------------------------------- envelopes

function evoError(status, code, message, type, extra = {}) {
	return jsonReply(status, { error: { code, message, type, ...extra } });
}

function invalidRequest(message) {
	return evoError(400, 'invalid_request', message, 'invalid_request_error');
}

/** Default error per HTTP status (§1.7): [code, type, message]. */
const HTTP_ERRORS = {
	400: ['invalid_request', 'invalid_request_error', 'Invalid request'],
	401: ['unauthorized', 'authentication_error', 'Invalid or missing API key'],
	402: ['insufficient_quota', 'insufficient_quota', 'Insufficient credits'],
	403: ['permission_denied', 'invalid_request_error', 'Permission denied'],
	404: ['not_found', 'invalid_request_error', 'Not found'],
	429: ['rate_limit_exceeded', 'rate_limit_error', 'Rate limit exceeded, please retry later'],
	500: ['internal_error', 'api_error', 'Internal server error'],
	502: ['bad_gateway', 'api_error', 'Bad gateway'],
	503: ['service_unavailable', 'api_error', 'Service temporarily unavailable'],
};

/** The task route documents slightly different codes/types for a few statuses. */
const TASK_ROUTE_ERRORS = {
	402: ['quota_exceeded', 'insufficient_quota', 'Quota exceeded'],
	404: ['task_not_found', 'invalid_request_error', 'Task not found'],
	429: ['rate_limit_exceeded', 'evo_api_error', 'Rate limit exceeded, please retry later'],
};

function errorReply(status, route) {
	const fallback = status >= 500 ? HTTP_ERRORS[500] : HTTP_ERRORS[400];
	const [code, type, message] = (route === 'status' && TASK_ROUTE_ERRORS[status]) || HTTP_ERRORS[status] || fallback;
	if (route === 'upload') return jsonReply(status, { success: false, code: status, msg: message });
	// /v1/credits uses the same envelope with the HTTP status as an integer code (§1.7).
	return evoError(status, route === 'keycheck' ? status : code, message, type);
}

/** Human text for task error codes (§1.7 lists the codes, not the texts). */
const TASK_ERROR_TEXT = {
	content_policy_violation: 'Content policy violation. Your request was blocked by safety filters.',
	invalid_parameters: 'Invalid parameters for this model.',
	image_processing_error: 'An input image could not be processed.',
	image_dimension_mismatch: 'The mask does not have the same size as the input image.',
	request_cancelled: 'The request was cancelled.',
	generation_failed_no_content: 'The model returned no image.',
	service_error: 'The upstream service returned an error.',
	generation_timeout: 'Image generation timed out.',
	resource_exhausted: 'Upstream capacity is exhausted, please retry later.',
	quota_exceeded: 'Quota exceeded.',
	service_unavailable: 'The service is temporarily unavailable.',
	resource_not_found: 'A referenced resource was not found.',
	unknown_error: 'An unknown error occurred.',
};

// ---------------------------------------------------------------- tasks

function randomAlnum(length) {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
	return Array.from(crypto.randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

function taskView(task, state) {
	const view = {
		created: Math.floor(task.createdAt / 1000),
		id: task.id,
		model: task.model,
		object: 'image.generation.task',
		progress: state.progress,
		status: state.phase,
		task_info: { can_cancel: true, estimated_time: task.estimatedTime },
		type: 'image',
		usage: task.usage,
	};
	if (state.phase === 'completed') {
		view.results = [...task.images];
		view.task_info = { can_cancel: false };
	}
	if (state.phase === 'failed') {
		const text = TASK_ERROR_TEXT[task.failCode] || `Task failed (${task.failCode}).`;
		view.error = { code: task.failCode, message: text, type: 'task_error' };
		view.task_info = { can_cancel: false };
	}
	return view;
}

function createGeneration(models) {
	return (call, ctx) => {
		const rejection = validateGeneration(call, models);
		if (rejection) return rejection;
		const body = call.body;
		const count = body.n === undefined ? 1 : body.n;
		const id = `task-unified-${Math.floor(ctx.now() / 1000)}-${randomAlnum(8)}`;
		const task = ctx.createTask({
			id,
			model: body.model,
			body,
			prompt: body.prompt,
			imageCount: count,
			imageUrl: (index) => `${ctx.baseUrl}/results/${id}-${index}.png`,
			extra: { usage: { billing_rule: 'per_call', credits_reserved: CREDITS_PER_IMAGE * count, user_group: 'default' } },
		});
		const { estimatedTimeSeconds } = ctx.options;
		task.estimatedTime = estimatedTimeSeconds !== undefined ? estimatedTimeSeconds : Math.ceil(task.durationMs / 1000);
		return jsonReply(200, taskView(task, { phase: 'pending', progress: 0 }));
	};
}

function getTask(call, ctx) {
	const id = call.params[0];
	if (!id.startsWith('task-unified-')) {
		return evoError(400, 'invalid_task_id', `Invalid task ID format: ${id}`, 'invalid_request_error', { param: 'task_id' });
	}
	const task = ctx.tasks.get(id);
	if (!task) return evoError(404, 'task_not_found', `Task not found: ${id}`, 'invalid_request_error', { param: 'task_id' });
	return jsonReply(200, taskView(task, ctx.phase(task, call)));
}

/** Result images exist only once their task has completed (no guessing URLs early). */
function downloadResult(call, ctx) {
	const match = /^(task-unified-.+)-(\d+)\.png$/.exec(call.params[0]);
	const task = match && ctx.tasks.get(match[1]);
	const index = match ? Number(match[2]) : 0;
	if (!task || ctx.phase(task, call).phase !== 'completed' || index < 1 || index > task.images.length) {
		return evoError(404, 'not_found', 'File not found', 'invalid_request_error');
	}
	const { imageWidth: width = 64, imageHeight: height = 64, resultBytes } = ctx.options;
	return streamReply(200, imagePlan({ format: 'png', width, height, variant: index, targetBytes: resultBytes }));
}

/**
 * §1.6: once the task is final, POST exactly what GET /v1/tasks/{id} returns then. No
 * signature or special header is documented, so only Content-Type is sent.
 */
function scheduleCallbacks(task, ctx) {
	const url = task.body.callback_url;
	if (typeof url !== 'string') return;
	ctx.whenFinished(task, () => {
		const view = taskView(task, ctx.phase(task));
		const body = JSON.stringify(view);
		const headers = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
		return ctx.deliverCallback({ taskId: task.id, event: view.status, url, body, headers });
	});
}

// ---------------------------------------------------------------- key check

function credits() {
	return jsonReply(200, {
		success: true,
		message: '',
		data: {
			token: { remaining_credits: 99416.4429, unlimited_credits: false, used_credits: 583.5571 },
			user: { remaining_credits: 1095.3996, used_credits: 135.9048 },
		},
	});
}

/** GET /v1/models: the docs give only `{"data":[{"id":...` (§1.8); the rest is invented. */
function listModels(models) {
	return () => jsonReply(200, { object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'openai' })) });
}

// ---------------------------------------------------------------- files API (EvoLink only)

function fileError(ctx, code, msg) {
	const status = ctx.options.fileErrorStatus !== undefined ? ctx.options.fileErrorStatus : 400;
	return jsonReply(status, { success: false, code, msg });
}

function baseMime(type) {
	return type ? type.split(';')[0].trim().toLowerCase() : '';
}

/**
 * Checks and stores an uploaded image. The declared type must be an allowed image type (or
 * a generic one) and the bytes must sniff as an allowed image: both are checked because a
 * client that labels a text file image/png must still be refused.
 */
function storeUpload(ctx, { data, declaredType, originalName, fileName, uploadPath }) {
	if (data.length > MAX_UPLOAD_BYTES) return fileError(ctx, 40001, 'File too large');
	const declared = baseMime(declaredType);
	const generic = !declared || declared === 'application/octet-stream';
	const sniffed = sniffMedia(data);
	if ((!generic && !UPLOAD_TYPES.includes(declared)) || !sniffed || !UPLOAD_TYPES.includes(sniffed.mime)) {
		return fileError(ctx, 40002, 'File type not allowed');
	}
	const fileId = `file_${randomAlnum(16)}`;
	const name = fileName || originalName || `${fileId}.${sniffed.ext}`;
	ctx.store.files.set(fileId, { data: Buffer.from(data), contentType: sniffed.mime, fileName: name });
	const now = ctx.now();
	return jsonReply(200, {
		success: true,
		code: 200,
		msg: 'File uploaded successfully',
		data: {
			file_id: fileId,
			file_name: name,
			original_name: originalName || name,
			file_size: data.length,
			mime_type: sniffed.mime,
			upload_path: uploadPath || '',
			file_url: `${ctx.baseUrl}/files/${fileId}/${encodeURIComponent(name)}`,
			download_url: `${ctx.baseUrl}/api/v1/files/download/${fileId}`,
			upload_time: new Date(now).toISOString(),
			expires_at: new Date(now + FILE_LIFETIME_MS).toISOString(),
		},
	});
}

function uploadStream(call, ctx) {
	if (!call.parts) return fileError(ctx, 40000, 'Expected a multipart/form-data body');
	const file = call.parts.files.find((part) => part.field === 'file');
	if (!file) return fileError(ctx, 40000, 'file is required');
	const fields = call.parts.fields;
	return storeUpload(ctx, {
		data: file.data,
		declaredType: file.contentType,
		originalName: file.fileName,
		fileName: fields.file_name || fields.fileName,
		uploadPath: fields.upload_path || fields.uploadPath,
	});
}

function uploadBase64(call, ctx) {
	const body = isPlainObject(call.body) ? call.body : {};
	if (typeof body.base64_data !== 'string' || !body.base64_data) return fileError(ctx, 40000, 'base64_data is required');
	const dataUrl = /^data:([^;,]+)?(?:;[^,]*)?,(.*)$/s.exec(body.base64_data);
	const payload = (dataUrl ? dataUrl[2] : body.base64_data).replace(/\s+/g, '');
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) return fileError(ctx, 40000, 'base64_data is not valid base64');
	return storeUpload(ctx, {
		data: Buffer.from(payload, 'base64'),
		declaredType: dataUrl ? dataUrl[1] : undefined,
		fileName: body.file_name,
		uploadPath: body.upload_path,
	});
}

function serveFile(call, ctx) {
	const file = ctx.store.files.get(call.params[0]);
	if (!file) return evoError(404, 'not_found', 'File not found', 'invalid_request_error');
	return bufferReply(200, file.contentType, file.data);
}

// ---------------------------------------------------------------- provider assembly

function notFound(call) {
	return evoError(404, 'not_found', `No route for ${call.method} ${call.path}`, 'invalid_request_error');
}

function checkAuth(call, ctx, route) {
	if (call.headers.authorization === `Bearer ${ctx.options.apiKey}`) return null;
	return errorReply(401, route);
}

/**
 * @param {{ kind: string, models: string[], filesApi: boolean }} flavour
 *   filesApi=false keeps the upload routes (so attempts are counted and faultable) but
 *   answers them 404, as no StarMagic file API is documented.
 */
function createEvolinkLike({ kind, models, filesApi }) {
	const upload = (handler) => (filesApi ? handler : notFound);
	return {
		kind,
		defaultApiKey: 'sk-test-key',
		resultField: 'results',
		createStore: () => ({ files: new Map() }),
		checkAuth,
		errorReply,
		notFound,
		scheduleCallbacks,
		routes: [
			{ method: 'POST', pattern: /^\/v1\/images\/generations$/, route: 'submit', auth: true, handler: createGeneration(models) },
			{ method: 'GET', pattern: /^\/v1\/tasks\/([^/]+)$/, route: 'status', auth: true, handler: getTask },
			{ method: 'GET', pattern: /^\/v1\/credits$/, route: 'keycheck', auth: true, handler: credits },
			{ method: 'GET', pattern: /^\/v1\/models$/, route: 'keycheck', auth: true, handler: listModels(models) },
			{ method: 'POST', pattern: /^\/api\/v1\/files\/upload\/stream$/, route: 'upload', auth: filesApi, handler: upload(uploadStream) },
			{ method: 'POST', pattern: /^\/api\/v1\/files\/upload\/base64$/, route: 'upload', auth: filesApi, handler: upload(uploadBase64) },
			{ method: 'GET', pattern: /^\/results\/([^/]+)$/, route: 'download', auth: false, handler: downloadResult },
			{ method: 'GET', pattern: /^\/files\/([^/]+)\/[^/]+$/, route: 'download', auth: false, handler: upload(serveFile) },
			{ method: 'GET', pattern: /^\/api\/v1\/files\/download\/([^/]+)$/, route: 'download', auth: false, handler: upload(serveFile) },
		],
	};
}

const evolink = () => createEvolinkLike({ kind: 'evolink', models: ['gpt-image-1.5', 'gpt-image-1', 'gpt-image-2'], filesApi: true });
const starmagic = () => createEvolinkLike({ kind: 'starmagic', models: ['gpt-image-1.5', 'gpt-image-2'], filesApi: false });

module.exports = { evolink, starmagic };
