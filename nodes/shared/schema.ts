import type { ZodType, ZodTypeDef } from 'zod';

/**
 * Thrown by adapters when a provider body does not have the fields we read. Adapters stay free of
 * n8n objects, so the task client turns this into a NodeApiError with the item index.
 */
export class ResponseShapeError extends Error {
	constructor(
		readonly what: string,
		readonly field: string,
		readonly detail: string,
	) {
		super(`Unexpected ${what} response: field "${field}" ${detail}`);
		this.name = 'ResponseShapeError';
	}
}

/** Parses a provider body with a zod schema; a drifted field is reported by its path. */
export function parseBody<T>(
	schema: ZodType<T, ZodTypeDef, unknown>,
	body: unknown,
	what: string,
): T {
	const result = schema.safeParse(body);
	if (result.success) return result.data;
	const issue = result.error.issues[0];
	const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(body)';
	throw new ResponseShapeError(what, field, issue ? issue.message.toLowerCase() : 'is invalid');
}

/** A provider answered 2xx but said the operation failed (e.g. success:false on an upload). */
export class ProviderRejection extends Error {
	constructor(
		message: string,
		readonly code?: string,
	) {
		super(message);
		this.name = 'ProviderRejection';
	}
}
