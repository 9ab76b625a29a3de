import type { IDataObject } from 'n8n-workflow';

import { adviceFrom } from '../errors';
import { parseBody, ProviderRejection, ResponseShapeError } from '../schema';
import type {
	BaseUrls,
	FieldProblem,
	ModelInfo,
	ProviderAdapter,
	ProviderError,
	TaskSnapshot,
} from '../types';
import { UNIFIED_TASK_ID } from './unifiedTask.facts';
import type { UnifiedFacts } from './unifiedTask.facts';
import {
	creditsSchema,
	errorEnvelope,
	resultsSchema,
	taskSchema,
	uploadSchema,
} from './unifiedTask.schemas';

export { UNIFIED_TASK_ID };

/**
 * The "unified task" API: a flat JSON body on POST /v1/images/generations, a task object back,
 * GET /v1/tasks/{id} to poll, callbacks that post the same task object. EvoLink documents it;
 * StarMagic's pages are a copy of EvoLink's (docs/providers.md, "StarMagic"). Any reseller that
 * speaks it is one `createUnifiedTaskAdapter` call.
 */

/** Advice per documented task error code (docs/providers.md, "Task error codes"). */
const ADVICE: Array<[RegExp, string]> = [
	[
		/content_policy_violation|content.?policy|safety/i,
		"The provider's safety filter blocked it: rephrase the prompt or use other input images",
	],
	[
		/invalid_parameters|image_dimension_mismatch|image_processing_error/,
		'Check the size, the input images (type, size, reachable URL) and the mask',
	],
	[/quota_exceeded|insufficient/, 'Top up your provider balance, then run the item again'],
	[/request_cancelled/, 'The task was cancelled at the provider'],
	[
		/generation_timeout|service_unavailable|service_error|resource_exhausted|resource_not_found|upstream_error|rate_limited|model_unavailable|generation_failed_no_content|unknown_error/,
		'A temporary provider problem: run the item again; failed tasks are normally not billed',
	],
];

export interface UnifiedTaskConfig {
	displayName: string;
	credentialType: string;
	models: ModelInfo[];
	/** Models that take a mask image with an edit. */
	maskModels: string[];
	/** What the adapter assumes about the provider: routes, patterns, limits (unifiedTask.facts.ts). */
	facts: UnifiedFacts;
	/** Why the input image limit is what it is, for the field hints. */
	inputImageSource: string;
}

/** WxH for gpt-image-2: multiples of 16, edges 16-3840, 655,360-8,294,400 pixels, ratio at most 3:1. */
export function customSizeProblem(value: string): FieldProblem | undefined {
	const match = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(value.trim());
	const fix =
		'Use WIDTHxHEIGHT in multiples of 16, each edge 16-3840, 655,360-8,294,400 pixels in total, at most 3:1 (e.g. 1536x1024)';
	if (!match) return { field: 'Custom Size', message: `"${value}" is not WIDTHxHEIGHT`, fix };
	const [w, h] = [Number(match[1]), Number(match[2])];
	const pixels = w * h;
	if (w % 16 !== 0 || h % 16 !== 0) {
		return { field: 'Custom Size', message: `${w}x${h} is not in multiples of 16`, fix };
	}
	if (Math.min(w, h) < 16 || Math.max(w, h) > 3840) {
		return { field: 'Custom Size', message: `an edge of ${w}x${h} is outside 16-3840`, fix };
	}
	if (pixels < 655360 || pixels > 8294400) {
		return { field: 'Custom Size', message: `${w}x${h} has ${pixels} pixels`, fix };
	}
	if (Math.max(w, h) / Math.min(w, h) > 3) {
		return { field: 'Custom Size', message: `${w}x${h} is wider than 3:1`, fix };
	}
	return undefined;
}

/** gpt-image-2 sizes: a ratio (with a resolution), auto, or custom pixels. */
function sizeFields(options: IDataObject): IDataObject {
	if (options.sizeV2 === undefined) return options.size === undefined ? {} : { size: options.size };
	if (options.sizeV2 === 'custom') {
		return {
			size: String(options.customSize ?? '')
				.trim()
				.replace('×', 'x'),
		};
	}
	if (options.sizeV2 === 'auto') return { size: 'auto' };
	return { size: options.sizeV2, resolution: options.resolution ?? '1K' };
}

/** Reads task objects (submit answers, status answers, callbacks) as the fact table describes them. */
function taskReader(facts: UnifiedFacts) {
	const words = facts.statusWords.value;
	const schema = taskSchema(Object.keys(words));
	const field = facts.resultsField.value;
	const results = resultsSchema(field);
	return (body: unknown, what: string): TaskSnapshot => {
		const task = parseBody(schema, body, what);
		const urls = parseBody(results, body, what)[field];
		const status = words[task.status];
		if (status === 'completed' && (!urls || urls.length === 0)) {
			throw new ResponseShapeError(what, field, 'is missing on a completed task');
		}
		const { error } = task;
		return {
			taskId: task.id,
			status,
			model: task.model,
			progress: task.progress,
			estimatedSeconds: task.task_info?.estimated_time,
			imageUrls: urls ?? [],
			error: error
				? {
						code: error.code === undefined ? undefined : String(error.code),
						message: error.message ?? 'no message',
					}
				: undefined,
			cost: task.usage ? { usage: task.usage as IDataObject } : undefined,
			createdAt: task.created === undefined ? undefined : task.created * 1000,
		};
	};
}

function trimUrl(value: unknown, fallback: string): string {
	const text = typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
	return text.replace(/\/+$/, '');
}

/** The route of a fact like "/v1/tasks/{id}", with the task ID put in. */
function pathWith(route: string, taskId: string): string {
	return route.replace('{id}', encodeURIComponent(taskId));
}

/** Whether the model a task shows is the one asked for (a dated version of it counts). */
function sameModel(asked: unknown, shown: string): boolean {
	return typeof asked !== 'string' || shown === asked || shown.startsWith(`${asked}-`);
}

export function createUnifiedTaskAdapter(config: UnifiedTaskConfig): ProviderAdapter {
	const { facts } = config;
	const model = (id: string) => config.models.find((m) => m.value === id);
	const read = taskReader(facts);
	const taskIdPattern = facts.taskId.value;
	const adapter: ProviderAdapter = {
		displayName: config.displayName,
		credentialType: config.credentialType,
		wireFormat: 'unified-task',
		models: config.models,
		facts,
		imageUrlExtensions: facts.inputImages.value.extensions,
		inputImageLimit: { maxBytes: facts.inputImageSize.value, source: config.inputImageSource },
		taskId: {
			pattern: taskIdPattern,
			example: 'task-unified-1757156493-imcg5zqt',
			madeUp: 'task-unified-1000000000-n8ncheck',
		},
		idempotentSubmit: false,
		mask: config.maskModels.length > 0 ? { models: config.maskModels } : undefined,

		baseUrls(credentials): BaseUrls {
			const api = trimUrl(credentials.baseUrl, '');
			return { api, files: trimUrl(credentials.fileBaseUrl, api) };
		},

		validate(request): FieldProblem[] {
			if (request.options.sizeV2 !== 'custom') return [];
			const problem = customSizeProblem(String(request.options.customSize ?? ''));
			return problem ? [problem] : [];
		},

		buildSubmit(request, imagesInTask) {
			const info = model(request.model);
			const o = request.options;
			const body: IDataObject = { model: request.model, prompt: request.prompt, ...sizeFields(o) };
			const quality = o.qualityV2 ?? o.quality;
			if (quality !== undefined) body.quality = quality;
			// Models limited to one image per task reject `n` above 1; leave it out for them.
			if (info && info.maxImagesPerTask > 1) body.n = imagesInTask;
			if (request.imageUrls.length > 0) body.image_urls = request.imageUrls;
			if (request.maskUrl !== undefined) body.mask_url = request.maskUrl;
			if (o.background !== undefined) body.background = o.background;
			if (request.callbackUrl !== undefined) body.callback_url = request.callbackUrl;
			const path = facts.submitRoute.value;
			return { method: 'POST', base: 'api', path, json: body, fact: 'submitRoute' };
		},

		parseSubmit: (body) => read(body, 'task creation'),
		buildStatus: (taskId) => ({
			method: 'GET',
			base: 'api',
			path: pathWith(facts.statusRoute.value, taskId),
			fact: 'statusRoute',
		}),
		parseStatus: (body) => read(body, 'task status'),

		callback: {
			field: 'Callback URL',
			...facts.callbackRules.value,
			// The callback body is the task object itself, as GET /v1/tasks/{id} shows it.
			matches: (body) => typeof body.id === 'string' && taskIdPattern.test(body.id),
			read: (body) => read(body, 'callback'),
		},

		// The submit answer is the task object: the model it shows is the one that will run.
		readBack: {
			fromSubmitAnswer: true,
			worthReading: () => true,
			compare(call, shown) {
				const asked = call.json?.model;
				if (shown.model === undefined || sameModel(asked, shown.model)) return [];
				return [{ field: 'model', kept: false, shown: shown.model }];
			},
		},

		parseError(statusCode, body): ProviderError {
			const parsed = errorEnvelope.safeParse(body);
			// A route that does not exist says nothing about tasks; an unknown task says so.
			const unknown = facts.unknownTask.value;
			const notFound = statusCode === 404 || statusCode === 405;
			const knownTask =
				parsed.success &&
				statusCode === unknown.status &&
				String(parsed.data.error.code) === unknown.code;
			const missing = notFound ? (knownTask ? 'task' : 'route') : undefined;
			if (!parsed.success) {
				const text = typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '';
				return { message: `HTTP ${statusCode}${text}`, missing };
			}
			const { code, message, fallback_suggestion: suggestion } = parsed.data.error;
			return {
				message: message ?? `HTTP ${statusCode}`,
				code: code === undefined ? undefined : String(code),
				description:
					suggestion ?? (statusCode === 401 ? 'Check the API key in the credential' : undefined),
				missing,
			};
		},

		failureAdvice: (error) => adviceFrom(ADVICE, error),

		cost: {
			unit: `${config.displayName} credits`,
			// credits_reserved is the provider's reservation for the task: what it may charge.
			creditsOf: (snapshot) => {
				const usage = snapshot.cost?.usage as IDataObject | undefined;
				const reserved = usage?.credits_reserved;
				return typeof reserved === 'number' && Number.isFinite(reserved) ? reserved : undefined;
			},
			balance: {
				build: () => ({
					method: 'GET',
					base: 'api',
					path: facts.balanceRoute.value,
					fact: 'balanceRoute',
				}),
				parse(body) {
					const { token, user } = parseBody(creditsSchema, body, 'credits').data;
					const keyLimit = token?.unlimited_credits ? undefined : token?.remaining_credits;
					return {
						// What this key can spend: the account's credits, within the key's own limit.
						credits:
							keyLimit === undefined
								? user.remaining_credits
								: Math.min(keyLimit, user.remaining_credits),
						details: {
							accountCredits: user.remaining_credits,
							accountUsedCredits: user.used_credits ?? null,
							keyCredits: keyLimit ?? null,
							keyUnlimited: token?.unlimited_credits ?? null,
							keyUsedCredits: token?.used_credits ?? null,
						},
					};
				},
			},
		},
	};
	const upload = facts.upload.value;
	if (upload) {
		adapter.upload = {
			mimeTypes: upload.mimeTypes,
			maxBytes: upload.maxBytes,
			build: (file) => ({
				method: 'POST',
				base: 'files',
				path: upload.path,
				multipart: file,
				fact: 'upload',
			}),
			parse(body) {
				const answer = parseBody(uploadSchema, body, 'file upload');
				if (answer.success) return answer.data.file_url;
				const code = answer.code === undefined ? undefined : String(answer.code);
				throw new ProviderRejection(`File upload failed: ${answer.msg ?? 'no message'}`, code);
			},
		};
	}
	return adapter;
}
