import type { IDataObject } from 'n8n-workflow';

import { parseBody, ProviderRejection, ResponseShapeError } from '../shared/schema';
import type { FieldProblem, ImageRequest, ModelInfo, ProviderAdapter, ProviderError, TaskSnapshot, TaskStatus, UploadRules } from '../shared/types';
import { errorEnvelope, taskSchema, uploadSchema } from './EvoLink.schemas';

/** Task IDs look like task-unified-1757156493-imcg5zqt; the API rejects any other prefix. */
const TASK_ID = /^task-unified-[A-Za-z0-9-]+$/;

const STATUS: Record<string, TaskStatus> = {
	pending: 'queued',
	processing: 'processing',
	completed: 'completed',
	failed: 'failed',
};

export interface UnifiedTaskConfig {
	displayName: string;
	credentialType: string;
	models: ModelInfo[];
	upload?: UploadRules;
	noUploadHint: string;
}

/** WxH for gpt-image-2: multiples of 16, edges 16-3840, 655,360-8,294,400 pixels, ratio at most 3:1. */
export function customSizeProblem(value: string): FieldProblem | undefined {
	const match = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(value.trim());
	const fix = 'Use WIDTHxHEIGHT in multiples of 16, each edge 16-3840, 655,360-8,294,400 pixels in total, at most 3:1 (e.g. 1536x1024)';
	if (!match) return { field: 'Custom Size', message: `"${value}" is not WIDTHxHEIGHT`, fix };
	const [w, h] = [Number(match[1]), Number(match[2])];
	const pixels = w * h;
	if (w % 16 !== 0 || h % 16 !== 0) return { field: 'Custom Size', message: `${w}x${h} is not in multiples of 16`, fix };
	if (Math.min(w, h) < 16 || Math.max(w, h) > 3840) return { field: 'Custom Size', message: `an edge of ${w}x${h} is outside 16-3840`, fix };
	if (pixels < 655360 || pixels > 8294400) return { field: 'Custom Size', message: `${w}x${h} has ${pixels} pixels`, fix };
	if (Math.max(w, h) / Math.min(w, h) > 3) return { field: 'Custom Size', message: `${w}x${h} is wider than 3:1`, fix };
	return undefined;
}

/** gpt-image-2 sizes: a ratio (with a resolution), auto, or custom pixels. */
function sizeFields(options: IDataObject): IDataObject {
	if (options.sizeV2 === undefined) return options.size === undefined ? {} : { size: options.size };
	if (options.sizeV2 === 'custom') return { size: String(options.customSize ?? '').trim().replace('×', 'x') };
	if (options.sizeV2 === 'auto') return { size: 'auto' };
	return { size: options.sizeV2, resolution: options.resolution ?? '1K' };
}

function snapshot(body: unknown, what: string): TaskSnapshot {
	const task = parseBody(taskSchema, body, what);
	const status = STATUS[task.status];
	if (status === 'completed' && (!task.results || task.results.length === 0)) {
		throw new ResponseShapeError(what, 'results', 'is missing on a completed task');
	}
	const cost: IDataObject = {};
	if (task.usage) cost.usage = task.usage as IDataObject;
	return {
		taskId: task.id,
		status,
		model: task.model,
		progress: task.progress,
		estimatedSeconds: task.task_info?.estimated_time,
		imageUrls: task.results ?? [],
		error: task.error ? { code: task.error.code === undefined ? undefined : String(task.error.code), message: task.error.message ?? 'no message' } : undefined,
		cost: task.usage ? cost : undefined,
	};
}

/**
 * The "unified task" wire format documented by EvoLink (and copied by StarMagic): a flat JSON
 * body on POST /v1/images/generations, a task object back, GET /v1/tasks/{id} to poll.
 */
export function createUnifiedTaskAdapter(config: UnifiedTaskConfig): ProviderAdapter {
	const model = (id: string) => config.models.find((m) => m.value === id);
	return {
		displayName: config.displayName,
		credentialType: config.credentialType,
		models: config.models,
		imageUrlExtensions: ['jpeg', 'jpg', 'png', 'webp'],
		upload: config.upload,
		noUploadHint: config.noUploadHint,
		callback: { field: 'Callback URL', httpsOnly: true, blockPrivateHosts: true, maxLength: 2048 },
		idempotentSubmit: false,
		taskIdPattern: TASK_ID,
		taskIdExample: 'task-unified-1757156493-imcg5zqt',

		validate(request: ImageRequest): FieldProblem[] {
			const problems: FieldProblem[] = [];
			if (request.options.sizeV2 === 'custom') {
				const problem = customSizeProblem(String(request.options.customSize ?? ''));
				if (problem) problems.push(problem);
			}
			return problems;
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
			return { method: 'POST', base: 'api', path: '/v1/images/generations', json: body };
		},

		parseSubmit: (body) => snapshot(body, 'task creation'),
		buildStatus: (taskId) => ({ method: 'GET', base: 'api', path: `/v1/tasks/${encodeURIComponent(taskId)}` }),
		parseStatus: (body) => snapshot(body, 'task status'),

		buildUpload: (file) => ({ method: 'POST', base: 'files', path: '/api/v1/files/upload/stream', multipart: file }),
		parseUpload(body) {
			const answer = parseBody(uploadSchema, body, 'file upload');
			if (answer.success) return answer.data.file_url;
			throw new ProviderRejection(`File upload failed: ${answer.msg ?? 'no message'}`, answer.code === undefined ? undefined : String(answer.code));
		},

		parseError(statusCode, body): ProviderError {
			const parsed = errorEnvelope.safeParse(body);
			if (!parsed.success) return { message: `HTTP ${statusCode}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}` };
			const { code, message, fallback_suggestion: suggestion } = parsed.data.error;
			return {
				message: message ?? `HTTP ${statusCode}`,
				code: code === undefined ? undefined : String(code),
				description: suggestion ?? (statusCode === 401 ? 'Check the API key in the credential' : undefined),
			};
		},
	};
}

export const EVOLINK_MODELS: ModelInfo[] = [
	{ value: 'gpt-image-1.5', name: 'GPT Image 1.5', promptMaxLength: 2000, maxImagesPerTask: 1, supportsMask: false },
	{ value: 'gpt-image-1', name: 'GPT Image 1', promptMaxLength: 2000, maxImagesPerTask: 10, supportsMask: false },
	{ value: 'gpt-image-2', name: 'GPT Image 2', promptMaxLength: 32000, maxImagesPerTask: 10, supportsMask: true },
];

export const evoLinkAdapter = createUnifiedTaskAdapter({
	displayName: 'EvoLink',
	credentialType: 'evoLinkApi',
	models: EVOLINK_MODELS,
	// Files API: jpeg/png/gif/webp; generation reads jpeg/png/webp, 50 MB each.
	upload: { mimeTypes: ['image/jpeg', 'image/png', 'image/webp'], maxBytes: 50 * 1048576 },
	noUploadHint: '',
});
