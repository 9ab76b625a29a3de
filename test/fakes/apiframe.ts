/**
 * Apiframe v2 (docs/providers.md, "Apiframe"). The models offered and whether uploads are served
 * come from the registry entry (see index.ts); the documented params live in apiframeRules.ts.
 */
import * as crypto from 'crypto';

import { jobView, listJobs, STATUS_BY_PHASE, UUID } from './apiframeJobs';
import {
	apiError,
	errorReply,
	MODEL_SPECS,
	validateGenerate,
	validationFailed,
} from './apiframeRules';
import { scheduleCallbacks } from './apiframeWebhooks';
import { bufferReply, canonicalJson, jsonReply, streamReply } from './lib/http';
import type { Reply } from './lib/http';
import { imagePlan } from './lib/images';
import type { ImageFormat } from './lib/images';
import { plays, unless } from './lib/provider';
import type { Call, Ctx, Handler, Offer, WireFormatModule } from './lib/provider';
import { sniffMedia } from './lib/sniff';
import type { MediaKind } from './lib/sniff';
import { accountLeft } from './lib/wallet';
import { apiframeReadingOf } from './readings';
import type { ApiframeReading, FakeTask } from './types';

export { signApiframeBody } from './apiframeWebhooks';

/** docs/providers.md, "Account and credits": the newer pages' gpt-image-1.5 prices (README, Assumptions). */
const CREDITS_PER_IMAGE: Record<string, number> = { low: 4, medium: 9, high: 24, auto: 24 };
/** The documented /v2/me example's team credits (docs/providers.md, "Account and credits"). */
const DEFAULT_BALANCE = 1000;
const UPLOAD_LIMITS_MB: Record<MediaKind, number> = { image: 25, audio: 25, video: 50 };
const UPLOAD_LIFETIME_MS = 3600 * 1000;
const MB = 1024 * 1024;

// ---------------------------------------------------------------- jobs

interface GenerateBody {
	model: string;
	prompt: string;
	[field: string]: unknown;
}

interface JobParams {
	number_of_images?: number;
	output_format?: ImageFormat;
	quality?: string;
	aspect_ratio?: string;
}

/** What a job of this body costs: the published price per image times the number of images. */
function jobCredits(body: GenerateBody): number {
	const params = (body[MODEL_SPECS[body.model].paramsKey] ?? {}) as JobParams;
	return CREDITS_PER_IMAGE[params.quality || 'auto'] * (params.number_of_images || 1);
}

/**
 * Creates a job from the effective body (what the reading kept of the request). Where the
 * webhook, the aspect ratio and the default output format come from is the reading's call, and
 * the job keeps that reading for its webhooks.
 */
function createJob(
	body: GenerateBody,
	idempotencyKey: string | null,
	reading: ApiframeReading,
	ctx: Ctx,
): FakeTask {
	const spec = MODEL_SPECS[body.model];
	const params = (body[spec.paramsKey] ?? {}) as JobParams;
	const count = params.number_of_images || 1;
	const format = params.output_format || reading.outputFormatDefault;
	const aspectRatio = reading.aspectRatio === 'top' ? body.aspect_ratio : params.aspect_ratio;
	const webhookUrl = body[reading.webhookField];
	const events = reading.webhookField === 'webhookUrl' ? body.webhookEvents : undefined;
	const id = plays(ctx, 'taskId')
		? `job_${crypto.randomUUID().replace(/-/g, '')}`
		: crypto.randomUUID();
	return ctx.createTask({
		id,
		model: body.model,
		body,
		prompt: body.prompt,
		imageCount: count,
		imageUrl: (index) => `${ctx.baseUrl}/cdn/${id}-${index}.${format}`,
		extra: {
			creditCost: CREDITS_PER_IMAGE[params.quality || 'auto'] * count,
			outputFormat: format,
			aspectRatio: typeof aspectRatio === 'string' ? aspectRatio : '1:1',
			idempotencyKey,
			webhookUrl: typeof webhookUrl === 'string' ? webhookUrl : null,
			webhookEvents: Array.isArray(events) ? events.map(String) : null,
			apiframeReading: reading,
		},
	});
}

/**
 * POST /v2/images/generate. With an Idempotency-Key, an identical body (compared as canonical
 * JSON) replays the original job unbilled; a different body is a 409 (docs/providers.md,
 * "Idempotency"). Bodies are compared as sent, before the reading drops anything; a 400
 * creates no job and stores nothing for the key.
 */
function generate(models: readonly string[]): Handler {
	return (call, ctx) => {
		const header = call.headers['idempotency-key'];
		const key = Array.isArray(header) ? header[0] : header;
		if (key !== undefined && key.length > 255) {
			return validationFailed({
				'Idempotency-Key': ['String must contain at most 255 character(s)'],
			});
		}
		if (call.jsonError) return apiError(400, 'Invalid JSON body');
		const fingerprint = canonicalJson(call.body);
		const previous = key !== undefined ? ctx.store.idempotency.get(key) : undefined;
		if (previous && previous.fingerprint !== fingerprint) {
			return apiError(409, 'Idempotency key reused with a different request body');
		}
		const replayed = previous ? ctx.tasks.get(previous.jobId) : undefined;
		if (replayed) {
			ctx.countReplay();
			return jsonReply(202, {
				jobId: replayed.id,
				status: STATUS_BY_PHASE[ctx.phase(replayed, call).phase],
			});
		}
		const reading = apiframeReadingOf(ctx.options);
		const { details, effective } = validateGenerate(call.body, models, reading);
		// Played wrong: the model parameters go under another key, and the documented one is unknown.
		if (plays(ctx, 'paramsKey') && typeof call.body === 'object' && call.body !== null) {
			for (const key of ['gptImageParams', 'gptImage2Params'])
				if (key in call.body) {
					for (const path of Object.keys(details))
						if (path.startsWith(`${key}.`)) delete details[path];
					details[key] = ['Unrecognized key'];
				}
		}
		// Played wrong: prompts of up to 4,000 characters are taken.
		const prompt = (call.body as { prompt?: unknown } | undefined)?.prompt;
		if (plays(ctx, 'promptLimit') && typeof prompt === 'string' && prompt.length <= 4000)
			delete details.prompt;
		if (Object.keys(details).length) return validationFailed(details);
		const needed = jobCredits(effective as GenerateBody);
		const left = accountLeft(ctx, DEFAULT_BALANCE);
		if (left < needed) {
			return apiError(402, 'Insufficient credits', {
				creditsRequired: needed,
				creditsAvailable: Math.max(0, Math.floor(left)),
			});
		}
		const task = createJob(effective as GenerateBody, key === undefined ? null : key, reading, ctx);
		if (key !== undefined) ctx.store.idempotency.set(key, { fingerprint, jobId: task.id });
		return jsonReply(202, { jobId: task.id, status: 'QUEUED' });
	};
}

function getJob(call: Call, ctx: Ctx): Reply {
	const id = call.params[0];
	if (!(plays(ctx, 'taskId') ? /^job_[0-9a-f]{32}$/ : UUID).test(id))
		return apiError(400, 'Invalid job id');
	const task = ctx.tasks.get(id);
	if (!task) return apiError(404, plays(ctx, 'unknownTask') ? 'Not found' : 'Job not found');
	return jsonReply(200, jobView(task, ctx.phase(task, call), ctx));
}

/** docs/providers.md, "Account and credits". */
function me(_call: Call, ctx: Ctx): Reply {
	if (plays(ctx, 'balanceShape'))
		return jsonReply(200, { account: { balance: Math.floor(accountLeft(ctx, DEFAULT_BALANCE)) } });
	return jsonReply(200, {
		user: {
			id: '0b0c8a5e-1a2b-4c3d-8e9f-000000000001',
			email: 'owner@example.test',
			role: 'OWNER',
		},
		team: {
			id: '0b0c8a5e-1a2b-4c3d-8e9f-000000000002',
			name: 'Fake Team',
			credits: ctx.options.balanceShown ?? Math.floor(accountLeft(ctx, DEFAULT_BALANCE)),
			plan: 'pro',
			customerId: null,
		},
		apiKey: { id: '0b0c8a5e-1a2b-4c3d-8e9f-000000000003', name: 'test key', prefix: 'afk_' },
	});
}

// ---------------------------------------------------------------- uploads and CDN

/** POST /v2/uploads (docs/providers.md, "Uploads"): the type comes from magic bytes only. */
function upload(call: Call, ctx: Ctx): Reply {
	const file = call.parts?.files.find((part) => part.field === 'file');
	if (!file) return validationFailed({ file: ['File is required'] });
	const media = sniffMedia(file.data);
	if (!media) return validationFailed({ file: ['Unsupported file type'] });
	const limitMb = UPLOAD_LIMITS_MB[media.kind];
	if (file.data.length > limitMb * MB)
		return validationFailed({
			file: [`File too large: ${media.kind} uploads are limited to ${limitMb} MB`],
		});
	const id = crypto.randomUUID();
	ctx.store.files.set(`uploads/${id}.${media.ext}`, {
		data: Buffer.from(file.data),
		contentType: media.mime,
	});
	return jsonReply(201, {
		id,
		url: `${ctx.baseUrl}/cdn/uploads/${id}.${media.ext}`,
		kind: media.kind,
		contentType: media.mime,
		byteSize: file.data.length,
		expiresAt: new Date(ctx.now() + UPLOAD_LIFETIME_MS).toISOString(),
	});
}

/** GET /cdn/...: uploaded files, or job results once the job has completed. */
function cdn(call: Call, ctx: Ctx): Reply {
	const name = call.params[0];
	const uploaded = ctx.store.files.get(name);
	if (uploaded) return bufferReply(200, uploaded.contentType, uploaded.data);
	const match = /^([0-9a-f-]{36})-(\d+)\.(png|jpeg|webp)$/.exec(name);
	const task = match ? ctx.tasks.get(match[1]) : undefined;
	const index = match ? Number(match[2]) : 0;
	const format = match ? (match[3] as ImageFormat) : undefined;
	if (
		!task ||
		!format ||
		task.outputFormat !== format ||
		ctx.phase(task, call).phase !== 'completed' ||
		index < 1 ||
		index > task.images.length
	) {
		return apiError(404, 'Not found');
	}
	const { width, height } = resultSize(task, ctx);
	const { resultBytes } = ctx.options;
	return streamReply(
		200,
		imagePlan({ format, width, height, variant: index, targetBytes: resultBytes }),
	);
}

/** The size of a result: the options', or 64 pixels on the short side at the job's aspect ratio. */
function resultSize(task: FakeTask, ctx: Ctx): { width: number; height: number } {
	const { imageWidth, imageHeight } = ctx.options;
	if (imageWidth !== undefined || imageHeight !== undefined)
		return { width: imageWidth ?? 64, height: imageHeight ?? 64 };
	const [w, h] = (task.aspectRatio ?? '1:1').split(':').map(Number);
	return w >= h ? { width: (64 * w) / h, height: 64 } : { width: 64, height: (64 * h) / w };
}

// ---------------------------------------------------------------- assembly

function checkAuth(call: Call, ctx: Ctx): Reply | null {
	// Played wrong, the key goes in a Bearer header instead of the documented X-API-Key.
	if (plays(ctx, 'auth'))
		return call.headers.authorization === `Bearer ${ctx.options.apiKey}`
			? null
			: apiError(401, 'Invalid API key');
	const key = call.headers['x-api-key'];
	if (!key) return apiError(401, 'API key is required');
	return key === ctx.options.apiKey ? null : apiError(401, 'Invalid API key');
}

const notFound = (): Reply => apiError(404, 'Not found');

/** Without an upload capability the upload route stays (counted, faultable) but answers 404. */
export function createApiframe({ key, models, filesApi }: Offer): WireFormatModule {
	const unknown = models.filter((model) => !(model in MODEL_SPECS));
	if (unknown.length) {
		throw new Error(
			`fake ${key}: no documented Apiframe params for model(s) ${unknown.join(', ')}; add them to test/fakes/apiframeRules.ts`,
		);
	}
	return {
		wireFormat: 'apiframe-v2',
		defaultApiKey: 'afk_test_key',
		resultField: 'result',
		checkAuth,
		errorReply,
		notFound,
		scheduleCallbacks,
		extraHeaders: () => ({ 'x-request-id': crypto.randomUUID() }), // the SDK reads it
		routes: [
			{
				method: 'POST',
				pattern: /^\/v2\/images\/generate$/,
				route: 'submit',
				auth: true,
				handler: unless('submitRoute', generate(models), notFound),
			},
			{
				method: 'GET',
				pattern: /^\/v2\/jobs$/,
				route: 'list',
				auth: true,
				handler: unless('listRoute', listJobs, notFound),
			},
			{
				method: 'GET',
				pattern: /^\/v2\/jobs\/([^/]+)$/,
				route: 'status',
				auth: true,
				handler: unless('statusRoute', getJob, notFound),
			},
			{
				method: 'GET',
				pattern: /^\/v2\/me$/,
				route: 'keycheck',
				auth: true,
				handler: unless('balanceRoute', me, notFound),
			},
			{
				method: 'POST',
				pattern: /^\/v2\/uploads$/,
				route: 'upload',
				auth: filesApi,
				handler: filesApi ? unless('upload', upload, notFound) : notFound,
			},
			{ method: 'GET', pattern: /^\/cdn\/(.+)$/, route: 'download', auth: false, handler: cdn },
		],
	};
}
