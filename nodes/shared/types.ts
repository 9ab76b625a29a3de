import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { FactTable } from './facts';

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
	/**
	 * Whether the provider shows a callback planned for this task: true or false when its answer
	 * says so, undefined when it does not tell (the unified task API never does).
	 */
	callbackRecorded?: boolean;
	/** When the provider says the task was created or finished (ms since the epoch), if it says. */
	createdAt?: number;
	finishedAt?: number;
	/**
	 * Whether the provider's record says the task's callback was already delivered (Apiframe's
	 * webhookStatus): a delivery the trigger sees again long after is a replay.
	 */
	callbackDelivered?: boolean;
	/** The request as the provider stored it, where its answer shows it (Apiframe's job `input`). */
	kept?: IDataObject;
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
	/** The fact of the adapter's table the route comes from, named when the route answers 404. */
	fact?: string;
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
	/**
	 * For a 404 or 405: whether the answer says the task is unknown ("task"), or says nothing
	 * about tasks, as a route that does not exist answers ("route").
	 */
	missing?: 'task' | 'route';
}

export interface ModelInfo {
	value: string;
	name: string;
	promptMaxLength: number;
	/**
	 * How the provider counts the prompt limit: characters (Unicode code points, the default), or
	 * model tokens, which the node cannot count: it then refuses only what no reading allows and
	 * lets the provider's 400 (which costs nothing) decide the rest.
	 */
	promptUnit?: 'characters' | 'tokens';
	/** With a limit in tokens: the longest prompt (in characters) that no reading allows past. */
	promptCeiling?: number;
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

/** One request that reads many tasks at once, a page at a time. */
export interface StatusBatchCapability {
	/** The first page, or the one after the page whose answer gave `cursor`. */
	build(taskIds: string[], cursor?: string): HttpCall;
	/** Each task's own body (read later with parseStatus), and the next page's cursor if any. */
	split(body: unknown): StatusPage;
}

export interface StatusPage {
	tasks: Array<{ taskId: string; body: unknown }>;
	cursor?: string;
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
	/**
	 * The provider's task answer tells whether it recorded the callback URL (TaskSnapshot
	 * callbackRecorded), so a submission with a callback is read once to confirm it.
	 */
	confirmable?: boolean;
	/** The WireReading that names the callback field, switched when a callback was not recorded. */
	reading?: string;
}

/**
 * A point where the provider's documents disagree about the shape of a submission. The adapter
 * builds shape 0 (the one with the strongest evidence) unless told otherwise; when the provider
 * answers 400 and its message names the point, the node sends the other shape once (a 400
 * creates no task) and keeps the shape that worked for the rest of the execution.
 */
export interface WireReading {
	/** Short name, used as the key in Shapes and in messages ("webhook field"). */
	point: string;
	/** The two documented shapes, in the order they are tried. */
	shapes: readonly [string, string];
	/** Matches a rejection's text that is about this point (the field names of both shapes). */
	named: RegExp;
	/** Why a request cannot be sent in `shape` at all, when that is so. */
	unfit?(request: ImageRequest, shape: string): string | undefined;
	/** What the two documents say, for messages and the README. */
	evidence: string;
}

/** What the provider's record shows of one field of a submission. */
export interface KeptCheck {
	/** The field as the user knows it ("aspect_ratio", "Webhook URL", "model"). */
	field: string;
	/** true: kept; false: dropped (or changed); undefined: the record does not tell. */
	kept: boolean | undefined;
	/** The WireReading the field belongs to: after a drop, the next submissions send its other shape. */
	reading?: string;
	/** What the record shows instead, when it shows something else. */
	shown?: string;
}

/**
 * Where the provider's answer or task shows the request it stored, what it kept is compared with
 * what was sent, so a field it dropped without a word is named on the item (and, for a disputed
 * field, the next submissions send its other documented shape).
 */
export interface ReadBackCapability {
	/** The submit answer shows it (free); otherwise the task is read once, right after submission. */
	fromSubmitAnswer: boolean;
	/** Whether a sent call holds a field the provider could drop without a word. */
	worthReading(call: HttpCall): boolean;
	compare(call: HttpCall, shown: TaskSnapshot): KeptCheck[];
}

/** The shape each reading is built in; a reading that is not listed is built in shape 0. */
export type Shapes = Record<string, string>;

/** What the account has left, as the provider's balance route says. */
export interface Balance {
	/** The credits that can still be spent with this key. */
	credits: number;
	/** The provider's own figures behind it, with camelCase names. */
	details: IDataObject;
}

/** What tasks cost at this provider and how to read the balance. */
export interface CostCapability {
	/** What one credit is, for messages and the README ("EvoLink credits"). */
	unit: string;
	/** Credits a task takes (reserved or charged) as the provider's answer says, if it says. */
	creditsOf(snapshot: TaskSnapshot): number | undefined;
	/** The provider's published credits per image for a request: only an estimate. */
	listPrice?(request: ImageRequest): number | undefined;
	/**
	 * The request fields the price depends on (besides the model), by node parameter name;
	 * default: every model field.
	 */
	pricedBy?: string[];
	balance: { build(): HttpCall; parse(body: unknown): Balance };
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
	/**
	 * Largest input image the provider's pages allow, and where that comes from. Binary inputs
	 * above it are refused before upload; the field hints say it for image URLs.
	 */
	inputImageLimit: { maxBytes: number; source: string };
	/** Everything the adapter assumes about the provider, with sources (nodes/shared/facts.ts). */
	facts: FactTable;
	/** Reading back what the provider kept of a submission (see ReadBackCapability). */
	readBack?: ReadBackCapability;
	/**
	 * The provider's task IDs: their pattern, an example for messages, and a well-formed ID no task
	 * has, read for free to tell a missing route from an unknown task (credential test, probe).
	 */
	taskId: { pattern: RegExp; example: string; madeUp: string };
	/** Submissions carry an idempotency key, so any failed submit may be retried. */
	idempotentSubmit: boolean;
	upload?: UploadCapability;
	mask?: MaskCapability;
	callback?: CallbackCapability;
	statusBatch?: StatusBatchCapability;
	/** Costs and the balance route, where the provider documents them. */
	cost?: CostCapability;
	/** Where the provider's documents disagree on the submission's shape (see WireReading). */
	readings?: WireReading[];
	/** Where the calls go, read from the credential's fields. */
	baseUrls(credentials: IDataObject): BaseUrls;
	/** Provider-only checks on the request (sizes, qualities, extras). */
	validate(request: ImageRequest): FieldProblem[];
	buildSubmit(
		request: ImageRequest,
		imagesInTask: number,
		idempotencyKey: string,
		shapes?: Shapes,
	): HttpCall;
	parseSubmit(body: unknown): TaskSnapshot;
	buildStatus(taskId: string): HttpCall;
	parseStatus(body: unknown): TaskSnapshot;
	parseError(statusCode: number, body: unknown): ProviderError;
	/** One sentence a user can act on, for a failed task's code and message. */
	failureAdvice(error: { code?: string; message: string }): string;
}
