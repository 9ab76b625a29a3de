import type { IDataObject, IExecuteFunctions, INode, NodeApiError } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Clock } from './clock';
import { fetchImage } from './download';
import type { DownloadBounds, DownloadedImage } from './download';
import { plainMessage, providerError, shapeError } from './errors';
import { taskLedger } from './ledger';
import { policyFor } from './resultUrls';
import { decideRetry, MAX_ATTEMPTS, retryDelayMs } from './retry';
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
import { attempt as sendOnce } from './transport';
import { CancelledError, pause } from './wait';

/**
 * What the task client needs from n8n: a node's execute context, or the trigger's webhook context
 * (which has the same HTTP and binary helpers but no cancel signal).
 */
export interface HttpContext {
	getNode(): INode;
	getExecutionCancelSignal?(): AbortSignal | undefined;
	helpers: Pick<
		IExecuteFunctions['helpers'],
		'httpRequest' | 'httpRequestWithAuthentication' | 'prepareBinaryData'
	> &
		// n8n 2.28 and later; older hosts leave result URLs to the node's own rules.
		Partial<Pick<IExecuteFunctions['helpers'], 'getSecureEgressFilter'>>;
}

/** Submissions that failed after they were sent: the provider may have the task. */
const uncertainSubmits = new WeakSet<Error>();

export function isUncertainSubmit(error: unknown): boolean {
	return error instanceof Error && uncertainSubmits.has(error);
}

/** Said of such a submission; a retry of the node never sends it again, so this stays true. */
export function uncertainSubmitText(provider: string): string {
	return `The request failed after it was sent, so the provider may have created (and billed) a task. It was not sent again, and Retry On Fail will not send it again either: check your ${provider} dashboard before running the item again.`;
}

/** A status read the provider answers "not found" says what to check, not the same words again. */
function withNextStep(
	kind: RequestKind,
	statusCode: number | undefined,
	error: ProviderError,
	provider: string,
): ProviderError {
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

/** The credential's secret values (API keys, tokens), to keep them out of every message. */
export function secretsOf(credentials: IDataObject): string[] {
	return Object.entries(credentials)
		.filter(([name, value]) => typeof value === 'string' && /key|secret|token|password/i.test(name))
		.map(([, value]) => value as string);
}

/** Replaces every secret (and its URL-encoded form) in a text with "***". */
export function maskSecrets(text: string, secrets: string[]): string {
	let masked = text;
	for (const secret of secrets) {
		if (secret.length < 4) continue;
		for (const form of new Set([secret, encodeURIComponent(secret)]))
			masked = masked.split(form).join('***');
	}
	return masked;
}

/**
 * Submits, polls, uploads and downloads through n8n's HTTP helpers. It knows no provider field:
 * the adapter describes each request as data and reads each response.
 */
export class TaskClient {
	constructor(
		private readonly fn: HttpContext,
		private readonly adapter: ProviderAdapter,
		private readonly urls: BaseUrls,
		private readonly clock: Clock,
		/** The credential's secrets (its API key), masked in any provider text. */
		private readonly secrets: string[] = [],
	) {}

	get signal(): AbortSignal | undefined {
		return this.fn.getExecutionCancelSignal?.();
	}

	async submit(call: HttpCall, limits: CallLimits): Promise<TaskSnapshot> {
		return await this.parse(
			await this.send(() => call, 'submit', limits),
			(b) => this.adapter.parseSubmit(b),
			limits,
		);
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
		const snapshot = await this.parse(body, (b) => this.adapter.parseStatus(b), limits);
		taskLedger.update(snapshot);
		return snapshot;
	}

	/** The account's balance, from the provider's balance route. */
	async balance(limits: CallLimits): Promise<Balance> {
		const cost = this.adapter.cost;
		if (!cost) {
			throw new NodeOperationError(this.fn.getNode(), 'This provider has no balance route');
		}
		const body = await this.send(() => cost.balance.build(), 'status', limits);
		return await this.parse(body, (b) => cost.balance.parse(b), limits);
	}

	/** Uploads one file; `open` is called again for every attempt, since a stream is read once. */
	async upload(open: () => Promise<HttpCall>, limits: CallLimits): Promise<string> {
		const upload = this.adapter.upload;
		if (!upload) {
			throw new NodeOperationError(this.fn.getNode(), 'This provider has no file upload');
		}
		const body = await this.send(open, 'upload', limits);
		return await this.parse(body, (b) => upload.parse(b), limits);
	}

	/** Streams one result image into n8n's binary store, retrying what a retry can fix. */
	async download(
		url: string,
		fileStem: string,
		bounds: DownloadBounds,
		limits: CallLimits,
	): Promise<DownloadedImage> {
		for (let attempt = 1; ; attempt++) {
			const policy = policyFor(this.urls.api);
			const outcome = await fetchImage(this.fn, this.clock, {
				url,
				fileStem,
				bounds,
				limits,
				policy,
			});
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
		const shortUrl = url.length > 120 ? `${url.slice(0, 117)}...` : url;
		return providerError(this.fn.getNode(), {
			provider: this.adapter.displayName,
			error: {
				message: `Could not download the result image: ${reason}`,
				description: `${fix ?? 'Try again later'}. URL: ${shortUrl}`,
			},
			itemIndex: limits.itemIndex,
		});
	}

	private async parse<T>(
		body: unknown,
		read: (body: unknown) => T,
		limits: CallLimits,
	): Promise<T> {
		try {
			return read(body);
		} catch (error) {
			if (error instanceof ResponseShapeError) {
				throw shapeError(this.fn.getNode(), this.adapter.displayName, error, limits.itemIndex);
			}
			if (error instanceof ProviderRejection) {
				throw providerError(this.fn.getNode(), {
					provider: this.adapter.displayName,
					error: { message: error.message, code: error.code },
					itemIndex: limits.itemIndex,
				});
			}
			throw new NodeOperationError(this.fn.getNode(), plainMessage(error), {
				itemIndex: limits.itemIndex,
			});
		}
	}

	/** Sends one provider call with the retry policy; returns the parsed 2xx body. */
	private async send(
		build: () => HttpCall | Promise<HttpCall>,
		kind: RequestKind,
		limits: CallLimits,
	): Promise<unknown> {
		const transport = { fn: this.fn, adapter: this.adapter, clock: this.clock, mask: this.mask };
		for (let attempt = 1; ; attempt++) {
			const call = await build();
			const base = call.base === 'files' ? this.urls.files : this.urls.api;
			const result = await sendOnce(transport, call, `${base}${call.path}`, limits.timeoutMs);
			if (result.ok) return result.body;
			if (this.signal?.aborted) throw new CancelledError();
			const error = () =>
				providerError(this.fn.getNode(), {
					provider: this.adapter.displayName,
					statusCode: result.statusCode,
					error: withNextStep(kind, result.statusCode, result.error, this.adapter.displayName),
					itemIndex: limits.itemIndex,
				});
			await this.backoffOrThrow(kind, result.failure, attempt, limits, error);
		}
	}

	/** Provider text with the credential's secrets replaced, so no key reaches a message or log. */
	readonly mask = (text: string): string => maskSecrets(text, this.secrets);

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
			if (decision.mayHaveCreatedTask) {
				const before = final.description ? `${final.description}. ` : '';
				final.description = `${before}${uncertainSubmitText(this.adapter.displayName)}`;
				uncertainSubmits.add(final);
			}
			throw final;
		}
		await pause(delay, this.clock, this.signal);
	}
}
