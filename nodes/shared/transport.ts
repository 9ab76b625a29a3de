import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import type { Clock } from './clock';
import { networkCode, plainMessage, refusedBeforeSending } from './errors';
import type { Masker } from './mask';
import type { AttemptFailure } from './retry';
import type { BinaryStream, ProviderError } from './types';

export { refusedBeforeSending };

/**
 * The one door every outbound request of the package goes through: API calls, uploads, result
 * downloads and the credential test. Only this module calls n8n's HTTP helpers (a "sender"
 * wraps each of them); with exchange.ts, which follows or refuses redirects for each kind of
 * request, it applies one set of rules to all of them:
 * - the key stays on the API's origin: n8n follows no redirect; a read may follow one to the same
 *   origin, anything else is refused and never sent the key;
 * - a download (no key) follows up to 5 redirects, each hop checked by the URL rules, n8n's
 *   egress filter and the resolved addresses, connected to the address that was checked
 *   (nodes/shared/egress.ts);
 * - every answer is read as a stream, capped in size, within a total deadline (n8n's own timeout
 *   only ends an idle connection, not one that trickles);
 * - a request refused before it left (n8n's SSRF protection, a bad URL) is reported as "not
 *   sent", which the retry policy never takes for a possibly created task;
 * - every text of a failure passes the masking step (nodes/shared/mask.ts).
 */

/** A JSON answer larger than this is not a task, a job or an error: it is refused. */
export const MAX_ANSWER_BYTES = 2 * 1048576;

/**
 * What the package needs from n8n: a node's execute context, or the trigger's webhook context
 * (the same HTTP and binary helpers, no cancel signal).
 */
export interface HttpContext {
	getNode(): INode;
	getExecutionCancelSignal?(): AbortSignal | undefined;
	helpers: Pick<
		IExecuteFunctions['helpers'],
		'httpRequest' | 'httpRequestWithAuthentication' | 'prepareBinaryData'
	> &
		// n8n 2.28 and later (see egress.ts for what each version offers).
		Partial<Pick<IExecuteFunctions['helpers'], 'getSecureEgressFilter'>>;
}

/** One request as the door sends it. */
export interface Outbound {
	method: 'GET' | 'POST';
	url: string;
	qs?: IDataObject;
	headers: IDataObject;
	body?: Buffer | BinaryStream;
	timeoutMs: number;
	signal?: AbortSignal;
	/** The TLS server name, when the URL names the checked address instead of the host. */
	servername?: string;
}

/** An answer before its body is read. */
export interface Inbound {
	statusCode: number;
	headers: IDataObject;
	body: unknown;
}

/** One of n8n's HTTP helpers: sends, never follows a redirect, never throws for an HTTP status. */
export type Sender = (request: Outbound) => Promise<Inbound>;

function n8nOptions(request: Outbound): IHttpRequestOptions {
	const options: IHttpRequestOptions = {
		method: request.method,
		url: request.url,
		qs: request.qs,
		headers: request.headers,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		encoding: 'stream',
		timeout: request.timeoutMs,
		abortSignal: request.signal,
		disableFollowRedirect: true,
		maxRedirects: 0,
	};
	if (request.body !== undefined) options.body = request.body as Buffer;
	if (request.servername) options.agentOptions = { servername: request.servername };
	return options;
}

function inbound(response: IN8nHttpFullResponse): Inbound {
	return {
		statusCode: response.statusCode,
		headers: (response.headers ?? {}) as IDataObject,
		body: response.body,
	};
}

/** Sends with the credential: n8n applies its `authenticate` (the key never passes through here). */
export function credentialSender(fn: HttpContext, credentialType: string): Sender {
	return async (request) =>
		inbound(
			(await fn.helpers.httpRequestWithAuthentication.call(
				fn as unknown as IExecuteFunctions,
				credentialType,
				n8nOptions(request),
			)) as IN8nHttpFullResponse,
		);
}

/** Sends without any credential (result downloads). */
export function plainSender(fn: HttpContext): Sender {
	return async (request) =>
		inbound((await fn.helpers.httpRequest(n8nOptions(request))) as IN8nHttpFullResponse);
}

/** n8n's legacy `helpers.request`: all a credential test context offers. */
export type LegacyRequest = (options: IDataObject) => Promise<unknown>;

/** Sends with the legacy helper; the caller adds the credential's header itself. */
export function legacySender(request: LegacyRequest): Sender {
	return async (outbound) => {
		const response = (await request({
			method: outbound.method,
			uri: outbound.url,
			qs: outbound.qs,
			headers: outbound.headers,
			body: outbound.body,
			resolveWithFullResponse: true,
			simple: false,
			useStream: true,
			followRedirect: false,
			followAllRedirects: false,
			maxRedirects: 0,
			timeout: outbound.timeoutMs,
		})) as Partial<Inbound>;
		return {
			statusCode: Number(response.statusCode),
			headers: response.headers ?? {},
			body: response.body,
		};
	};
}

export function header(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	return value === undefined || value === null ? undefined : String(value);
}

export function discard(body: unknown): void {
	(body as { destroy?: () => void } | undefined)?.destroy?.();
}

/** A signal that fires when the execution is stopped or `ms` have passed, whichever is first. */
export function deadlineSignal(clock: Clock, ms: number, cancel?: AbortSignal): AbortSignal {
	const timeout = clock.deadline(ms);
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

/** Reads up to `max` bytes, ending the body when the deadline passes first. */
export async function readWithin(
	body: unknown,
	max: number,
	deadline: AbortSignal,
): Promise<{ bytes: Buffer | undefined } | { error: unknown }> {
	const stop = () =>
		(body as { destroy?: (error: Error) => void } | undefined)?.destroy?.(
			Object.assign(new Error('The answer did not arrive in time'), { code: 'ETIMEDOUT' }),
		);
	if (deadline.aborted) stop();
	deadline.addEventListener('abort', stop, { once: true });
	try {
		return { bytes: await readCapped(body, max) };
	} catch (error) {
		// Our own stop carries ETIMEDOUT; n8n's abort may carry only the signal's reason.
		const reason = networkCode(error) === undefined && deadline.aborted ? deadline.reason : error;
		return { error: reason ?? error };
	} finally {
		deadline.removeEventListener('abort', stop);
	}
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

/** A failure before an answer: refused before sending, timed out, or a network error. */
export interface NetworkFailure {
	ok: false;
	failure: AttemptFailure;
	error: ProviderError;
	/** The error's own (masked) words, for callers that phrase their own sentence. */
	cause: string;
	statusCode?: number;
	/** Where a refused redirect pointed (absolute). */
	location?: string;
}

export function networkFailure(caught: unknown, timeoutMs: number, masker: Masker): NetworkFailure {
	const cause = masker.text(plainMessage(caught));
	if (refusedBeforeSending(caught)) {
		return {
			ok: false,
			cause,
			failure: { networkCode: 'ENOTSENT' },
			error: {
				message: `the request was refused before it was sent: ${cause}`,
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
		cause,
		failure: { networkCode: timedOut ? 'ETIMEDOUT' : code },
		error: timedOut
			? {
					message: `no complete answer within ${Math.round(timeoutMs / 1000)} s`,
					description: 'Raise Request Timeout (seconds) in Options if the provider is slow',
				}
			: {
					message: `${cause} (${code})`,
					description: 'Check the Base URL in the credential and your network',
				},
	};
}
