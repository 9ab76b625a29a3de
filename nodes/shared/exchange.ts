import type { IDataObject } from 'n8n-workflow';

import { limitedChunks, multipartBody } from './binary';
import type { DownloadLimits } from './binary';
import type { Clock } from './clock';
import { checkDestination } from './egress';
import { networkCode, plainMessage, refusedBeforeSending } from './errors';
import type { Masker } from './mask';
import type { AttemptFailure } from './retry';
import type { UrlPolicy } from './resultUrls';
import {
	deadlineSignal,
	discard,
	header,
	networkFailure,
	parseJson,
	plainSender,
	readWithin,
} from './transport';
import type { HttpContext, Inbound, NetworkFailure, Outbound, Sender } from './transport';
import type { BinaryStream, MultipartFile } from './types';

/**
 * The two kinds of exchange the HTTP door (transport.ts) makes, and the redirect policy of each:
 * - a JSON exchange (API calls, uploads, the credential test) carries the key: n8n follows no
 *   redirect, a read may follow one within the API's origin (up to 3), nothing else follows any;
 * - a download carries no key: it follows up to 5 redirects, each hop checked by egress.ts (URL
 *   rules, n8n's egress filter, resolved addresses) and connected to its checked address.
 */

const MAX_API_REDIRECTS = 3;
const MAX_DOWNLOAD_HOPS = 5;

/** How a JSON exchange is made: who sends, on which clock, how large an answer may be. */
export interface JsonExchange {
	send: Sender;
	clock: Clock;
	masker: Masker;
	/** The execution's stop signal, where there is one. */
	cancel?: AbortSignal;
	maxBytes: number;
}

export interface JsonRequest {
	method: 'GET' | 'POST';
	url: string;
	qs?: IDataObject;
	headers?: IDataObject;
	json?: IDataObject;
	multipart?: MultipartFile;
	timeoutMs: number;
	/** A GET may follow a redirect within its origin; nothing else follows any. */
	redirects: 'same-origin' | 'none';
}

/** An answer read whole (any HTTP status), or a failure that got none. */
export type JsonAnswer =
	| {
			ok: true;
			statusCode: number;
			headers: IDataObject;
			/** The JSON, when the answer is JSON (`value` undefined for an empty answer). */
			parsed?: { value: unknown };
			text: string;
	  }
	| NetworkFailure;

function outbound(request: JsonRequest, url: string, signal: AbortSignal): Outbound {
	const headers: IDataObject = { Accept: 'application/json', ...(request.headers ?? {}) };
	const sent: Outbound = {
		method: request.method,
		url,
		qs: request.qs,
		headers,
		timeoutMs: request.timeoutMs,
		signal,
	};
	if (request.json) {
		sent.body = Buffer.from(JSON.stringify(request.json));
		headers['Content-Type'] = 'application/json';
	}
	if (request.multipart) {
		const multipart = multipartBody(request.multipart);
		sent.body = multipart.body;
		headers['Content-Type'] = multipart.contentType;
		if (multipart.contentLength !== undefined) headers['Content-Length'] = multipart.contentLength;
	}
	return sent;
}

/** One JSON request: sent once, a read's same-origin redirect followed, the answer read capped. */
export async function exchangeJson(x: JsonExchange, request: JsonRequest): Promise<JsonAnswer> {
	const { masker } = x;
	const { timeoutMs } = request;
	const origin = new URL(request.url).origin;
	let target = request.url;
	for (let hop = 0; ; hop++) {
		const signal = deadlineSignal(x.clock, timeoutMs, x.cancel);
		let response: Inbound;
		try {
			response = await x.send(outbound(request, target, signal));
		} catch (caught) {
			return networkFailure(caught, timeoutMs, masker);
		}
		const { statusCode, headers } = response;
		if (statusCode >= 300 && statusCode < 400) {
			discard(response.body);
			const location = header(headers, 'location');
			let next: URL | undefined;
			try {
				next = location ? new URL(location, target) : undefined;
			} catch {
				next = undefined;
			}
			const follow =
				next !== undefined &&
				next.origin === origin &&
				request.method === 'GET' &&
				request.redirects === 'same-origin' &&
				hop < MAX_API_REDIRECTS;
			if (follow) {
				target = next!.toString();
				continue;
			}
			const where = next ? masker.text(next.origin) : 'an unknown address';
			return {
				ok: false,
				statusCode,
				cause: `redirect to ${where}`,
				location: next ? masker.text(`${next.origin}${next.pathname}`) : undefined,
				failure: { networkCode: 'EREDIRECT' },
				error: {
					message: `the API answered ${statusCode} with a redirect to ${where}, which is not followed`,
					description: `The API key is only sent to ${origin}. Check the Base URL in the credential (a gateway may need its own address there).`,
				},
			};
		}
		const read = await readWithin(response.body, x.maxBytes, signal);
		// The answer stopped coming, or trickled past the request's deadline.
		if ('error' in read) return networkFailure(read.error, timeoutMs, masker);
		if (read.bytes === undefined) {
			return {
				ok: false,
				statusCode,
				cause: 'too large',
				failure: { networkCode: 'ETOOLARGE' },
				error: {
					message: `the answer was larger than ${x.maxBytes / 1048576} MB`,
					description:
						'Try again later; if it keeps happening, check the Base URL in the credential',
				},
			};
		}
		return {
			ok: true,
			statusCode,
			headers,
			parsed: parseJson(read.bytes),
			text: read.bytes.toString('utf8'),
		};
	}
}

/** A result download: where it may go, how long and how large it may be. */
export interface DownloadRequest {
	url: string;
	policy: UrlPolicy;
	/** For each hop's name lookup, and each request until its answer starts (connect, headers). */
	timeoutMs: number;
	/** For the body: size cap and total deadline. */
	limits: DownloadLimits;
	clock: Clock;
}

/** The answer a download ends at, or why it went nowhere. */
export type DownloadAnswer =
	| {
			statusCode: number;
			headers: IDataObject;
			/** The body (2xx only); other answers are closed already. */
			body?: BinaryStream;
			/** The body's bytes, failing as soon as they break the size or time limit. */
			chunks?: AsyncIterable<Buffer>;
			announced?: number;
	  }
	| { refused: string; url: string; fix?: string }
	| { failure: AttemptFailure; reason: string };

/** Follows a download hop by hop, each hop checked and connected to its checked address. */
export async function openDownload(
	fn: HttpContext,
	request: DownloadRequest,
	masker: Masker,
): Promise<DownloadAnswer> {
	const send = plainSender(fn);
	const cancel = fn.getExecutionCancelSignal?.();
	let url = request.url;
	for (let hop = 0; hop <= MAX_DOWNLOAD_HOPS; hop++) {
		// The lookup is not n8n's request, so its own timeout does not bound it: this does.
		const lookupDeadline = deadlineSignal(request.clock, request.timeoutMs, cancel);
		const checked = await checkDestination(fn.helpers, url, request.policy, masker, lookupDeadline);
		if ('refused' in checked) return { refused: checked.refused, fix: checked.fix, url };
		if ('failure' in checked) return checked;
		const { destination } = checked;
		let response: Inbound;
		try {
			response = await send({
				method: 'GET',
				url: destination.url,
				headers: { Accept: 'image/*', ...destination.headers },
				timeoutMs: request.timeoutMs,
				signal: cancel,
				servername: destination.servername,
			});
		} catch (error) {
			if (refusedBeforeSending(error)) {
				return { refused: masker.text(plainMessage(error)), url };
			}
			return {
				failure: { networkCode: networkCode(error) ?? 'EDOWNLOAD' },
				reason: masker.text(plainMessage(error)),
			};
		}
		const { statusCode, headers } = response;
		if (statusCode >= 300 && statusCode < 400) {
			discard(response.body);
			const location = header(headers, 'location');
			if (!location)
				return { refused: `the image URL answered ${statusCode} without a Location`, url };
			try {
				// Relative to the URL as the provider named it, not to the address it was reached at.
				url = new URL(location, url).toString();
			} catch {
				return { refused: `the image URL answered ${statusCode} with an unreadable Location`, url };
			}
			continue;
		}
		if (statusCode < 200 || statusCode >= 300) {
			discard(response.body);
			return { statusCode, headers };
		}
		const length = Number(header(headers, 'content-length'));
		const announced = Number.isFinite(length) && length > 0 ? length : undefined;
		if (announced !== undefined && announced > request.limits.maxBytes) {
			discard(response.body);
			return { statusCode, headers, announced };
		}
		const body = response.body as BinaryStream;
		return {
			statusCode,
			headers,
			body,
			chunks: limitedChunks(body, request.limits, announced),
			announced,
		};
	}
	return { refused: `more than ${MAX_DOWNLOAD_HOPS} redirects`, url: request.url };
}
