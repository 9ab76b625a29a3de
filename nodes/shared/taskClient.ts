import type { NodeApiError } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Clock } from './clock';
import { fetchImage, shownUrl } from './download';
import { missingRouteText, routeOf } from './guesses';
import type { MissingRoute } from './guesses';
import type { DownloadBounds, DownloadedImage } from './download';
import { plainMessage, providerError, shapeError } from './errors';
import { admitSnapshot, TaskIdRejection } from './gate';
import { ledger } from './ledger';
import { Masker } from './mask';
import { policyFor } from './resultUrls';
import { decideRetry, MAX_ATTEMPTS, parseRetryAfter, retryDelayMs } from './retry';
import type { AttemptFailure, RequestKind } from './retry';
import { ProviderRejection, ResponseShapeError } from './schema';
import type {
	Balance,
	BaseUrls,
	HttpCall,
	ProviderAdapter,
	ProviderError,
	StatusPage,
	TaskSnapshot,
} from './types';
import { exchangeJson } from './exchange';
import { credentialSender, header, MAX_ANSWER_BYTES } from './transport';
import type { HttpContext, NetworkFailure } from './transport';
import { CancelledError, pause } from './wait';

export type { HttpContext };
export { maskSecrets, secretsOf } from './mask';

/** One provider call's outcome: the 2xx body, or why it failed (every text masked). */
type Attempt =
	| { ok: true; body: unknown }
	| { ok: false; failure: AttemptFailure; error: ProviderError; statusCode?: number };

/** Submissions that failed after they were sent: the provider may have the task. */
const uncertainSubmits = new WeakSet<Error>();

export function isUncertainSubmit(error: unknown): boolean {
	return error instanceof Error && uncertainSubmits.has(error);
}

/** Said of such a submission; a retry of the node never sends it again, so this stays true. */
export function uncertainSubmitText(provider: string): string {
	return `The request failed after it was sent, so the provider may have created (and billed) a task. It was not sent again, and Retry On Fail will not send it again either: check your ${provider} dashboard before running the item again.`;
}

/** Errors of a route that answered 404 or 405 without saying the task is unknown. */
const missingRoutes = new WeakMap<Error, MissingRoute>();

/** The route an error's request went to, when that route is not there (see guesses.ts). */
export function missingRouteOf(error: unknown): MissingRoute | undefined {
	return error instanceof Error ? missingRoutes.get(error) : undefined;
}

/**
 * A "not found" says what to check, not the same words again: an unknown task, the Task ID and
 * the account; a route that is not there, that route and the fact it comes from (never the key).
 */
function withNextStep(
	adapter: ProviderAdapter,
	call: HttpCall,
	kind: RequestKind,
	statusCode: number | undefined,
	error: ProviderError,
): ProviderError {
	const provider = adapter.displayName;
	if (error.missing === 'route') {
		const text = missingRouteText(adapter, routeOf(adapter, call));
		return { ...error, description: text };
	}
	if (kind !== 'status' || statusCode !== 404 || error.description) return error;
	return {
		...error,
		description: `Check the Task ID: it must be the taskId of a task made with this ${provider} credential (another account's tasks are not found), and tasks older than about a day may be gone.`,
	};
}

/** Per-call limits, read from the item's options. */
export interface CallLimits {
	itemIndex: number;
	timeoutMs: number;
	/** Retries stop once this instant (ms since epoch) would be passed. */
	deadline: number;
}

/**
 * Submits, polls, uploads and downloads through n8n's HTTP helpers. It knows no provider field:
 * the adapter describes each request as data and reads each response.
 */
export class TaskClient {
	/** Every provider text this client passes on goes through this one masking step. */
	readonly masker: Masker;

	constructor(
		private readonly fn: HttpContext,
		private readonly adapter: ProviderAdapter,
		private readonly urls: BaseUrls,
		private readonly clock: Clock,
		/** The credential's secrets (its API key), masked in any provider text. */
		secrets: string[] = [],
	) {
		this.masker = new Masker(secrets);
	}

	get signal(): AbortSignal | undefined {
		return this.fn.getExecutionCancelSignal?.();
	}

	/** Provider text with the credential's secrets and signed-URL tokens masked. */
	readonly mask = (text: string): string => this.masker.text(text);

	async submit(call: HttpCall, limits: CallLimits): Promise<TaskSnapshot> {
		const body = await this.send(() => call, 'submit', limits);
		return this.admit(body, (b) => this.adapter.parseSubmit(b), limits, 'submit');
	}

	async status(taskId: string, limits: CallLimits): Promise<TaskSnapshot> {
		return await this.readStatus(
			await this.send(() => this.adapter.buildStatus(taskId), 'status', limits),
			limits,
		);
	}

	/** One list page for many tasks: each task's own body, still to be read with readStatus. */
	async statusBatch(taskIds: string[], limits: CallLimits, cursor?: string): Promise<StatusPage> {
		const batch = this.adapter.statusBatch;
		if (!batch) return { tasks: [] };
		const body = await this.send(() => batch.build(taskIds, cursor), 'status', limits);
		return await this.parse(body, (b) => batch.split(b), limits);
	}

	/** Reads one task's status body (from a list), with errors for that task's item. */
	async readStatus(body: unknown, limits: CallLimits): Promise<TaskSnapshot> {
		const snapshot = this.admit(body, (b) => this.adapter.parseStatus(b), limits, 'status');
		ledger.update(snapshot);
		return snapshot;
	}

	/** The account's balance, from the provider's balance route. */
	async balance(limits: CallLimits): Promise<Balance> {
		const cost = this.adapter.cost;
		if (!cost) {
			throw new NodeOperationError(this.fn.getNode(), 'This provider has no balance route');
		}
		const body = await this.send(() => cost.balance.build(), 'status', limits);
		const balance = this.parse(body, (b) => cost.balance.parse(b), limits);
		return { ...balance, details: this.masker.value(balance.details) };
	}

	/** Uploads one file; `open` is called again for every attempt, since a stream is read once. */
	async upload(open: () => Promise<HttpCall>, limits: CallLimits): Promise<string> {
		const upload = this.adapter.upload;
		if (!upload) {
			throw new NodeOperationError(this.fn.getNode(), 'This provider has no file upload');
		}
		const body = await this.send(open, 'upload', limits);
		return this.parse(body, (b) => upload.parse(b), limits);
	}

	/** Streams one result image into n8n's binary store, retrying what a retry can fix. */
	async download(
		url: string,
		fileStem: string,
		bounds: DownloadBounds,
		limits: CallLimits,
	): Promise<DownloadedImage> {
		const policy = policyFor(this.urls.api);
		for (let attempt = 1; ; attempt++) {
			const outcome = await fetchImage(
				this.fn,
				this.clock,
				{ url, fileStem, bounds, requestTimeoutMs: limits.timeoutMs, policy },
				this.masker,
			);
			if ('image' in outcome) return outcome.image;
			if ('fatal' in outcome) throw this.downloadError(url, outcome.fatal, limits, outcome.fix);
			await this.backoffOrThrow('download', outcome.failure, attempt, limits, () =>
				this.downloadError(url, outcome.reason, limits),
			);
		}
	}

	private downloadError(
		url: string,
		reason: string,
		limits: CallLimits,
		fix?: string,
	): NodeApiError {
		return providerError(this.fn.getNode(), {
			provider: this.adapter.displayName,
			error: {
				message: `Could not download the result image: ${reason}`,
				description: `${fix ?? 'Try again later'}. URL: ${shownUrl(url, this.masker)}`,
			},
			itemIndex: limits.itemIndex,
		});
	}

	/**
	 * A task's state from a provider answer, through the gate (nodes/shared/gate.ts): its task ID
	 * checked, its texts masked. A 2xx submit answer that cannot be read this way may still stand
	 * for a paid task, so it is an uncertain submission: never sent again.
	 */
	private admit(
		body: unknown,
		read: (body: unknown) => TaskSnapshot,
		limits: CallLimits,
		kind: 'submit' | 'status',
	): TaskSnapshot {
		try {
			return admitSnapshot(this.adapter, this.parse(body, read, limits), this.masker);
		} catch (caught) {
			const error =
				caught instanceof TaskIdRejection
					? providerError(this.fn.getNode(), {
							provider: this.adapter.displayName,
							error: {
								message: `The provider ${caught.message}`,
								description: `${this.adapter.displayName} task IDs look like ${this.adapter.taskId.example}; the answer was not used`,
							},
							itemIndex: limits.itemIndex,
						})
					: caught;
			if (kind === 'submit' && !this.adapter.idempotentSubmit && error instanceof Error) {
				this.markUncertain(error as NodeApiError);
			}
			throw error;
		}
	}

	private parse<T>(body: unknown, read: (body: unknown) => T, limits: CallLimits): T {
		try {
			return read(body);
		} catch (error) {
			const node = this.fn.getNode();
			const provider = this.adapter.displayName;
			if (error instanceof ResponseShapeError) {
				const masked = new ResponseShapeError(
					error.what,
					this.masker.text(error.field),
					this.masker.text(error.detail),
				);
				throw shapeError(node, provider, masked, limits.itemIndex);
			}
			if (error instanceof ProviderRejection) {
				const code = error.code === undefined ? undefined : this.masker.text(error.code);
				throw providerError(node, {
					provider,
					error: { message: this.masker.text(error.message), code },
					itemIndex: limits.itemIndex,
				});
			}
			throw new NodeOperationError(node, this.masker.text(plainMessage(error)), {
				itemIndex: limits.itemIndex,
			});
		}
	}

	/** One provider call through the HTTP door; a non-2xx answer is read by the adapter. */
	private async attempt(call: HttpCall, timeoutMs: number): Promise<Attempt> {
		const base = call.base === 'files' ? this.urls.files : this.urls.api;
		const answer = await exchangeJson(
			{
				send: credentialSender(this.fn, this.adapter.credentialType),
				clock: this.clock,
				masker: this.masker,
				cancel: this.signal,
				maxBytes: MAX_ANSWER_BYTES,
			},
			{
				method: call.method,
				url: `${base}${call.path}`,
				qs: call.qs,
				headers: call.headers,
				json: call.json,
				multipart: call.multipart,
				timeoutMs,
				redirects: call.method === 'GET' ? 'same-origin' : 'none',
			},
		);
		if (!answer.ok) return answer satisfies NetworkFailure;
		const { statusCode, parsed } = answer;
		if (statusCode >= 200 && statusCode < 300) {
			if (parsed) return { ok: true, body: parsed.value };
			// A cut or garbled JSON answer: as uncertain as a dropped connection.
			return {
				ok: false,
				statusCode,
				failure: { networkCode: 'EBADJSON' },
				error: {
					message: 'The provider sent an unreadable (not JSON) answer',
					description: 'Try again later',
				},
			};
		}
		const error = this.adapter.parseError(statusCode, parsed ? parsed.value : answer.text);
		const retryAfterMs = parseRetryAfter(header(answer.headers, 'retry-after'), this.clock.now());
		const masked: ProviderError = { message: this.masker.text(error.message) };
		if (error.code !== undefined) masked.code = this.masker.text(error.code);
		if (error.description !== undefined) masked.description = this.masker.text(error.description);
		if (error.missing !== undefined) masked.missing = error.missing;
		return { ok: false, statusCode, failure: { statusCode, retryAfterMs }, error: masked };
	}

	/** Sends one provider call with the retry policy; returns the parsed 2xx body. */
	private async send(
		build: () => HttpCall | Promise<HttpCall>,
		kind: RequestKind,
		limits: CallLimits,
	): Promise<unknown> {
		for (let attempt = 1; ; attempt++) {
			const call = await build();
			const result = await this.attempt(call, limits.timeoutMs);
			if (result.ok) return result.body;
			if (this.signal?.aborted) throw new CancelledError();
			const error = () => {
				const made = providerError(this.fn.getNode(), {
					provider: this.adapter.displayName,
					statusCode: result.statusCode,
					error: withNextStep(this.adapter, call, kind, result.statusCode, result.error),
					itemIndex: limits.itemIndex,
				});
				if (result.error.missing === 'route') missingRoutes.set(made, routeOf(this.adapter, call));
				return made;
			};
			await this.backoffOrThrow(kind, result.failure, attempt, limits, error);
		}
	}

	/** A submission that failed after it was sent: it may be billed, and is never sent again. */
	private markUncertain(error: NodeApiError): void {
		const before = error.description ? `${error.description}. ` : '';
		error.description = `${before}${uncertainSubmitText(this.adapter.displayName)}`;
		uncertainSubmits.add(error);
	}

	private async backoffOrThrow(
		kind: RequestKind,
		failure: AttemptFailure,
		attempt: number,
		limits: CallLimits,
		error: () => NodeApiError,
	): Promise<void> {
		const decision = decideRetry(kind, failure, this.adapter.idempotentSubmit);
		const delay = retryDelayMs(attempt, failure);
		if (!decision.retry || attempt >= MAX_ATTEMPTS || this.clock.now() + delay > limits.deadline) {
			const final = error();
			if (decision.mayHaveCreatedTask) this.markUncertain(final);
			throw final;
		}
		await pause(delay, this.clock, this.signal);
	}
}
