import type { IBinaryData, IDataObject, IExecuteFunctions, IHttpRequestOptions, IN8nHttpFullResponse, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { NodeApiError } from 'n8n-workflow';

import { DownloadLimitError, formatMb, multipartBody, storeStream } from './binary';
import { networkCode, plainMessage, providerError, shapeError } from './errors';
import { decideRetry, MAX_ATTEMPTS, parseRetryAfter, retryDelayMs } from './retry';
import type { AttemptFailure, RequestKind } from './retry';
import { ProviderRejection, ResponseShapeError } from './schema';
import type { BinaryStream, HttpCall, ProviderAdapter, TaskSnapshot } from './types';
import { CancelledError, pause } from './wait';

/**
 * What the task client needs from n8n: a node's execute context, or the trigger's webhook context
 * (which has the same HTTP and binary helpers but no cancel signal).
 */
export interface HttpContext {
	getNode(): INode;
	getExecutionCancelSignal?(): AbortSignal | undefined;
	helpers: Pick<IExecuteFunctions['helpers'], 'httpRequest' | 'httpRequestWithAuthentication' | 'prepareBinaryData'>;
}

export interface BaseUrls {
	api: string;
	files: string;
}

/** Per-call limits, read from the item's options. */
export interface CallLimits {
	itemIndex: number;
	timeoutMs: number;
	/** Retries stop once this instant (ms since epoch) would be passed. */
	deadline: number;
}

/** Limits of one result download: size, and total time from the first byte. */
export interface DownloadBounds {
	maxBytes: number;
	timeoutMs: number;
}

export interface DownloadedImage {
	binary: IBinaryData;
	mimeType: string;
}

type DownloadOutcome =
	| { image: DownloadedImage }
	| { fatal: string; fix?: string }
	| { failure: AttemptFailure; reason: string };

const IMAGE_EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
};

function header(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	return value === undefined || value === null ? undefined : String(value);
}

/** Axios hands back the raw text when a JSON answer does not parse. */
function isUnparsedJson(response: IN8nHttpFullResponse): boolean {
	if (typeof response.body !== 'string') return false;
	const type = String(response.headers?.['content-type'] ?? '');
	return type.includes('json') || response.body.trim().startsWith('{');
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
	) {}

	get signal(): AbortSignal | undefined {
		return this.fn.getExecutionCancelSignal?.();
	}

	async submit(call: HttpCall, limits: CallLimits): Promise<TaskSnapshot> {
		return await this.parse(await this.send(() => call, 'submit', limits), (b) => this.adapter.parseSubmit(b), limits);
	}

	async status(taskId: string, limits: CallLimits): Promise<TaskSnapshot> {
		return await this.readStatus(await this.send(() => this.adapter.buildStatus(taskId), 'status', limits), limits);
	}

	/** One list request for many tasks: each task's own body, still to be read with readStatus. */
	async statusBatch(taskIds: string[], limits: CallLimits): Promise<Array<{ taskId: string; body: unknown }>> {
		const { buildStatusBatch, splitStatusBatch } = this.adapter;
		if (!buildStatusBatch || !splitStatusBatch) return [];
		const body = await this.send(() => buildStatusBatch.call(this.adapter, taskIds), 'status', limits);
		return await this.parse(body, (b) => splitStatusBatch.call(this.adapter, b), limits);
	}

	/** Reads one task's status body (from a list), with errors for that task's item. */
	async readStatus(body: unknown, limits: CallLimits): Promise<TaskSnapshot> {
		return await this.parse(body, (b) => this.adapter.parseStatus(b), limits);
	}

	/** Uploads one file; `open` is called again for every attempt, since a stream is read once. */
	async upload(open: () => Promise<HttpCall>, limits: CallLimits): Promise<string> {
		const { parseUpload } = this.adapter;
		if (!parseUpload) throw new NodeOperationError(this.fn.getNode(), 'This provider has no file upload');
		const body = await this.send(open, 'upload', limits);
		return await this.parse(body, (b) => parseUpload.call(this.adapter, b), limits);
	}

	/** Streams one result image into n8n's binary store, retrying what a retry can fix. */
	async download(url: string, fileStem: string, bounds: DownloadBounds, limits: CallLimits): Promise<DownloadedImage> {
		for (let attempt = 1; ; attempt++) {
			const outcome = await this.tryDownload(url, fileStem, bounds, limits);
			if ('image' in outcome) return outcome.image;
			if ('fatal' in outcome) throw this.downloadError(url, outcome.fatal, limits, outcome.fix);
			await this.backoffOrThrow('download', outcome.failure, attempt, limits, () => this.downloadError(url, outcome.reason, limits));
		}
	}

	private async tryDownload(url: string, fileStem: string, bounds: DownloadBounds, limits: CallLimits): Promise<DownloadOutcome> {
		const { maxBytes } = bounds;
		let response: IN8nHttpFullResponse;
		try {
			response = (await this.fn.helpers.httpRequest({
				method: 'GET',
				url,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: limits.timeoutMs,
				abortSignal: this.signal,
			})) as IN8nHttpFullResponse;
		} catch (error) {
			return { failure: { networkCode: networkCode(error) ?? 'EDOWNLOAD' }, reason: plainMessage(error) };
		}
		const body = response.body as BinaryStream;
		const { statusCode } = response;
		const mimeType = (header(response.headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
		const length = Number(header(response.headers, 'content-length'));
		const announced = Number.isFinite(length) && length > 0 ? length : undefined;
		if (statusCode < 200 || statusCode >= 300 || !mimeType.startsWith('image/') || (announced ?? 0) > maxBytes) body.destroy();
		if (statusCode === 404 || statusCode === 410 || statusCode === 403) {
			return { fatal: `the image URL answered ${statusCode}`, fix: 'Result URLs expire about 24 hours after the task finished; run the task again if it is older' };
		}
		if (statusCode < 200 || statusCode >= 300) {
			return { failure: { statusCode, retryAfterMs: parseRetryAfter(header(response.headers, 'retry-after')) }, reason: `the image URL answered ${statusCode}` };
		}
		if (!mimeType.startsWith('image/')) return { fatal: `the server sent "${mimeType || 'no content type'}" instead of an image` };
		if (announced !== undefined && announced > maxBytes) {
			return { fatal: `the image is ${formatMb(announced)}, above the ${formatMb(maxBytes)} limit`, fix: 'Raise Max Download Size (MB) in Options' };
		}
		const extension = IMAGE_EXTENSIONS[mimeType] ?? mimeType.slice(6);
		try {
			const binary = await storeStream(this.fn, body, `${fileStem}.${extension}`, mimeType, { ...bounds, deadline: Date.now() + bounds.timeoutMs }, announced);
			return { image: { binary, mimeType } };
		} catch (error) {
			if (error instanceof DownloadLimitError && error.fatal) return { fatal: error.message, fix: error.fix };
			const reason = error instanceof DownloadLimitError ? error.message : `the connection broke off during the download (${plainMessage(error)})`;
			return { failure: { networkCode: networkCode(error) ?? 'EDOWNLOAD' }, reason };
		}
	}

	private downloadError(url: string, reason: string, limits: CallLimits, fix?: string): NodeApiError {
		const shortUrl = url.length > 120 ? `${url.slice(0, 117)}...` : url;
		return providerError(
			this.fn.getNode(),
			this.adapter.displayName,
			undefined,
			{ message: `Could not download the result image: ${reason}`, description: `${fix ?? 'Try again later'}. URL: ${shortUrl}` },
			limits.itemIndex,
		);
	}

	private async parse<T>(body: unknown, read: (body: unknown) => T, limits: CallLimits): Promise<T> {
		try {
			return read(body);
		} catch (error) {
			if (error instanceof ResponseShapeError) {
				throw shapeError(this.fn.getNode(), this.adapter.displayName, error, limits.itemIndex);
			}
			if (error instanceof ProviderRejection) {
				throw providerError(this.fn.getNode(), this.adapter.displayName, undefined, { message: error.message, code: error.code }, limits.itemIndex);
			}
			throw new NodeOperationError(this.fn.getNode(), plainMessage(error), { itemIndex: limits.itemIndex });
		}
	}

	private toRequest(call: HttpCall, timeoutMs: number): IHttpRequestOptions {
		const base = call.base === 'files' ? this.urls.files : this.urls.api;
		const options: IHttpRequestOptions = {
			method: call.method,
			url: `${base}${call.path}`,
			qs: call.qs,
			headers: { ...(call.headers ?? {}) },
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: timeoutMs,
			json: true,
		};
		if (call.json) options.body = call.json;
		if (call.multipart) {
			const multipart = multipartBody(call.multipart);
			options.body = multipart.body as unknown as Buffer;
			options.headers!['Content-Type'] = multipart.contentType;
			if (multipart.contentLength !== undefined) options.headers!['Content-Length'] = multipart.contentLength;
		}
		return options;
	}

	/** Sends one provider call with the retry policy; returns the parsed 2xx body. */
	private async send(build: () => HttpCall | Promise<HttpCall>, kind: RequestKind, limits: CallLimits): Promise<unknown> {
		for (let attempt = 1; ; attempt++) {
			let failure: AttemptFailure;
			let error: () => NodeApiError;
			const call = await build();
			try {
				const response = (await this.fn.helpers.httpRequestWithAuthentication.call(
					this.fn as IExecuteFunctions,
					this.adapter.credentialType,
					this.toRequest(call, limits.timeoutMs),
				)) as IN8nHttpFullResponse;
				const statusCode = response.statusCode;
				if (statusCode >= 200 && statusCode < 300) {
					if (!isUnparsedJson(response)) return response.body;
					// A cut or garbled JSON answer: as uncertain as a dropped connection.
					failure = { networkCode: 'EBADJSON' };
					error = () =>
						providerError(this.fn.getNode(), this.adapter.displayName, statusCode, { message: 'The provider sent an unreadable (not JSON) answer', description: 'Try again later' }, limits.itemIndex);
				} else {
					failure = { statusCode, retryAfterMs: parseRetryAfter(header(response.headers, 'retry-after')) };
					error = () =>
						providerError(this.fn.getNode(), this.adapter.displayName, statusCode, this.adapter.parseError(statusCode, response.body), limits.itemIndex);
				}
			} catch (caught) {
				const code = networkCode(caught) ?? 'ENETWORK';
				failure = { networkCode: code };
				const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
				const message = timedOut ? `no answer within ${Math.round(limits.timeoutMs / 1000)} s` : `${plainMessage(caught)} (${code})`;
				error = () =>
					providerError(
						this.fn.getNode(),
						this.adapter.displayName,
						undefined,
						{ message, description: timedOut ? 'Raise Request Timeout (seconds) in Options if the provider is slow' : 'Check the Base URL in the credential and your network' },
						limits.itemIndex,
					);
			}
			if (this.signal?.aborted) throw new CancelledError();
			await this.backoffOrThrow(kind, failure, attempt, limits, error);
		}
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
		if (!decision.retry || attempt >= MAX_ATTEMPTS || Date.now() + delay > limits.deadline) {
			const final = error();
			if (decision.mayHaveCreatedTask) {
				final.description = `${final.description ? `${final.description}. ` : ''}The request failed after it was sent, so the provider may have created (and billed) a task. It was not sent again; check your ${this.adapter.displayName} dashboard before re-running.`;
			}
			throw final;
		}
		await pause(delay, this.signal);
	}
}
