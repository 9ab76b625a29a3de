import type { IDataObject } from 'n8n-workflow';
import { createHash, createHmac, timingSafeEqual } from 'crypto';

import { adviceFrom } from '../shared/errors';
import { parseBody, ResponseShapeError } from '../shared/schema';
import { shapeOf } from '../shared/readings';
import type {
	HttpCall,
	KeptCheck,
	ModelInfo,
	ProviderAdapter,
	ProviderError,
	TaskSnapshot,
	TaskStatus,
} from '../shared/types';
import {
	APIFRAME_FACTS,
	ASPECT_RATIO_READING,
	INPUT_IMAGES_READING,
	WEBHOOK_READING,
} from './Apiframe.facts';
import {
	acceptedSchema,
	errorSchema,
	jobListSchema,
	jobSchema,
	meSchema,
	resultSchema,
	uploadSchema,
} from './Apiframe.schemas';

export { ASPECT_RATIO_READING, INPUT_IMAGES_READING, WEBHOOK_READING };

const FACTS = APIFRAME_FACTS;
const STATUS: Record<string, TaskStatus> = FACTS.statusWords.value;
/** Each model keeps its parameters in its own object. */
const PARAMS_KEY = FACTS.paramsKey.value;

/** Node parameter name -> Apiframe field inside the params object. */
const PARAM_FIELDS: Record<string, string> = {
	aspectRatio: 'aspect_ratio',
	quality: 'quality',
	outputFormat: 'output_format',
	background: 'background',
	backgroundV2: 'background',
	inputFidelity: 'input_fidelity',
	moderation: 'moderation',
};

/** Apiframe reports failures as text only (no codes): advice by what the text says. */
const ADVICE: Array<[RegExp, string]> = [
	[
		/content.?policy|safety|moderation/i,
		"The provider's safety filter blocked it: rephrase the prompt or use other input images",
	],
	[
		/invalid|dimension|image.?processing/i,
		'Check the size and the input images (type, size, reachable URL)',
	],
	[/credit|quota|insufficient/i, 'Top up your Apiframe balance, then run the item again'],
	[/cancel/i, 'The job was cancelled at the provider'],
	[
		/timeout|unavailable|service|upstream|rate|no.?content|unknown|generation/i,
		'A temporary provider problem: run the item again; failed jobs are refunded',
	],
];

/**
 * Credits per image from Apiframe's pages: two versions of the table disagree (gpt-image-1.5
 * high: 24 or 14); the higher one is kept, so an estimate never lets spending pass a cap. The
 * jobs' own creditCost comes first.
 */
const LIST_PRICE = FACTS.priceTable.value;

const PROMPT_MAX = FACTS.promptLimit.value;
export const APIFRAME_MODELS: ModelInfo[] = [
	{
		value: 'gpt-image-1.5',
		name: 'GPT Image 1.5',
		promptMaxLength: PROMPT_MAX,
		maxImagesPerTask: 10,
	},
	{ value: 'gpt-image-2', name: 'GPT Image 2', promptMaxLength: PROMPT_MAX, maxImagesPerTask: 10 },
];

function imagesOf(result: unknown, status: TaskStatus): string[] {
	if (status !== 'completed') return [];
	const parsed = resultSchema.safeParse(result);
	if (!parsed.success || parsed.data === null || parsed.data === undefined) {
		throw new ResponseShapeError(
			'job status',
			'result',
			'is neither an image URL nor {images: [...]} on a completed job',
		);
	}
	const images = typeof parsed.data === 'string' ? [parsed.data] : parsed.data.images;
	if (images.length === 0) {
		throw new ResponseShapeError('job status', 'result.images', 'is empty on a completed job');
	}
	return images;
}

function jobSnapshot(job: ReturnType<typeof jobSchema.parse>): TaskSnapshot {
	const status = STATUS[job.status];
	const cost = job.creditCost;
	return {
		taskId: job.id,
		status,
		model: job.model,
		progress: job.progress ?? undefined,
		imageUrls: imagesOf(job.result, status),
		error: job.error ? { message: job.error } : undefined,
		cost:
			cost === undefined || cost === null ? undefined : { creditCost: cost as IDataObject[string] },
		callbackRecorded: webhookRecorded(job),
		finishedAt: job.completedAt ? Date.parse(job.completedAt) || undefined : undefined,
		// The schema's "delivered" or the docs' "sent": the webhook was acknowledged already.
		callbackDelivered:
			typeof job.webhookStatus === 'string'
				? /^(delivered|sent)$/i.test(job.webhookStatus)
				: undefined,
		kept: job.input ? (job.input as IDataObject) : undefined,
	};
}

const isObject = (value: unknown): value is IDataObject =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

const shownText = (value: unknown): string =>
	value === undefined || value === null ? 'none' : JSON.stringify(value);

/**
 * What a job shows of the request it was created from, compared with what was sent: the webhook
 * by its webhookStatus, the rest by the job's `input` where it shows one. Only fields a user would
 * miss are compared (a dropped `aspect_ratio` of 1:1, the default, changes nothing).
 */
function compareKept(call: HttpCall, job: TaskSnapshot): KeptCheck[] {
	const body = call.json ?? {};
	const key = PARAMS_KEY[String(body.model)] ?? '';
	const params = isObject(body[key]) ? (body[key] as IDataObject) : {};
	const input = job.kept;
	const stored = input && isObject(input[key]) ? (input[key] as IDataObject) : {};
	const checks: KeptCheck[] = [];
	if (body.webhookUrl !== undefined || body.webhook_url !== undefined) {
		const field = body.webhookUrl !== undefined ? 'webhookUrl' : 'webhook_url';
		checks.push({ field, kept: job.callbackRecorded, reading: WEBHOOK_READING.point });
	}
	const ratioOnTop = body.aspect_ratio !== undefined;
	const ratio = ratioOnTop ? body.aspect_ratio : params.aspect_ratio;
	if (ratio !== undefined && ratio !== '1:1') {
		const keptRatio = ratioOnTop ? input?.aspect_ratio : stored.aspect_ratio;
		checks.push({
			field: ratioOnTop ? 'aspect_ratio' : `${key}.aspect_ratio`,
			kept: input ? keptRatio === ratio : undefined,
			reading: ASPECT_RATIO_READING.point,
			shown: shownText(keptRatio),
		});
	}
	if (params.input_images !== undefined) {
		const images = stored.input_images;
		const present = typeof images === 'string' || (Array.isArray(images) && images.length > 0);
		checks.push({
			field: `${key}.input_images`,
			kept: input ? present : undefined,
			reading: INPUT_IMAGES_READING.point,
		});
	}
	if (input) {
		const others = Object.keys(params).filter(
			(name) => !/^(aspect_ratio|input_images)$/.test(name),
		);
		for (const name of others) {
			if (stored[name] === undefined)
				checks.push({ field: `${key}.${name}`, kept: false, shown: 'none' });
		}
	}
	return checks;
}

/**
 * Whether the job shows a webhook: `webhookStatus` is null without one and a word (pending,
 * delivered, failed, or the docs' "sent") with one; a stored `input` may also show the URL.
 */
function webhookRecorded(job: ReturnType<typeof jobSchema.parse>): boolean | undefined {
	const input = job.input;
	if (input && (typeof input.webhookUrl === 'string' || typeof input.webhook_url === 'string')) {
		return true;
	}
	if (typeof job.webhookStatus === 'string') return true;
	if (job.webhookStatus === null) return false;
	return input ? false : undefined;
}

/**
 * X-Webhook-Signature is HMAC-SHA256 over the raw body, as hex, with or without a "sha256="
 * prefix. Its key is "SHA-256 of the API key": the SDK uses the raw 32-byte digest, the docs'
 * wording also fits the 64-character hex text of it, so both are accepted (docs/providers.md,
 * "Apiframe webhooks").
 */
export function checkApiframeSignature(rawBody: Buffer, header: unknown, apiKey: string): boolean {
	if (typeof header !== 'string' || header === '') return false;
	const given = header
		.replace(/^sha256=/i, '')
		.trim()
		.toLowerCase();
	if (!/^[0-9a-f]{64}$/.test(given)) return false;
	const signature = Buffer.from(given, 'hex');
	const digest = createHash('sha256').update(apiKey).digest();
	const keys = [digest, Buffer.from(digest.toString('hex'))];
	// Both are computed and compared, so the time taken does not tell which form matched.
	const matches = keys.map((key) =>
		timingSafeEqual(signature, createHmac('sha256', key).update(rawBody).digest()),
	);
	return matches.some(Boolean);
}

/** Apiframe v2: nested per-model params, 202 {jobId}, GET /v2/jobs/{id}, X-API-Key. */
export const apiframeAdapter: ProviderAdapter = {
	displayName: 'Apiframe',
	credentialType: 'apiframeApi',
	wireFormat: 'apiframe-v2',
	models: APIFRAME_MODELS,
	// input_images limits for GPT models are not documented; these are the types /v2/uploads reads.
	imageUrlExtensions: ['jpeg', 'jpg', 'png', 'webp', 'gif'],
	// No limit is documented for input_images; its uploads endpoint takes images up to 25 MB.
	inputImageLimit: {
		maxBytes: FACTS.inputImageLimits.value,
		source: 'Apiframe states no limit for input images; its file upload takes up to 25 MB',
	},
	taskId: {
		pattern: FACTS.taskId.value,
		example: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
		madeUp: '00000000-0000-4000-8000-00000000c4ec',
	},
	idempotentSubmit: true,
	facts: FACTS,
	readings: [WEBHOOK_READING, INPUT_IMAGES_READING, ASPECT_RATIO_READING],

	baseUrls(credentials) {
		const api = String(credentials.baseUrl ?? '')
			.trim()
			.replace(/\/+$/, '');
		return { api, files: api };
	},

	validate: () => [],

	buildSubmit(request, imagesInTask, idempotencyKey, shapes) {
		const params: IDataObject = { number_of_images: imagesInTask };
		for (const [name, field] of Object.entries(PARAM_FIELDS)) {
			if (request.options[name] !== undefined) params[field] = request.options[name];
		}
		if (request.imageUrls.length > 0) {
			params.input_images =
				shapeOf(INPUT_IMAGES_READING, shapes) === 'string' && request.imageUrls.length === 1
					? request.imageUrls[0]
					: request.imageUrls;
		}
		const body: IDataObject = { model: request.model, prompt: request.prompt };
		if (params.aspect_ratio !== undefined && shapeOf(ASPECT_RATIO_READING, shapes) === 'top') {
			body.aspect_ratio = params.aspect_ratio;
			delete params.aspect_ratio;
		}
		body[PARAMS_KEY[request.model]] = params;
		if (request.callbackUrl !== undefined) {
			if (shapeOf(WEBHOOK_READING, shapes) === 'webhook_url') {
				// The model page documents webhook_url alone, with no events field.
				body.webhook_url = request.callbackUrl;
			} else {
				body.webhookUrl = request.callbackUrl;
				const events = request.options.webhookEvents;
				if (Array.isArray(events) && events.length > 0) body.webhookEvents = events;
			}
		}
		return {
			method: 'POST',
			base: 'api',
			path: FACTS.submitRoute.value,
			json: body,
			headers: { 'Idempotency-Key': idempotencyKey },
			fact: 'submitRoute',
		};
	},

	parseSubmit(body) {
		const accepted = parseBody(acceptedSchema, body, 'job creation');
		return { taskId: accepted.jobId, status: STATUS[accepted.status], imageUrls: [] };
	},

	buildStatus: (taskId) => ({
		method: 'GET',
		base: 'api',
		path: FACTS.statusRoute.value.replace('{id}', encodeURIComponent(taskId)),
		fact: 'statusRoute',
	}),
	parseStatus: (body) => jobSnapshot(parseBody(jobSchema, body, 'job status')),

	// Newest first, at most 100 a page: room for as many other jobs of the account as ours, and
	// the cursor for the page after (the poller stops when it has found every job it waits for).
	statusBatch: {
		build: (taskIds, cursor) => ({
			method: 'GET',
			base: 'api',
			path: FACTS.listRoute.value,
			qs: {
				limit: Math.min(100, Math.max(20, 2 * taskIds.length)),
				...(cursor === undefined ? {} : { cursor }),
			},
			fact: 'listRoute',
		}),
		split(body) {
			const list = parseBody(jobListSchema, body, 'job list');
			const next = list.hasMore === false ? undefined : list.nextCursor;
			return {
				tasks: list.jobs.map((job) => ({ taskId: job.id, body: job })),
				cursor: next || undefined,
			};
		},
	},

	// No HTTPS or private-address rule is documented for webhookUrl (the webhookRules fact).
	callback: {
		field: 'Webhook URL',
		...FACTS.webhookRules.value,
		matches: (body, headers) =>
			typeof body.jobId === 'string' || headers['x-webhook-signature'] !== undefined,
		// The event envelope names the job jobId; the job schema calls it id.
		read: (body) => jobSnapshot(parseBody(jobSchema, { ...body, id: body.jobId }, 'webhook')),
		signature: { header: 'x-webhook-signature', verify: checkApiframeSignature },
		confirmable: true,
		reading: WEBHOOK_READING.point,
	},

	// The job is read once after the first submission: its webhookStatus and input show what it kept.
	readBack: {
		fromSubmitAnswer: false,
		worthReading: (call) =>
			compareKept(call, { taskId: '', status: 'queued', imageUrls: [] }).length > 0,
		compare: compareKept,
	},

	upload: {
		mimeTypes: FACTS.upload.value.mimeTypes,
		maxBytes: FACTS.upload.value.maxBytes,
		build: (file) => ({
			method: 'POST',
			base: 'api',
			path: FACTS.upload.value.path,
			multipart: file,
			fact: 'upload',
		}),
		parse: (body) => parseBody(uploadSchema, body, 'upload').url,
	},

	parseError(statusCode, body): ProviderError {
		const parsed = errorSchema.safeParse(body);
		// An unknown job is a 404 whose text names the job; a missing route's says nothing of jobs.
		const namesJob = parsed.success && FACTS.unknownTask.value.test(parsed.data.error);
		const missing =
			statusCode === 404 || statusCode === 405
				? statusCode === 404 && namesJob
					? 'task'
					: 'route'
				: undefined;
		if (!parsed.success) {
			const text = typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '';
			return { message: `HTTP ${statusCode}${text}`, missing };
		}
		const { error, details, creditsRequired, creditsAvailable } = parsed.data;
		const detailText = details
			? Object.entries(details)
					.map(
						([path, messages]) =>
							`${path}: ${Array.isArray(messages) ? messages.join(', ') : messages}`,
					)
					.join('; ')
			: '';
		let description: string | undefined;
		if (creditsRequired !== undefined) {
			description = `The job needs ${creditsRequired} credits; ${creditsAvailable ?? 'fewer'} are available. Top up your Apiframe balance.`;
		} else if (statusCode === 401 || statusCode === 403) {
			description = 'Check the API key (it starts with afk_) in the credential';
		}
		return { message: detailText ? `${error} (${detailText})` : error, description, missing };
	},

	failureAdvice: (error) => adviceFrom(ADVICE, error),

	cost: {
		unit: 'Apiframe credits',
		creditsOf: (snapshot) => {
			const cost = snapshot.cost?.creditCost;
			return typeof cost === 'number' && Number.isFinite(cost) ? cost : undefined;
		},
		listPrice: (request) =>
			LIST_PRICE[request.model]?.[String(request.options.quality ?? 'auto')] ?? undefined,
		pricedBy: ['quality'],
		balance: {
			build: () => ({
				method: 'GET',
				base: 'api',
				path: FACTS.balanceRoute.value,
				fact: 'balanceRoute',
			}),
			parse(body) {
				const { team } = parseBody(meSchema, body, 'account');
				return {
					credits: team?.credits ?? 0,
					details: { team: team?.name ?? null, plan: team?.plan ?? null },
				};
			},
		},
	},
};
