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
	/** Which of the provider's base URLs the path is relative to. */
	base: 'api' | 'files';
	path: string;
	qs?: IDataObject;
	headers?: IDataObject;
	json?: IDataObject;
	multipart?: MultipartFile;
}

/** The base URLs an adapter reads from its credential. */
export interface BaseUrls {
	api: string;
	files: string;
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
}

/** The provider hosts input files, so binary images can be uploaded and then passed by URL. */
export interface UploadCapability {
	mimeTypes: string[];
	maxBytes: number;
	build(file: MultipartFile): HttpCall;
	/** The hosted URL from the upload answer. */
	parse(body: unknown): string;
}

/** Some models take a mask image (PNG with alpha) with an edit. */
export interface MaskCapability {
	models: string[];
}

/** One request that reads many tasks at once. */
export interface StatusBatchCapability {
	build(taskIds: string[]): HttpCall;
	/** Each task's own body, read later with parseStatus. */
	split(body: unknown): Array<{ taskId: string; body: unknown }>;
}

/** What a provider signs its callbacks with, when it signs them. */
export interface CallbackSignature {
	/** Lower-case request header that carries the signature. */
	header: string;
	verify(rawBody: Buffer, headerValue: unknown, apiKey: string): boolean;
}

/** The provider calls a URL given with the task when the task ends. */
export interface CallbackCapability {
	/** Display name of the URL field, for error messages. */
	field: string;
	httpsOnly: boolean;
	blockPrivateHosts: boolean;
	maxLength: number;
	/** Whether a callback body (and its headers) has this provider's shape. */
	matches(body: IDataObject, headers: IDataObject): boolean;
	/** The task state a callback body carries. */
	read(body: IDataObject): TaskSnapshot;
	signature?: CallbackSignature;
}

export interface ProviderAdapter {
	/** Shown in output items (`json.provider`) and in error messages. */
	displayName: string;
	credentialType: string;
	/** Which documented wire format this adapter speaks (the test fakes serve each one). */
	wireFormat: 'unified-task' | 'apiframe-v2';
	models: ModelInfo[];
	/** File extensions accepted in image URLs (lower case, no dot). */
	imageUrlExtensions: string[];
	taskId: { pattern: RegExp; example: string };
	/** Submissions carry an idempotency key, so any failed submit may be retried. */
	idempotentSubmit: boolean;
	upload?: UploadCapability;
	mask?: MaskCapability;
	callback?: CallbackCapability;
	statusBatch?: StatusBatchCapability;
	/** Where the calls go, read from the credential's fields. */
	baseUrls(credentials: IDataObject): BaseUrls;
	/** Provider-only checks on the request (sizes, qualities, extras). */
	validate(request: ImageRequest): FieldProblem[];
	buildSubmit(request: ImageRequest, imagesInTask: number, idempotencyKey: string): HttpCall;
	parseSubmit(body: unknown): TaskSnapshot;
	buildStatus(taskId: string): HttpCall;
	parseStatus(body: unknown): TaskSnapshot;
	parseError(statusCode: number, body: unknown): ProviderError;
	/** One sentence a user can act on, for a failed task's code and message. */
	failureAdvice(error: { code?: string; message: string }): string;
}
