/// <reference types="node" />
/** Types for the plain-JS fake providers in this folder (see README.md). */

export type ProviderKind = 'evolink' | 'starmagic' | 'apiframe';

/** 'poll' matches both one-task status reads and job-list reads. */
export type FaultRoute = 'submit' | 'status' | 'list' | 'poll' | 'download' | 'upload' | 'keycheck' | 'any';

export type FaultMode =
	| 'respond'
	| 'reset'
	| 'resetMidBody'
	| 'delay'
	| 'malformed'
	| 'truncate'
	| 'wrongType'
	| 'drift'
	| 'unknownStatus';

export interface FakeProviderOptions {
	/** Accepted key. Default 'sk-test-key' (EvoLink/StarMagic) or 'afk_test_key' (Apiframe). */
	apiKey?: string;
	/** Time from submission to completion. Default 200. Read when a task is created. */
	taskDurationMs?: number;
	/** EvoLink/StarMagic task_info.estimated_time. Default ceil(duration / 1000). */
	estimatedTimeSeconds?: number;
	/** Result image size in pixels. Default 64 x 64. */
	imageWidth?: number;
	imageHeight?: number;
	/** Pad result images to about this many bytes (streamed, so 100 MB is fine). */
	resultBytes?: number;
	/** Apiframe `result`: `{images:[...]}` (default) or a bare URL string (one image only). */
	apiframeResultShape?: 'object' | 'string';
	/** HTTP status of EvoLink file-API business errors (`success:false`). Default 400. */
	fileErrorStatus?: number;
	/** Clock override; default Date.now. */
	now?: () => number;
	/**
	 * Deliver `callback_url` / `webhookUrl` callbacks. Default true. Read when a task is created.
	 * Only loopback targets (after `callbackRewrite`) are contacted; others are logged as refused.
	 */
	callbacksEnabled?: boolean;
	/**
	 * Maps the URL from the request to the one actually called, so a request can carry a public
	 * https URL that passes validation, e.g. `(u) => u.replace('https://n8n.example.com', 'http://127.0.0.1:5678')`.
	 */
	callbackRewrite?: (url: string) => string;
	/** Apiframe: sign webhooks with this key instead of `apiKey` (to test bad signatures). */
	callbackSignatureKey?: string;
	/** Waits before retry 1, 2, 3 ... after a failed attempt. Default [1000, 2000, 4000]. */
	callbackRetryDelaysMs?: number[];
	/** Per-attempt timeout, response included. Default 10000. */
	callbackTimeoutMs?: number;
}

export interface Fault {
	route: FaultRoute;
	/** How many matching requests get the fault. Default 1; Infinity allowed. */
	times?: number;
	/** Default mode 'respond': HTTP status (default 500). */
	status?: number;
	/** Default mode 'respond': JSON body (a string is sent verbatim); default is the provider's envelope. */
	body?: unknown;
	headers?: Record<string, string>;
	mode?: FaultMode;
	/** Mode 'delay': wait this long, then answer normally. */
	delayMs?: number;
	/** Submit faults only: create and bill the task anyway, then fault the response. */
	createTask?: boolean;
}

export interface RecordedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	/** Parsed JSON, a multipart summary, raw text, or undefined when empty. */
	body: any;
	at: number;
	/** The route the request matched, or null for unknown paths. */
	route: Exclude<FaultRoute, 'any'> | null;
}

export interface MultipartSummary {
	fields: Record<string, string>;
	files: Array<{ field: string; fileName: string; contentType: string | null; size: number }>;
}

/** One callback delivery attempt, logged when it has finished. */
export interface CallbackAttempt {
	taskId: string;
	/** EvoLink/StarMagic: the task status ('completed' | 'failed'); Apiframe: the webhook event. */
	event: string;
	/** The URL called, after `callbackRewrite`. */
	url: string;
	/** 1 for the first try, 2 for the first retry, ... */
	attempt: number;
	/** HTTP status, or null on a network error, timeout or refused (non-loopback) target. */
	status: number | null;
	/** The raw JSON text sent (the signed bytes, for Apiframe). */
	body: string;
	headers: Record<string, string>;
	/** When the attempt started (fake clock). */
	at: number;
	/** Why there was no HTTP status; null otherwise. */
	error: string | null;
}

export interface FakeCounts {
	/** Accepted, billed submissions (an Apiframe idempotent replay is not one). */
	submissions: number;
	/** Every request to the submit route, accepted or not. */
	submitRequests: number;
	/** Apiframe idempotent replays. */
	replays: number;
	statusPolls: number;
	listPolls: number;
	downloads: number;
	uploads: number;
	keyChecks: number;
	total: number;
}

export interface FakeTask {
	id: string;
	model: string;
	body: any;
	createdAt: number;
	durationMs: number;
	/** null for a [never] task. */
	doneAt: number | null;
	outcome: 'completed' | 'failed' | 'never';
	failCode: string | null;
	/** Result URLs (served once the task has completed); empty for failing tasks. */
	images: string[];
	seq: number;
	[extra: string]: unknown;
}

export interface FakeProvider {
	readonly kind: ProviderKind;
	readonly baseUrl: string;
	readonly port: number;
	readonly apiKey: string;
	/** Live options; changes apply to later requests. */
	options: FakeProviderOptions;
	readonly requests: RecordedRequest[];
	readonly counts: FakeCounts;
	readonly tasks: Map<string, FakeTask>;
	/** Every callback/webhook delivery attempt, oldest first. Cleared by reset(). */
	readonly callbacks: CallbackAttempt[];
	readonly pendingFaults: Fault[];
	inject(fault: Fault): void;
	/** Resolves once no callback is scheduled, waiting to retry or in flight. */
	whenCallbacksIdle(): Promise<void>;
	/** Clears logs, tasks, counters and faults, and cancels every pending callback. */
	reset(): void;
	/** Cancels pending callbacks and delays, drops connections and stops the server. */
	close(): Promise<void>;
}

export function startFakeProvider(kind: ProviderKind, options?: FakeProviderOptions): Promise<FakeProvider>;

/** Apiframe's `X-Webhook-Signature` value for `rawBody` under `apiKey`: `sha256=<hex>`. */
export function signApiframeBody(rawBody: string | Buffer, apiKey: string): string;

/** A valid RGB PNG (gradient); `variant` changes the colour. */
export function pngBytes(width?: number, height?: number, variant?: number): Buffer;

export const PROVIDER_KINDS: ProviderKind[];
export const FAULT_ROUTES: FaultRoute[];
export const FAULT_MODES: FaultMode[];

/** One fake per provider, all with the same options, keyed like the nodes. */
export declare function startAllFakes(options?: FakeProviderOptions): Promise<{ starMagic: FakeProvider; evoLink: FakeProvider; apiframe: FakeProvider }>;
