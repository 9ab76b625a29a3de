/**
 * Request validation and error envelopes of Apiframe v2 (docs/providers.md, "Create job" and
 * "Errors"), imitating the backend's Zod messages. The per-model params are written out here
 * from the documentation, keyed by model id, independently of the node's adapter.
 */
import { isPlainObject, jsonReply } from './lib/http';
import type { Reply } from './lib/http';
import { isUri } from './lib/urls';
import { SCHEMA_READING } from './readings';
import type { ApiframeReading } from './types';

export const WEBHOOK_EVENTS = ['progress', 'completed', 'failed'];

type Check = (value: unknown) => string | null;

const quote = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(' | ');

function oneOf(values: string[]): Check {
	return (value) =>
		typeof value === 'string' && values.includes(value)
			? null
			: `Invalid enum value. Expected ${quote(values)}, received '${String(value)}'`;
}

function integerBetween(min: number, max: number): Check {
	return (value) => {
		if (typeof value !== 'number') return `Expected number, received ${typeof value}`;
		if (!Number.isInteger(value)) return 'Expected integer, received float';
		if (value < min) return `Number must be greater than or equal to ${min}`;
		return value > max ? `Number must be less than or equal to ${max}` : null;
	};
}

/** The type name Zod reports in "Expected X, received Y". */
function receivedType(value: unknown): string {
	if (value === null) return 'null';
	return Array.isArray(value) ? 'array' : typeof value;
}

/** Schema: an array of URIs, or null. */
function uriListOrNull(value: unknown): string | null {
	if (value === null) return null;
	if (!Array.isArray(value)) return `Expected array, received ${receivedType(value)}`;
	const bad = value.findIndex((item) => !isUri(item));
	return bad >= 0 ? `Invalid url at index ${bad}` : null;
}

/** Model page: "string (URL)", one reference image. */
function uriString(value: unknown): string | null {
	if (typeof value !== 'string') return `Expected string, received ${receivedType(value)}`;
	return isUri(value) ? null : 'Invalid url';
}

const ASPECT_RATIO = oneOf(['1:1', '3:2', '2:3']);

/** The params both GPT models share; `aspect_ratio` and `input_images` depend on the reading. */
const COMMON_PARAMS: Record<string, Check> = {
	aspect_ratio: ASPECT_RATIO,
	quality: oneOf(['low', 'medium', 'high', 'auto']),
	number_of_images: integerBetween(1, 10),
	input_images: uriListOrNull,
	output_format: oneOf(['png', 'jpeg', 'webp']),
};

export interface ModelSpec {
	paramsKey: string;
	params: Record<string, Check>;
}

/** The request body is a union keyed by `model`; each model has its own params object. */
export const MODEL_SPECS: Record<string, ModelSpec> = {
	'gpt-image-1.5': {
		paramsKey: 'gptImageParams',
		params: {
			...COMMON_PARAMS,
			background: oneOf(['auto', 'transparent', 'opaque']),
			input_fidelity: oneOf(['low', 'high']),
		},
	},
	'gpt-image-2': {
		paramsKey: 'gptImage2Params',
		params: {
			...COMMON_PARAMS,
			background: oneOf(['auto', 'opaque']),
			moderation: oneOf(['auto', 'low']),
		},
	},
};

function checkPrompt(value: unknown): string | null {
	if (value === undefined) return 'Required';
	if (typeof value !== 'string') return `Expected string, received ${typeof value}`;
	if (value.length < 1) return 'String must contain at least 1 character(s)';
	return value.length > 2000 ? 'String must contain at most 2000 character(s)' : null;
}

function checkWebhookEvents(value: unknown): string | null {
	if (!Array.isArray(value)) return `Expected array, received ${typeof value}`;
	if (!value.length) return 'Array must contain at least 1 element(s)';
	const bad: unknown = value.find((event) => !WEBHOOK_EVENTS.includes(event));
	return bad !== undefined
		? `Invalid enum value. Expected ${quote(WEBHOOK_EVENTS)}, received '${String(bad)}'`
		: null;
}

type Report = (path: string, message: string) => void;

/**
 * Checks `object` against `checks` and returns the part of it the reading keeps. A key without
 * a check is reported as 'Unrecognized key' (additionalProperties: false) under
 * `unknownKeys: 'reject'`, and left out of the returned copy under 'ignore'.
 */
function checkObject(
	object: Record<string, unknown>,
	checks: Record<string, Check>,
	pathPrefix: string,
	unknownKeys: ApiframeReading['unknownKeys'],
	report: Report,
): Record<string, unknown> {
	const kept: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(object)) {
		if (key in checks) kept[key] = value;
		else if (unknownKeys === 'reject') report(pathPrefix + key, 'Unrecognized key');
	}
	for (const [key, check] of Object.entries(checks)) {
		if (kept[key] === undefined) continue;
		const problem = check(kept[key]);
		if (problem) report(pathPrefix + key, problem);
	}
	return kept;
}

/** The params object a reading knows for a model. */
function paramChecks(spec: ModelSpec, reading: ApiframeReading): Record<string, Check> {
	const checks: Record<string, Check> = { ...spec.params };
	if (reading.aspectRatio === 'top') delete checks.aspect_ratio;
	if (reading.inputImages === 'string') checks.input_images = uriString;
	return checks;
}

/** The top-level fields a reading knows besides the params object. */
function topLevelChecks(reading: ApiframeReading): Record<string, Check> {
	const checks: Record<string, Check> = { model: () => null, prompt: () => null };
	const uri: Check = (value) => (isUri(value) ? null : 'Invalid url');
	if (reading.webhookField === 'webhookUrl') {
		checks.webhookUrl = uri;
		checks.webhookEvents = checkWebhookEvents;
	} else {
		checks.webhook_url = uri; // the model page names no events field
	}
	if (reading.aspectRatio === 'top') checks.aspect_ratio = ASPECT_RATIO;
	return checks;
}

export type ValidationDetails = Record<string, string[]>;

export interface GenerateCheck {
	/** `{ "<json.path>": [messages] }`, empty when the body is valid for one of `models`. */
	details: ValidationDetails;
	/**
	 * The body the job is created from: the request without the keys the reading dropped
	 * (`unknownKeys: 'ignore'`). Only meaningful when `details` is empty.
	 */
	effective: Record<string, unknown>;
}

/** Validates a generate request under `reading`. */
export function validateGenerate(
	body: unknown,
	models: readonly string[],
	reading: ApiframeReading = SCHEMA_READING,
): GenerateCheck {
	const details: ValidationDetails = {};
	const report: Report = (path, message) => (details[path] = details[path] || []).push(message);
	if (!isPlainObject(body)) {
		report('body', 'Expected object');
		return { details, effective: {} };
	}
	const spec =
		typeof body.model === 'string' && models.includes(body.model)
			? MODEL_SPECS[body.model]
			: undefined;
	if (!spec) {
		report(
			'model',
			body.model === undefined
				? 'Required'
				: `Invalid discriminator value. Expected ${quote(models)}`,
		);
		return { details, effective: {} };
	}
	const problem = checkPrompt(body.prompt);
	if (problem) report('prompt', problem);
	const topLevel: Record<string, Check> = {
		...topLevelChecks(reading),
		[spec.paramsKey]: (value) => (isPlainObject(value) ? null : 'Expected object'),
	};
	const effective = checkObject(body, topLevel, '', reading.unknownKeys, report);
	const params = effective[spec.paramsKey];
	if (isPlainObject(params)) {
		effective[spec.paramsKey] = checkObject(
			params,
			paramChecks(spec, reading),
			`${spec.paramsKey}.`,
			reading.unknownKeys,
			report,
		);
	}
	return { details, effective };
}

// ---------------------------------------------------------------- envelopes

export function apiError(
	status: number,
	message: string,
	extra: Record<string, unknown> = {},
): Reply {
	return jsonReply(status, { error: message, ...extra });
}

export function validationFailed(details: ValidationDetails): Reply {
	return apiError(400, 'Validation failed', { details });
}

const DEFAULT_MESSAGES: Record<number, string> = {
	400: 'Bad request',
	401: 'Invalid API key',
	403: 'Forbidden',
	404: 'Not found',
	409: 'Conflict',
	429: 'Too many requests',
};

export function errorReply(status: number): Reply {
	if (status === 402)
		return apiError(402, 'Insufficient credits', { creditsRequired: 24, creditsAvailable: 3 });
	if (status >= 500) return apiError(status, 'Internal server error');
	return apiError(status, DEFAULT_MESSAGES[status] || 'Request failed');
}
