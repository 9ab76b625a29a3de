import { z } from 'zod';

const taskInfo = z.object({ estimated_time: z.number().optional() }).passthrough().optional();

/** `usage` is returned on submit (credits_reserved, billing_rule); kept as the provider sends it. */
const usage = z.record(z.unknown()).optional();

/**
 * Fields read from a task object, on submit and on GET /v1/tasks/{id}; the status words and the
 * field with the result URLs come from the provider's fact table (unifiedTask.facts.ts).
 */
export const taskSchema = (statusWords: string[]) =>
	z.object({
		id: z.string().min(1),
		status: z.enum(statusWords as [string, ...string[]]),
		/** Unix seconds the task was created (every documented task object has it). */
		created: z.number().optional(),
		model: z.string().optional(),
		progress: z.number().optional(),
		task_info: taskInfo,
		usage,
		error: z
			.object({
				code: z.union([z.string(), z.number()]).optional(),
				message: z.string().optional(),
			})
			.passthrough()
			.optional(),
	});

/** The result URLs of a completed task, under the field the fact table names. */
export const resultsSchema = (field: string) =>
	z.object({ [field]: z.array(z.string()).optional() });

/** The HTTP error envelope; `code` is a string on image endpoints, a number on /v1/credits. */
export const errorEnvelope = z.object({
	error: z.object({
		code: z.union([z.string(), z.number()]).optional(),
		message: z.string().optional(),
		fallback_suggestion: z.string().optional(),
	}),
});

/** GET /v1/credits: the key's own limit (token) and the account's credits (user). */
export const creditsSchema = z.object({
	data: z.object({
		token: z
			.object({
				remaining_credits: z.number().optional(),
				unlimited_credits: z.boolean().optional(),
				used_credits: z.number().optional(),
			})
			.passthrough()
			.optional(),
		user: z.object({
			remaining_credits: z.number(),
			used_credits: z.number().optional(),
		}),
	}),
});

/** Files API answer; business errors come as success:false with code and msg. */
export const uploadSchema = z.union([
	z.object({ success: z.literal(true), data: z.object({ file_url: z.string().url() }) }),
	z.object({
		success: z.literal(false),
		code: z.union([z.string(), z.number()]).optional(),
		msg: z.string().optional(),
	}),
]);
