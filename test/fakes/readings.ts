/**
 * The documented readings the fakes can follow where the providers' documents disagree (README,
 * "Readings"), and how the live options select one.
 */
import type { ApiframeReading, FakeProviderOptions, UnifiedReading } from './types';

/** Apiframe as the OpenAPI schema, the webhook docs and the SDK describe it (the default). */
export const SCHEMA_READING: ApiframeReading = Object.freeze({
	webhookField: 'webhookUrl',
	inputImages: 'array',
	outputFormatDefault: 'webp',
	aspectRatio: 'params',
	unknownKeys: 'reject',
	signatureKey: 'digest',
	webhookStatusWords: 'schema',
});

/**
 * Apiframe as the GPT Image model page describes it: `webhook_url`, one `input_images` string,
 * PNG by default, `aspect_ratio` outside the 6 model params. Unknown keys are still rejected and
 * nothing on the page speaks to signatures or webhookStatus, so those keep the schema's values.
 */
export const PAGE_READING: ApiframeReading = Object.freeze({
	webhookField: 'webhook_url',
	inputImages: 'string',
	outputFormatDefault: 'png',
	aspectRatio: 'top',
	unknownKeys: 'reject',
	signatureKey: 'digest',
	webhookStatusWords: 'schema',
});

/** The unified task API as its schema and English pages describe it (the default). */
export const UNIFIED_SCHEMA_READING: UnifiedReading = Object.freeze({
	promptLimit: 'characters',
	inputImageMaxMb: 50,
});

/** The Korean pages (StarMagic and EvoLink alike): 10 MB per input image. */
export const UNIFIED_KO_READING: UnifiedReading = Object.freeze({
	promptLimit: 'characters',
	inputImageMaxMb: 10,
});

/** `base` with every field `override` sets (undefined fields keep the base value). */
function complete<T extends object>(base: T, override: Partial<T> | undefined): T {
	const out = { ...base };
	for (const key of Object.keys(override ?? {}) as Array<keyof T>) {
		const value = override?.[key];
		if (value !== undefined) out[key] = value as T[keyof T];
	}
	return out;
}

/** The Apiframe reading in force now (options are live). */
export function apiframeReadingOf(options: FakeProviderOptions): ApiframeReading {
	return complete(SCHEMA_READING, options.apiframeReading);
}

/** The unified task API reading in force now (options are live). */
export function unifiedReadingOf(options: FakeProviderOptions): UnifiedReading {
	return complete(UNIFIED_SCHEMA_READING, options.unifiedReading);
}
