import type { IDataObject } from 'n8n-workflow';
import { createHash, createHmac, timingSafeEqual } from 'crypto';

import { adviceFrom } from '../shared/errors';
import { parseBody, ResponseShapeError } from '../shared/schema';
import { shapeOf } from '../shared/readings';
import type {
	ModelInfo,
	ProviderAdapter,
	ProviderError,
	TaskSnapshot,
	TaskStatus,
	WireReading,
} from '../shared/types';
import {
	acceptedSchema,
	errorSchema,
	jobListSchema,
	jobSchema,
	meSchema,
	resultSchema,
	uploadSchema,
} from './Apiframe.schemas';

const STATUS: Record<string, TaskStatus> = {
	QUEUED: 'queued',
	PROCESSING: 'processing',
	COMPLETED: 'completed',
	FAILED: 'failed',
	CANCELLED: 'cancelled',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Each model keeps its parameters in its own object. */
const PARAMS_KEY: Record<string, string> = {
	'gpt-image-1.5': 'gptImageParams',
	'gpt-image-2': 'gptImage2Params',
};

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
 * Where Apiframe's documents disagree (README, "Provider facts"). The OpenAPI schema bundled in
 * its official SDK is generated from the backend's validators, so its shape is sent first; the
 * model page's shape is the fallback after a 400 that names the field.
 */
export const WEBHOOK_READING: WireReading = {
	point: 'webhook field',
	shapes: ['webhookUrl', 'webhook_url'],
	named: /webhook_?url|webhookEvents/i,
	evidence:
		"Apiframe's OpenAPI schema and webhook guide name the field webhookUrl, its GPT Image model page webhook_url.",
};

export const INPUT_IMAGES_READING: WireReading = {
	point: 'input_images',
	shapes: ['array', 'string'],
	named: /input_images/,
	unfit: (request, shape) =>
		shape === 'string' && request.imageUrls.length > 1
			? "Only one image fits the page's reading: give one input image per item."
			: undefined,
	evidence:
		"Apiframe's OpenAPI schema takes input_images as a list of URLs, its GPT Image model page as one URL.",
};

export const ASPECT_RATIO_READING: WireReading = {
	point: 'aspect_ratio',
	shapes: ['params', 'top'],
	named: /aspect_ratio/,
	evidence:
		"Apiframe's OpenAPI schema has aspect_ratio among the model's params; its model page lists the ratios as a feature, not among the model's six params.",
};

/**
 * Credits per image from Apiframe's pages (docs/providers.md, "Result lifetime, base64,
 * pricing"). Two versions of the table disagree (gpt-image-1.5 high: 24 or 14): the higher one is
 * kept, so an estimate never lets spending pass a cap. The jobs' own creditCost comes first.
 */
const LIST_PRICE: Record<string, Record<string, number>> = {
	'gpt-image-1.5': { low: 4, medium: 9, high: 24, auto: 24 },
	'gpt-image-2': { low: 4, medium: 9, high: 23, auto: 23 },
};

export const APIFRAME_MODELS: ModelInfo[] = [
	{ value: 'gpt-image-1.5', name: 'GPT Image 1.5', promptMaxLength: 2000, maxImagesPerTask: 10 },
	{ value: 'gpt-image-2', name: 'GPT Image 2', promptMaxLength: 2000, maxImagesPerTask: 10 },
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
		cost: cost === undefined || cost === null ? undefined : { creditCost: cost },
		callbackRecorded: webhookRecorded(job),
	};
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
		maxBytes: 25 * 1048576,
		source: 'Apiframe states no limit for input images; its file upload takes up to 25 MB',
	},
	taskId: { pattern: UUID, example: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890' },
	idempotentSubmit: true,
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
			path: '/v2/images/generate',
			json: body,
			headers: { 'Idempotency-Key': idempotencyKey },
		};
	},

	parseSubmit(body) {
		const accepted = parseBody(acceptedSchema, body, 'job creation');
		return { taskId: accepted.jobId, status: STATUS[accepted.status], imageUrls: [] };
	},

	buildStatus: (taskId) => ({
		method: 'GET',
		base: 'api',
		path: `/v2/jobs/${encodeURIComponent(taskId)}`,
	}),
	parseStatus: (body) => jobSnapshot(parseBody(jobSchema, body, 'job status')),

	// Newest first, at most 100 a page: room for as many other jobs of the account as ours, and
	// the cursor for the page after (the poller stops when it has found every job it waits for).
	statusBatch: {
		build: (taskIds, cursor) => ({
			method: 'GET',
			base: 'api',
			path: '/v2/jobs',
			qs: {
				limit: Math.min(100, Math.max(20, 2 * taskIds.length)),
				...(cursor === undefined ? {} : { cursor }),
			},
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

	// ASSUMPTION: no HTTPS or private-address rule is documented for webhookUrl.
	callback: {
		field: 'Webhook URL',
		httpsOnly: false,
		blockPrivateHosts: false,
		maxLength: 2048,
		matches: (body, headers) =>
			typeof body.jobId === 'string' || headers['x-webhook-signature'] !== undefined,
		// The event envelope names the job jobId; the job schema calls it id.
		read: (body) => jobSnapshot(parseBody(jobSchema, { ...body, id: body.jobId }, 'webhook')),
		signature: { header: 'x-webhook-signature', verify: checkApiframeSignature },
		confirmable: true,
		reading: WEBHOOK_READING.point,
	},

	upload: {
		mimeTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
		maxBytes: 25 * 1048576,
		build: (file) => ({ method: 'POST', base: 'api', path: '/v2/uploads', multipart: file }),
		parse: (body) => parseBody(uploadSchema, body, 'upload').url,
	},

	parseError(statusCode, body): ProviderError {
		const parsed = errorSchema.safeParse(body);
		if (!parsed.success) {
			const text = typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '';
			return { message: `HTTP ${statusCode}${text}` };
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
		return { message: detailText ? `${error} (${detailText})` : error, description };
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
			build: () => ({ method: 'GET', base: 'api', path: '/v2/me' }),
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
