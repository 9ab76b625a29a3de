/** The public types of the fake providers (see README.md). */
import type { ProviderDefinition } from '../../nodes/shared/provider';
import type { TestClock } from '../tools/clock';

/** A registry key (`PROVIDERS[i].key` in nodes/providers.ts). */
export type ProviderKey = string;

/** The documented wire formats the fakes implement (`ProviderAdapter.wireFormat`). */
export type WireFormat = ProviderDefinition['adapter']['wireFormat'];

/** The routes requests are counted and faulted by. */
export type RequestRoute = 'submit' | 'status' | 'list' | 'download' | 'upload' | 'keycheck';

/** 'poll' matches both one-task status reads and job-list reads; 'any' matches every request. */
export type FaultRoute = RequestRoute | 'poll' | 'any';

export type FaultMode =
	| 'respond'
	| 'reset'
	| 'resetMidBody'
	| 'delay'
	| 'malformed'
	| 'truncate'
	| 'wrongType'
	| 'drift'
	| 'unknownStatus'
	| 'drip'
	| 'huge';

/**
 * Which reading of Apiframe's documents the fake follows, where the OpenAPI schema (with the
 * webhook docs and the SDK) and the GPT Image model page disagree (README, "Readings").
 * `SCHEMA_READING` is the default, `PAGE_READING` follows the model page.
 */
export interface ApiframeReading {
	/**
	 * Webhook field name: 'webhookUrl' (+ 'webhookEvents'; OpenAPI schema, webhook docs, SDK) or
	 * 'webhook_url' (the model page's FAQ: "common prompt, webhook_url fields"; no events field).
	 */
	webhookField: 'webhookUrl' | 'webhook_url';
	/**
	 * `gptImageParams` / `gptImage2Params` `input_images`: 'array' (schema: array of URIs or null)
	 * or 'string' (model page: "string (URL)", and every example passes one string).
	 */
	inputImages: 'array' | 'string';
	/** `output_format` when the request omits it: 'webp' (schema) or 'png' (model page). */
	outputFormatDefault: 'webp' | 'png';
	/**
	 * Where `aspect_ratio` is read: 'params' (schema: inside the params object) or 'top' (the model
	 * page lists the aspect ratio as a feature, not among its 6 model params: a top-level field).
	 */
	aspectRatio: 'params' | 'top';
	/**
	 * A key the reading does not know: 'reject' (schema `additionalProperties: false`: 400
	 * "Validation failed" with `{<path>: ['Unrecognized key']}`) or 'ignore' (accepted and dropped
	 * before the job is created: a paid job whose webhook, if misspelt, never comes).
	 */
	unknownKeys: 'reject' | 'ignore';
	/**
	 * Webhook signature key: 'digest' (SDK: HMAC keyed by the raw 32-byte SHA-256 digest of the
	 * API key) or 'hex' (the docs' "SHA256(apiKey)" read as the 64-character hex string).
	 */
	signatureKey: 'digest' | 'hex';
	/**
	 * `job.webhookStatus` words after a delivery: 'schema' (`delivered` / `failed`) or 'docs' (the
	 * docs' example value `sent` once a delivery succeeded, `failed` otherwise).
	 */
	webhookStatusWords: 'schema' | 'docs';
}

/**
 * Which reading of the unified task API's pages (StarMagic, EvoLink) the fake follows where they
 * disagree (README, "Readings"). `UNIFIED_SCHEMA_READING` is the default.
 */
export interface UnifiedReading {
	/**
	 * The 2000 prompt limit (gpt-image-1.5, gpt-image-1): 'characters' (schema `maxLength: 2000`,
	 * counted in code points) or 'tokens' (the pages' text "2000 tokens", estimated as
	 * `ceil(utf8Bytes / 4)`). gpt-image-2's 32000 code points are not affected.
	 */
	promptLimit: 'characters' | 'tokens';
	/**
	 * Max size of each `image_urls` image in MB (1024 x 1024 bytes): 50 (English pages) or 10
	 * (Korean pages). Checked at submit only for URLs of this fake's own file host or /samples,
	 * whose sizes the fake knows; other URLs are not checked.
	 */
	inputImageMaxMb: 50 | 10;
}

export interface FakeProviderOptions {
	/** Accepted key. Default 'sk-test-key' (unified task API) or 'afk_test_key' (Apiframe). */
	apiKey?: string;
	/** Time from submission to completion, on `clock`. Default 200. Read when a task is created. */
	taskDurationMs?: number;
	/** Unified task API `task_info.estimated_time`. Default ceil(duration / 1000). */
	estimatedTimeSeconds?: number;
	/** Result image size in pixels. Default 64 x 64. */
	imageWidth?: number;
	imageHeight?: number;
	/** Pad result images to about this many bytes (streamed, so 100 MB is fine). */
	resultBytes?: number;
	/** Apiframe `result`: `{images:[...]}` (default) or a bare URL string (one image only). */
	apiframeResultShape?: 'object' | 'string';
	/** HTTP status of files-API business errors (`success:false`). Default 400. */
	fileErrorStatus?: number;
	/**
	 * Where every time read and timer of the fake goes: task timing, callback schedules, retry
	 * waits and attempt timeouts, the 'delay' fault, timestamps in bodies. Default `wallClock`.
	 * Timers already set stay on the clock that set them.
	 */
	clock?: TestClock;
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
	/**
	 * Credits on the account. Each task's cost is taken when it is created and given back if it
	 * fails; a submission that costs more than what is left gets the provider's 402. Default
	 * 1095.3996 (unified task API, the documented example) or 1000 (Apiframe). Live.
	 */
	balance?: number;
	/**
	 * What the balance route reports instead of the wallet's figure (a stale or odd account
	 * view); the wallet and its 402 are unaffected. Default: the wallet's own figure. Live.
	 */
	balanceShown?: number;
	/**
	 * What the answers show as a task's price, in place of `usage.credits_reserved` (unified task
	 * API) or `creditCost` (Apiframe): a hostile or odd provider. Return `undefined` to leave the
	 * price out entirely (no `usage`, no `creditCost`). The wallet still charges the real price.
	 * Default: the real price. Live.
	 */
	priceShown?: (task: FakeTask) => unknown;
	/**
	 * Unified task API: credit limit of the API key itself (`data.token`), null = unlimited.
	 * Default 99416.4429 (the documented example). Live.
	 */
	keyCredits?: number | null;
	/** Waits (clock time) before retry 1, 2, 3 ... after a failed attempt. Default [1000, 2000, 4000]. */
	callbackRetryDelaysMs?: number[];
	/** Per-attempt timeout (clock time), response included. Default 10000. */
	callbackTimeoutMs?: number;
	/**
	 * Which reading of Apiframe's documents the fake follows (see README "Readings"). Default
	 * SCHEMA_READING; missing fields keep their SCHEMA_READING value. Validation reads it per
	 * request; a job keeps the reading it was created under (webhook field, output format,
	 * signature form, webhookStatus words).
	 */
	apiframeReading?: Partial<ApiframeReading>;
	/**
	 * Apiframe: the job object carries `input`, the body the job was created from (after the
	 * reading dropped unknown keys). Default false (the schema marks `input` optional).
	 */
	apiframeJobShowsInput?: boolean;
	/**
	 * Which reading of the unified task API's pages the fake follows (see README "Readings").
	 * Default UNIFIED_SCHEMA_READING; missing fields keep its values. Read per request.
	 */
	unifiedReading?: Partial<UnifiedReading>;
	/**
	 * Facts of the provider's fact table (nodes/shared/facts.ts), by name, that the fake plays
	 * unlike the package assumes them, so `npm run probe -- --against-fakes` can show that each
	 * checked fact can be reported DIFFERS (README, "Playing a fact wrong"). Live.
	 */
	wrongFacts?: string[];
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
	/** Mode 'delay': wait this long on the fake's clock, then answer normally. */
	delayMs?: number;
	/** Mode 'drip': the normal answer, one byte every `dripMs` of the fake's clock. Default 500. */
	dripMs?: number;
	/** Mode 'huge': a 200 JSON answer of this many bytes. Default 40 MB. */
	hugeBytes?: number;
	/** Submit faults only: create and bill the task anyway, then fault the response. */
	createTask?: boolean;
}

export interface RecordedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	/** Lower-case names. */
	headers: Record<string, string | string[] | undefined>;
	/**
	 * Parsed JSON, a multipart summary (`MultipartSummary`), raw text, or undefined when empty.
	 * Typed `any` on purpose: tests read fields of the client's JSON (`body.prompt`) directly.
	 */
	body: any;
	/** When the request was read (fake clock). */
	at: number;
	/** The route the request matched, or null for unknown paths and shared samples. */
	route: RequestRoute | null;
}

export interface MultipartSummary {
	fields: Record<string, string>;
	files: Array<{ field: string; fileName: string; contentType: string | null; size: number }>;
}

/** One callback delivery attempt, logged when it has finished. */
export interface CallbackAttempt {
	taskId: string;
	/** Unified task API: the task status ('completed' | 'failed'); Apiframe: the webhook event. */
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
	/**
	 * The request body that created the task (see RecordedRequest.body). Apiframe: the body after
	 * the reading dropped unknown keys (`apiframeReading.unknownKeys: 'ignore'`); the request as
	 * sent is in `fake.requests`.
	 */
	body: any;
	/** Fake clock times. */
	createdAt: number;
	durationMs: number;
	/** null for a [never] task. */
	doneAt: number | null;
	outcome: 'completed' | 'failed' | 'never';
	failCode: string | null;
	/** Result URLs (served once the task has completed); empty for failing tasks. */
	images: string[];
	seq: number;
	/** Unified task API: `usage` and `task_info.estimated_time` as shown. */
	usage?: { billing_rule: string; credits_reserved: number; user_group: string };
	estimatedTime?: number;
	/** Apiframe job fields. */
	creditCost?: number;
	outputFormat?: string;
	idempotencyKey?: string | null;
	/** Apiframe: the aspect ratio applied (read where the job's reading says; default '1:1'). */
	aspectRatio?: string;
	/** Apiframe: the webhook target read from the reading's field; null = none requested. */
	webhookUrl?: string | null;
	/** Apiframe: `webhookEvents` as requested; null = absent (the default events apply). */
	webhookEvents?: string[] | null;
	/** Apiframe: the reading the job was created under (complete, defaults filled in). */
	apiframeReading?: ApiframeReading;
	/** null = no webhook planned; 'sent' only under `webhookStatusWords: 'docs'`. */
	webhookStatus?: 'pending' | 'delivered' | 'sent' | 'failed' | null;
	webhookSeq?: number;
}

/** A request served in-process by `FakeProvider.request()`. */
export interface InProcessRequest {
	method: string;
	/** Absolute: `${fake.baseUrl}/v1/...`, query string allowed. */
	url: string;
	headers?: Record<string, string>;
	/** A Buffer or string is sent as is; any other object as JSON. */
	body?: Buffer | string | object;
}

export interface InProcessResponse {
	statusCode: number;
	/** Lower-case names, Content-Length included. */
	headers: Record<string, string>;
	/** The exact bytes of a JSON or text reply; a stream for images and files. */
	body: Buffer | NodeJS.ReadableStream;
}

export interface FakeProvider {
	/** The registry key (`ProviderDefinition.key`). */
	readonly key: string;
	readonly wireFormat: WireFormat;
	/** The registry entry this fake serves. */
	readonly provider: ProviderDefinition;
	/** Model ids offered (from `provider.adapter.models`). */
	readonly models: readonly string[];
	/** Whether the files API is served (`provider.adapter.upload` is defined). */
	readonly filesApi: boolean;
	readonly baseUrl: string;
	readonly port: number;
	readonly apiKey: string;
	/** The fake's clock (`options.clock` or `wallClock`). */
	readonly clock: TestClock;
	/** Live options; changes apply to later requests. */
	options: FakeProviderOptions;
	readonly requests: RecordedRequest[];
	readonly counts: FakeCounts;
	readonly tasks: Map<string, FakeTask>;
	/** Every callback/webhook delivery attempt, oldest first. Cleared by reset(). */
	readonly callbacks: CallbackAttempt[];
	readonly pendingFaults: Fault[];
	inject(fault: Fault): void;
	/**
	 * Serves one request without a socket: same routes, auth, counters, log, faults and handlers
	 * as the HTTP server. Rejects with `code: 'ECONNRESET'` where a socket would be reset.
	 */
	request(req: InProcessRequest): Promise<InProcessResponse>;
	/** Resolves once no callback is scheduled, waiting to retry or in flight. */
	whenCallbacksIdle(): Promise<void>;
	/** Clears logs, tasks, counters and faults, and cancels every pending callback. */
	reset(): void;
	/** Cancels pending callbacks and delays, drops connections and stops the server. */
	close(): Promise<void>;
}
