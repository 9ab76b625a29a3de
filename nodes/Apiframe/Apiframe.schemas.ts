import { z } from 'zod';

export const jobStatus = z.enum(['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED']);

/** 202 answer of POST /v2/images/generate. */
export const acceptedSchema = z.object({ jobId: z.string().min(1), status: jobStatus });

/**
 * `result` is typed "any" by the OpenAPI file: newer docs show {images:[...]}, older ones a bare
 * URL string. Both are accepted; anything else on a completed job is reported as drift.
 */
export const resultSchema = z
	.union([z.string().url(), z.object({ images: z.array(z.string()) }).passthrough()])
	.nullable()
	.optional();

export const jobSchema = z.object({
	id: z.string().min(1),
	status: jobStatus,
	model: z.string().optional(),
	progress: z.number().nullable().optional(),
	result: z.unknown(),
	error: z.string().nullable().optional(),
	/** Read as it comes: a price that is not a positive number is an unknown price, not a broken job. */
	creditCost: z.unknown(),
	/** null without a webhook; the schema's words are pending/delivered/failed, the docs show "sent". */
	webhookStatus: z.string().nullable().optional(),
	/** ISO time the job ended (null until then); the completed webhook carries it too, signed. */
	completedAt: z.string().nullable().optional(),
	/** The stored request, when the job shows it (optional in the schema). */
	input: z.record(z.unknown()).nullable().optional(),
});

/** Only the IDs are read here: each job is then read on its own, so one odd job fails only its task. */
export const jobListSchema = z.object({
	jobs: z.array(z.object({ id: z.string().min(1) }).passthrough()),
	/** The id to ask the next page from; null on the last page. */
	nextCursor: z.string().nullable().optional(),
	hasMore: z.boolean().optional(),
});

/** Errors are flat: {error: "..."}; validation adds details keyed by JSON path, 402 adds numbers. */
export const errorSchema = z.object({
	error: z.string(),
	details: z.record(z.union([z.array(z.string()), z.string()])).optional(),
	creditsRequired: z.number().optional(),
	creditsAvailable: z.number().optional(),
});

/**
 * GET /v2/me: the team's credits. The schema has `team` on every answer, null for a user without
 * one; an answer without the field is not this route's (the balanceShape fact).
 */
export const meSchema = z.object({
	team: z
		.object({ credits: z.number(), name: z.string().optional(), plan: z.string().optional() })
		.passthrough()
		.nullable(),
});

export const uploadSchema = z.object({ url: z.string().url() });
