/**
 * Request validation and error envelopes of the unified task API (docs/providers.md, "Unified
 * task API"). The per-model rules are written out here from the documentation, keyed by model
 * id, and not read from the node's adapter: the fake must stay an independent check of the node.
 */
import { isPlainObject, jsonReply } from './lib/http';
import type { Reply } from './lib/http';
import { SAMPLE_PATH, samplePng } from './lib/dispatch';
import type { Call, Ctx } from './lib/provider';
import { isHttpUrl, isPrivateHost, parseUrl } from './lib/urls';
import { unifiedReadingOf } from './readings';
import type { RequestRoute, UnifiedReading } from './types';

const FIXED_SIZES = ['1:1', '2:3', '3:2', '1024x1024', '1024x1536', '1536x1024'];
const RATIOS = [
	'1:1',
	'1:2',
	'2:1',
	'1:3',
	'3:1',
	'2:3',
	'3:2',
	'3:4',
	'4:3',
	'4:5',
	'5:4',
	'9:16',
	'16:9',
	'9:21',
	'21:9',
];
const QUALITIES = ['low', 'medium', 'high'];
const RESOLUTIONS = ['1K', '2K', '4K'];
const BACKGROUNDS = ['opaque', 'transparent'];

interface ModelRules {
	promptMax: number;
	/** The pages' text calls the limit "tokens" (the schema: characters). See UnifiedReading. */
	promptTextSaysTokens: boolean;
	checkSize(value: unknown): string | null;
	maxImages: number;
	/** resolution, mask_url and background are accepted. */
	editsWithMask: boolean;
}

interface CheckInfo {
	rules: ModelRules;
	model: string;
	body: Record<string, unknown>;
	reading: UnifiedReading;
	/** Bytes behind an image URL when this fake hosts it, else null (unknown). */
	knownSize(url: string): number | null;
}

type FieldCheck = (value: unknown, info: CheckInfo) => string | null;

function fixedSize(value: unknown): string | null {
	return typeof value === 'string' && FIXED_SIZES.includes(value)
		? null
		: `size must be one of ${FIXED_SIZES.join(', ')}`;
}

/** gpt-image-2: 'auto', a ratio, or explicit pixels within the documented bounds. */
function flexibleSize(value: unknown): string | null {
	if (typeof value !== 'string') return 'size must be a string';
	if (value === 'auto' || RATIOS.includes(value)) return null;
	const match = /^(\d+)[x\u00d7](\d+)$/.exec(value);
	if (!match) return `size must be 'auto', one of ${RATIOS.join(' ')}, or WIDTHxHEIGHT`;
	const [width, height] = [Number(match[1]), Number(match[2])];
	if (width % 16 || height % 16) return 'size: width and height must be multiples of 16';
	if (Math.min(width, height) < 16 || Math.max(width, height) > 3840)
		return 'size: each edge must be between 16 and 3840 pixels';
	const pixels = width * height;
	if (pixels < 655360 || pixels > 8294400)
		return 'size: total pixels must be between 655360 and 8294400';
	if (Math.max(width, height) / Math.min(width, height) > 3)
		return 'size: the long edge may be at most 3 times the short edge';
	return null;
}

/** Documented per-model limits (docs/providers.md, "Create task"). */
export const MODEL_RULES: Record<string, ModelRules> = {
	'gpt-image-1.5': {
		promptMax: 2000,
		promptTextSaysTokens: true,
		checkSize: fixedSize,
		maxImages: 1,
		editsWithMask: false,
	},
	'gpt-image-1': {
		promptMax: 2000,
		promptTextSaysTokens: true,
		checkSize: fixedSize,
		maxImages: 10,
		editsWithMask: false,
	},
	'gpt-image-2': {
		promptMax: 32000, // documented as code points, in both text and schema
		promptTextSaysTokens: false,
		checkSize: flexibleSize,
		maxImages: 10,
		editsWithMask: true,
	},
};

/**
 * Tokens of a prompt, estimated as ceil(UTF-8 bytes / 4). An approximation for tests only: no
 * real tokenizer, but enough to tell a tokens reading (about 4 ASCII characters per token) from
 * a characters reading.
 */
export function estimateTokens(text: string): number {
	return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

function checkPrompt(value: unknown, { rules, reading }: CheckInfo): string | null {
	if (typeof value !== 'string' || !value.trim())
		return 'prompt is required and must be a non-empty string';
	if (rules.promptTextSaysTokens && reading.promptLimit === 'tokens') {
		const tokens = estimateTokens(value);
		return tokens > rules.promptMax
			? `prompt is about ${tokens} tokens; the limit for this model is ${rules.promptMax} tokens`
			: null;
	}
	const length = [...value].length; // the schema's maxLength counts Unicode code points
	return length > rules.promptMax
		? `prompt is ${length} characters; the limit for this model is ${rules.promptMax}`
		: null;
}

function checkN(value: unknown, { rules, model }: CheckInfo): string | null {
	if (rules.maxImages === 1)
		return value === 1 ? null : `n must be 1 for ${model} (only one image per request)`;
	return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= rules.maxImages
		? null
		: `n must be an integer between 1 and ${rules.maxImages}`;
}

const MB = 1024 * 1024;

/** Shape first; then the size of each image this fake hosts, per the reading's limit. */
function checkImageUrls(value: unknown, { reading, knownSize }: CheckInfo): string | null {
	if (!Array.isArray(value) || value.length < 1 || value.length > 16)
		return 'image_urls must be an array of 1 to 16 URLs';
	const bad = value.findIndex((url) => !isHttpUrl(url));
	if (bad >= 0) return `image_urls[${bad}] must be an http(s) URL`;
	const limit = reading.inputImageMaxMb;
	for (const [index, url] of (value as string[]).entries()) {
		const size = knownSize(url);
		if (size !== null && size > limit * MB)
			return `image_urls[${index}] is ${(size / MB).toFixed(1)} MB; each image may be at most ${limit} MB`;
	}
	return null;
}

function onlyForMaskModels(check: FieldCheck): FieldCheck {
	return (value, info) =>
		info.rules.editsWithMask
			? check(value, info)
			: `this parameter is not supported for model ${info.model}`;
}

function checkCallbackUrl(value: unknown): string | null {
	if (typeof value !== 'string') return 'callback_url must be a string';
	if (value.length > 2048) return 'callback_url must be at most 2048 characters';
	const url = parseUrl(value);
	if (!url || url.protocol !== 'https:') return 'callback_url must be an HTTPS URL';
	return isPrivateHost(url.hostname)
		? 'callback_url must not point to a loopback or private network address'
		: null;
}

const oneOf =
	(values: string[], field: string): FieldCheck =>
	(value) =>
		typeof value === 'string' && values.includes(value)
			? null
			: `${field} must be one of ${values.join(', ')}`;

/** One check per accepted top-level field, in the order errors are reported. */
const FIELD_CHECKS: Record<string, FieldCheck> = {
	model: () => null, // checked first, separately, because it selects the rules
	prompt: checkPrompt,
	size: (value, { rules }) => rules.checkSize(value),
	resolution: onlyForMaskModels((value) =>
		typeof value === 'string' && RESOLUTIONS.includes(value.toUpperCase())
			? null
			: `resolution must be one of ${RESOLUTIONS.join(', ')}`,
	),
	quality: oneOf(QUALITIES, 'quality'),
	n: checkN,
	image_urls: checkImageUrls,
	mask_url: onlyForMaskModels((value, { body }) => {
		if (!isHttpUrl(value)) return 'mask_url must be an http(s) URL';
		return body.image_urls === undefined ? 'mask_url requires image_urls' : null;
	}),
	background: onlyForMaskModels(oneOf(BACKGROUNDS, 'background')),
	callback_url: checkCallbackUrl,
};

// ---------------------------------------------------------------- envelopes

export function evoError(
	status: number,
	code: string | number,
	message: string,
	type: string,
	extra: Record<string, unknown> = {},
): Reply {
	return jsonReply(status, { error: { code, message, type, ...extra } });
}

function invalidRequest(message: string): Reply {
	return evoError(400, 'invalid_request', message, 'invalid_request_error');
}

/**
 * The size of an image this fake serves: a files-API file (`/files/<id>/<name>` or
 * `/api/v1/files/download/<id>`) or a shared sample (`/samples/<name>.png`). Null for any other
 * URL, including unknown files: the fake does not fetch anything to find out.
 */
function hostedSize(url: string, ctx: Ctx): number | null {
	const parsed = parseUrl(url);
	if (!parsed || parsed.origin !== parseUrl(ctx.baseUrl)?.origin) return null;
	const sample = SAMPLE_PATH.exec(parsed.pathname);
	if (sample) return samplePng(sample[1]).length;
	const file = /^\/(?:files|api\/v1\/files\/download)\/([^/]+)/.exec(parsed.pathname);
	const stored = file ? ctx.store.files.get(file[1]) : undefined; // file ids need no decoding
	return stored ? stored.data.length : null;
}

/** Returns null when the request is acceptable, else an error reply. */
export function validateGeneration(call: Call, models: readonly string[], ctx: Ctx): Reply | null {
	const body = call.body;
	if (call.jsonError || !isPlainObject(body))
		return invalidRequest('request body must be a JSON object');
	const unknown = Object.keys(body).filter((key) => !(key in FIELD_CHECKS));
	if (unknown.length) return invalidRequest(`unknown parameter(s): ${unknown.join(', ')}`);
	if (typeof body.model !== 'string' || !body.model) return invalidRequest('model is required');
	if (!models.includes(body.model)) {
		return evoError(
			403,
			'model_access_denied',
			`Token does not have access to model: ${body.model}`,
			'invalid_request_error',
		);
	}
	const info: CheckInfo = {
		rules: MODEL_RULES[body.model],
		model: body.model,
		body,
		reading: unifiedReadingOf(ctx.options),
		knownSize: (url) => hostedSize(url, ctx),
	};
	for (const [field, check] of Object.entries(FIELD_CHECKS)) {
		if (body[field] === undefined && field !== 'prompt') continue;
		const problem = check(body[field], info);
		if (problem) return invalidRequest(problem);
	}
	return null;
}

type ErrorEntry = [code: string, type: string, message: string];

/** Default error per HTTP status (docs/providers.md, "HTTP errors"). */
const HTTP_ERRORS: Record<number, ErrorEntry> = {
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
const TASK_ROUTE_ERRORS: Record<number, ErrorEntry> = {
	402: ['quota_exceeded', 'insufficient_quota', 'Quota exceeded'],
	404: ['task_not_found', 'invalid_request_error', 'Task not found'],
	429: ['rate_limit_exceeded', 'evo_api_error', 'Rate limit exceeded, please retry later'],
};

export function errorReply(status: number, route: RequestRoute | null): Reply {
	const fallback = status >= 500 ? HTTP_ERRORS[500] : HTTP_ERRORS[400];
	const [code, type, message] =
		(route === 'status' && TASK_ROUTE_ERRORS[status]) || HTTP_ERRORS[status] || fallback;
	if (route === 'upload') return jsonReply(status, { success: false, code: status, msg: message });
	// /v1/credits uses the same envelope with the HTTP status as an integer code ("HTTP errors").
	return evoError(status, route === 'keycheck' ? status : code, message, type);
}

/** Human text for task error codes (docs/providers.md, "Task error codes" lists the codes, not the texts). */
export const TASK_ERROR_TEXT: Record<string, string> = {
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
