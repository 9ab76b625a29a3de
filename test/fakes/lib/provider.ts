/**
 * The contract between the provider-independent server (server.ts) and a wire-format module
 * (unifiedTask.ts, apiframe.ts): what a module supplies, and what its handlers may use.
 */
import type { Delivery } from './callbacks';
import type { QueuedFault } from './faults';
import type { HeaderMap, Reply } from './http';
import type { MultipartParts } from './multipart';
import type { TaskState } from './taskTiming';
import type {
	FakeProviderOptions,
	FakeTask,
	RecordedRequest,
	RequestRoute,
	WireFormat,
} from '../types';

/** A request as handlers see it. */
export interface Call extends Omit<RecordedRequest, 'body'> {
	/** Parsed JSON, a multipart summary, raw text, or undefined when empty. */
	body: unknown;
	rawBody: Buffer;
	/** Multipart fields and file bytes, when the body was multipart. */
	parts: MultipartParts | null;
	jsonError?: string;
	multipartError?: string;
	/** Decoded capture groups of the route pattern. */
	params: string[];
	fault: QueuedFault | null;
}

export interface StoredFile {
	data: Buffer;
	contentType: string;
	fileName?: string;
}

/** Per-fake state a module keeps besides tasks; recreated by reset(). */
export interface Store {
	files: Map<string, StoredFile>;
	/** Apiframe: Idempotency-Key -> the request it first came with. */
	idempotency: Map<string, { fingerprint: string; jobId: string }>;
}

export interface NewTask {
	id: string;
	model: string;
	body: unknown;
	prompt: unknown;
	imageCount: number;
	/** The URL of result `index` (1-based). */
	imageUrl(index: number): string;
	extra?: Partial<FakeTask>;
}

/** What handlers may use; everything stateful goes through here. */
export interface Ctx {
	/** Live options, `apiKey` filled in. */
	readonly options: FakeProviderOptions & { apiKey: string };
	readonly tasks: Map<string, FakeTask>;
	readonly store: Store;
	readonly baseUrl: string;
	/** The fake's clock time. */
	now(): number;
	countReplay(): void;
	/** Creates, stores and bills a task, and plans its callbacks. */
	createTask(spec: NewTask): FakeTask;
	/** Current phase of a task as seen by `call` (a 'drift' fault shows it finished). */
	phase(task: FakeTask, call?: Call): TaskState;
	/** Runs `job()` once the task has finished by the clock (never for a [never] task). */
	whenFinished(task: FakeTask, job: () => unknown): void;
	/** Runs `job()` `offsetMs` after the task was created. */
	atTaskTime(task: FakeTask, offsetMs: number, job: () => unknown): void;
	/** Delivers with retries; true = delivered, false = gave up, null = cancelled. */
	deliverCallback(delivery: Delivery): Promise<boolean | null>;
}

export type Handler = (call: Call, ctx: Ctx) => Reply | Promise<Reply>;

export interface RouteDef {
	method: 'GET' | 'POST';
	pattern: RegExp;
	/** Counter and fault route; null = not counted (shared samples). */
	route: RequestRoute | null;
	auth: boolean;
	handler: Handler;
}

/** What a wire-format module supplies. */
export interface WireFormatModule {
	wireFormat: WireFormat;
	defaultApiKey: string;
	/** Where status replies carry result URLs (renamed by the 'drift' fault). */
	resultField: string;
	routes: RouteDef[];
	/** An error reply when the key is wrong, else null. */
	checkAuth(call: Call, ctx: Ctx, route: RequestRoute | null): Reply | null;
	/** The provider's own error envelope for `status` on `route`. */
	errorReply(status: number, route: RequestRoute | null): Reply;
	notFound(call: Call): Reply;
	/** Headers on every reply (Apiframe's x-request-id). */
	extraHeaders?(): HeaderMap;
	/** Plans callbacks for a new task (only called while callbacks are enabled). */
	scheduleCallbacks?(task: FakeTask, ctx: Ctx): void;
}

/** What the registry entry decides for a module: its key, models offered and files API. */
export interface Offer {
	key: string;
	models: readonly string[];
	filesApi: boolean;
}

/** Whether the fake plays this fact of the provider's table wrong (`options.wrongFacts`). */
export function plays(ctx: Pick<Ctx, 'options'>, fact: string): boolean {
	return ctx.options.wrongFacts?.includes(fact) ?? false;
}

/** A route the fake plays missing: it answers as an unknown path does. */
export function unless(fact: string, handler: Handler, notFound: (call: Call) => Reply): Handler {
	return (call, ctx) => (plays(ctx, fact) ? notFound(call) : handler(call, ctx));
}
