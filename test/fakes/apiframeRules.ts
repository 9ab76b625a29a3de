/**
 * Request validation and error envelopes of Apiframe v2 (docs/providers.md, "Create job" and
 * "Errors"), imitating the backend's Zod messages. The per-model params are written out here
 * from the documentation, keyed by model id, independently of the node's adapter.
 */
import { isPlainObject, jsonReply } from './lib/http';
import type { Reply } from './lib/http';
import { isUri } from './lib/urls';

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

function uriListOrNull(value: unknown): string | null {
	if (value === null) return null;
	if (!Array.isArray(value)) return `Expected array, received ${typeof value}`;
	const bad = value.findIndex((item) => !isUri(item));
	return bad >= 0 ? `Invalid url at index ${bad}` : null;
}

const COMMON_PARAMS: Record<string, Check> = {
	aspect_ratio: oneOf(['1:1', '3:2', '2:3']),
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

/** Checks `object` against `checks`, rejecting unknown keys (additionalProperties: false). */
function checkStrictObject(
	object: Record<string, unknown>,
	checks: Record<string, Check>,
	pathPrefix: string,
	report: Report,
): void {
	for (const key of Object.keys(object)) {
		if (!(key in checks)) report(pathPrefix + key, 'Unrecognized key');
	}
	for (const [key, check] of Object.entries(checks)) {
		if (object[key] === undefined) continue;
		const problem = check(object[key]);
		if (problem) report(pathPrefix + key, problem);
	}
}

export type ValidationDetails = Record<string, string[]>;

/** `{ "<json.path>": [messages] }`, empty when the body is valid for one of `models`. */
export function validateGenerate(body: unknown, models: readonly string[]): ValidationDetails {
	const details: ValidationDetails = {};
	const report: Report = (path, message) => (details[path] = details[path] || []).push(message);
	if (!isPlainObject(body)) {
		report('body', 'Expected object');
		return details;
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
		return details;
	}
	const paramsCheck: Check = (value) => (isPlainObject(value) ? null : 'Expected object');
	const problem = checkPrompt(body.prompt);
	if (problem) report('prompt', problem);
	const topLevel: Record<string, Check> = {
		model: () => null,
		prompt: () => null,
		webhookUrl: (v) => (isUri(v) ? null : 'Invalid url'),
		webhookEvents: checkWebhookEvents,
		[spec.paramsKey]: paramsCheck,
	};
	checkStrictObject(body, topLevel, '', report);
	const params = body[spec.paramsKey];
	if (isPlainObject(params)) checkStrictObject(params, spec.params, `${spec.paramsKey}.`, report);
	return details;
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
