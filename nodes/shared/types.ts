import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

/** The Readable that n8n's helpers hand out; typed without importing 'stream' (cloud lint). */
export type BinaryStream = Awaited<ReturnType<IExecuteFunctions['helpers']['getBinaryStream']>>;

/** Provider-neutral task state: every adapter maps its own status words onto these. */
export type TaskStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';

export const FINISHED_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export interface TaskSnapshot {
	taskId: string;
	status: TaskStatus;
	model?: string;
	/** 0-100 when the provider reports it. */
	progress?: number;
	/** Provider's estimate of the whole run, in seconds, when it gives one. */
	estimatedSeconds?: number;
	imageUrls: string[];
	error?: { code?: string; message: string };
	/** Cost fields exactly as the provider names them (usage, creditCost). */
	cost?: IDataObject;
}

/** One field that failed validation: names the parameter and says how to fix it. */
export interface FieldProblem {
	field: string;
	message: string;
	fix: string;
}

/** What an operation hands to an adapter: already read, not yet validated. */
export interface ImageRequest {
	operation: 'generate' | 'edit';
	model: string;
	prompt: string;
	/** Images the user wants for this item (1-10); adapters split it into tasks. */
	imageCount: number;
	imageUrls: string[];
	maskUrl?: string;
	callbackUrl?: string;
	/** Provider-only fields (size, quality, extras), keyed by node parameter name. */
	options: IDataObject;
}

export interface MultipartFile {
	field: string;
	fileName: string;
	mimeType: string;
	size?: number;
	content: BinaryStream | Buffer;
}

/** A request described as data; the task client adds base URL, auth, timeouts and retries. */
export interface HttpCall {
	method: 'GET' | 'POST';
	/** Which credential URL the path is relative to. */
	base: 'api' | 'files';
	path: string;
	qs?: IDataObject;
	headers?: IDataObject;
	json?: IDataObject;
	multipart?: MultipartFile;
}

export interface ProviderError {
	message: string;
	code?: string;
	description?: string;
}

export interface ModelInfo {
	value: string;
	name: string;
	promptMaxLength: number;
	/** Most images one task may return; above it the router submits several tasks. */
	maxImagesPerTask: number;
	supportsMask: boolean;
}

export interface UploadRules {
	mimeTypes: string[];
	maxBytes: number;
}

export interface CallbackRules {
	/** Display name of the field, for error messages. */
	field: string;
	httpsOnly: boolean;
	blockPrivateHosts: boolean;
	maxLength: number;
}

export interface ProviderAdapter {
	/** Shown in output items (`json.provider`) and in error messages. */
	displayName: string;
	credentialType: string;
	models: ModelInfo[];
	/** File extensions accepted in image URLs (lower case, no dot). */
	imageUrlExtensions: string[];
	/** Undefined when the provider has no documented file host. */
	upload?: UploadRules;
	/** Said to the user when binary input is given but `upload` is undefined. */
	noUploadHint: string;
	callback: CallbackRules;
	/** Submissions carry an idempotency key, so any failed submit may be retried. */
	idempotentSubmit: boolean;
	taskIdPattern: RegExp;
	taskIdExample: string;
	/** Provider-only checks on the request (sizes, qualities, extras). */
	validate(request: ImageRequest): FieldProblem[];
	buildSubmit(request: ImageRequest, imagesInTask: number, idempotencyKey: string): HttpCall;
	parseSubmit(body: unknown): TaskSnapshot;
	buildStatus(taskId: string): HttpCall;
	parseStatus(body: unknown): TaskSnapshot;
	/** Optional batched status: one request for many tasks. */
	buildStatusBatch?(taskIds: string[]): HttpCall;
	/** Splits a list answer into each task's own body, read later with parseStatus. */
	splitStatusBatch?(body: unknown): Array<{ taskId: string; body: unknown }>;
	buildUpload?(file: MultipartFile): HttpCall;
	parseUpload?(body: unknown): string;
	parseError(statusCode: number, body: unknown): ProviderError;
}
