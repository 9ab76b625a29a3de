import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { multipartBody } from './binary';
import type { Clock } from './clock';
import { header } from './download';
import { networkCode, plainMessage } from './errors';
import { parseRetryAfter } from './retry';
import type { AttemptFailure } from './retry';
import type { BinaryStream, HttpCall, ProviderAdapter, ProviderError } from './types';

/**
 * One authenticated request to a provider's API, as untrusted as the answer is:
 * - the answer is read as a stream, at most MAX_ANSWER_BYTES, within a total deadline (n8n's
 *   own timeout only ends an idle connection, not one that trickles);
 * - redirects are not followed by n8n: one to the same origin is followed here for reads, any
 *   other is refused, so the credential's key never goes to another host;
 * - a request refused before it left (n8n's SSRF protection, a bad URL) is reported as "not
 *   sent", which the retry policy never takes for a possibly created task.
 */

/** A JSON answer larger than this is not a task, a job or an error: it is refused. */
export const MAX_ANSWER_BYTES = 2 * 1048576;
const MAX_REDIRECTS = 3;

export type Attempt =
	| { ok: true; body: unknown }
	| { ok: false; failure: AttemptFailure; error: ProviderError; statusCode?: number };

export interface TransportContext {
	fn: {
		getExecutionCancelSignal?(): AbortSignal | undefined;
		helpers: Pick<IExecuteFunctions['helpers'], 'httpRequestWithAuthentication'>;
	};
	adapter: ProviderAdapter;
	clock: Clock;
	/** Replaces the credential's secrets in any provider text. */
	mask: (text: string) => string;
}

/** Errors n8n raises for a request it refused to send (SSRF protection) or could not build. */
export function refusedBeforeSending(error: unknown): boolean {
	for (
		let current = error as { name?: unknown; cause?: unknown; message?: unknown } | undefined,
			depth = 0;
		current && depth < 5;
		depth++
	) {
		if (typeof current.name === 'string' && /^SsrfBlocked/.test(current.name)) return true;
		if (
			typeof current.message === 'string' &&
			/unsupported protocol|invalid url/i.test(current.message)
		)
			return true;
		current = current.cause as typeof current;
	}
	return false;
}

/** A signal that fires when the execution is stopped or `ms` have passed, whichever is first. */
function deadlineSignal(fn: TransportContext['fn'], clock: Clock, ms: number): AbortSignal {
	const timeout = clock.deadline(ms);
	const cancel = fn.getExecutionCancelSignal?.();
	return cancel ? AbortSignal.any([cancel, timeout]) : timeout;
}

/** Reads a body stream up to `max` bytes; undefined when it is larger. */
export async function readCapped(body: unknown, max: number): Promise<Buffer | undefined> {
	if (body === undefined || body === null) return Buffer.alloc(0);
	if (Buffer.isBuffer(body)) return body.length > max ? undefined : body;
	if (typeof body === 'string') return body.length > max ? undefined : Buffer.from(body);
	if (typeof (body as BinaryStream).on !== 'function') return Buffer.from(JSON.stringify(body));
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of body as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > max) {
			(body as BinaryStream).destroy();
			return undefined;
		}
		chunks.push(Buffer.from(chunk));
	}
	return Buffer.concat(chunks);
}

/** The JSON in `bytes`; `{ value: undefined }` for an empty answer, undefined when it is not JSON. */
export function parseJson(bytes: Buffer): { value: unknown } | undefined {
	const text = bytes.toString('utf8');
	if (text.trim() === '') return { value: undefined };
	try {
		return { value: JSON.parse(text) as unknown };
	} catch {
		return undefined;
	}
}

function toOptions(
	call: HttpCall,
	url: string,
	timeoutMs: number,
	signal: AbortSignal,
): IHttpRequestOptions {
	const options: IHttpRequestOptions = {
		method: call.method,
		url,
		qs: call.qs,
		headers: { Accept: 'application/json', ...(call.headers ?? {}) },
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		encoding: 'stream',
		timeout: timeoutMs,
		abortSignal: signal,
		disableFollowRedirect: true,
		maxRedirects: 0,
	};
	if (call.json) {
		options.body = JSON.stringify(call.json);
		options.headers!['Content-Type'] = 'application/json';
	}
	if (call.multipart) {
		const multipart = multipartBody(call.multipart);
		options.body = multipart.body as unknown as Buffer;
		options.headers!['Content-Type'] = multipart.contentType;
		if (multipart.contentLength !== undefined)
			options.headers!['Content-Length'] = multipart.contentLength;
	}
	return options;
}

/** Sends `call` once to `url`; follows a same-origin redirect of a read, refuses any other. */
export async function attempt(
	ctx: TransportContext,
	call: HttpCall,
	url: string,
	timeoutMs: number,
): Promise<Attempt> {
	const { fn, adapter, clock, mask } = ctx;
	const origin = new URL(url).origin;
	let target = url;
	for (let hop = 0; ; hop++) {
		let response: IN8nHttpFullResponse;
		const signal = deadlineSignal(fn, clock, timeoutMs);
		try {
			response = (await fn.helpers.httpRequestWithAuthentication.call(
				fn as IExecuteFunctions,
				adapter.credentialType,
				toOptions(call, target, timeoutMs, signal),
			)) as IN8nHttpFullResponse;
		} catch (caught) {
			return networkFailure(caught, timeoutMs, mask);
		}
		const { statusCode } = response;
		const headers = response.headers as IDataObject;
		if (statusCode >= 300 && statusCode < 400) {
			(response.body as BinaryStream | undefined)?.destroy?.();
			const location = header(headers, 'location');
			const next = location ? new URL(location, target) : undefined;
			if (next && next.origin === origin && call.method === 'GET' && hop < MAX_REDIRECTS) {
				target = next.toString();
				continue;
			}
			const where = next ? next.origin : 'an unknown address';
			return {
				ok: false,
				statusCode,
				failure: { networkCode: 'EREDIRECT' },
				error: {
					message: `the API answered ${statusCode} with a redirect to ${where}, which is not followed`,
					description: `The API key is only sent to ${origin}. Check the Base URL in the credential (a gateway may need its own address there).`,
				},
			};
		}
		const read = await readCapped(response.body, MAX_ANSWER_BYTES).then(
			(bytes) => ({ bytes }),
			(error: unknown) => ({ error }),
		);
		// The answer stopped coming, or trickled past the request's deadline.
		if ('error' in read)
			return networkFailure(signal.aborted ? signal.reason : read.error, timeoutMs, mask);
		const bytes = read.bytes;
		if (bytes === undefined) {
			return {
				ok: false,
				statusCode,
				failure: { networkCode: 'ETOOLARGE' },
				error: {
					message: `the answer was larger than ${MAX_ANSWER_BYTES / 1048576} MB`,
					description:
						'Try again later; if it keeps happening, check the Base URL in the credential',
				},
			};
		}
		const parsed = parseJson(bytes);
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
		const body = parsed ? parsed.value : bytes.toString('utf8');
		const error = adapter.parseError(statusCode, body);
		const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), clock.now());
		return {
			ok: false,
			statusCode,
			failure: { statusCode, retryAfterMs },
			error: {
				...error,
				message: mask(error.message),
				description: error.description === undefined ? undefined : mask(error.description),
			},
		};
	}
}

function networkFailure(
	caught: unknown,
	timeoutMs: number,
	mask: (text: string) => string,
): Attempt {
	if (refusedBeforeSending(caught)) {
		return {
			ok: false,
			failure: { networkCode: 'ENOTSENT' },
			error: {
				message: `the request was refused before it was sent: ${mask(plainMessage(caught))}`,
				description:
					"Nothing was sent, so nothing was billed. n8n's SSRF protection or the URL refused it: check the Base URL in the credential and N8N_SSRF_* settings",
			},
		};
	}
	const code =
		networkCode(caught) ??
		((caught as Error | undefined)?.name === 'TimeoutError' ? 'ETIMEDOUT' : 'ENETWORK');
	const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED';
	return {
		ok: false,
		failure: { networkCode: timedOut ? 'ETIMEDOUT' : code },
		error: timedOut
			? {
					message: `no complete answer within ${Math.round(timeoutMs / 1000)} s`,
					description: 'Raise Request Timeout (seconds) in Options if the provider is slow',
				}
			: {
					message: `${mask(plainMessage(caught))} (${code})`,
					description: 'Check the Base URL in the credential and your network',
				},
	};
}
