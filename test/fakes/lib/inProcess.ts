/**
 * The in-process transport: `fake.request()` serves a request through the same `dispatch` as
 * the HTTP server, without a socket, and turns what comes back into what a client would see:
 * a JSON/text reply as a Buffer of the exact bytes, a byte stream (image, file) as a Readable,
 * and a dropped connection as an Error with `code: 'ECONNRESET'`.
 */
import { Readable } from 'stream';

import type { Wire } from './http';
import type { Dispatch, Pace } from './dispatch';
import { byteByByte } from './socket';
import type { InProcessRequest, InProcessResponse } from '../types';

/** An Error shaped like Node's socket errors. */
export function connectionError(
	code: 'ECONNRESET' | 'ECONNREFUSED',
	message: string,
): NodeJS.ErrnoException {
	return Object.assign(new Error(message), { code });
}

function encodeBody(body: InProcessRequest['body']): { bytes: Buffer; json: boolean } {
	if (body === undefined || body === null) return { bytes: Buffer.alloc(0), json: false };
	if (Buffer.isBuffer(body)) return { bytes: body, json: false };
	if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8'), json: false };
	return { bytes: Buffer.from(JSON.stringify(body), 'utf8'), json: true };
}

/** The first `limit` bytes of a wire body, then the error a client sees when the socket drops. */
function* cutShort(chunks: Iterable<Buffer>, limit: number): Generator<Buffer> {
	let sent = 0;
	for (const chunk of chunks) {
		if (sent >= limit) break;
		const piece = chunk.length <= limit - sent ? chunk : chunk.subarray(0, limit - sent);
		sent += piece.length;
		yield piece;
	}
	throw connectionError('ECONNRESET', 'aborted');
}

/** The body one byte at a time, each after `pace.ms` of the fake's clock ('drip' fault). */
async function* dripped(wire: Wire, pace: Pace): AsyncGenerator<Buffer> {
	for (const byte of byteByByte(wire.chunks())) {
		if (!(await pace.sleep(pace.ms))) throw connectionError('ECONNRESET', 'aborted');
		yield byte;
	}
}

function responseBody(wire: Wire, cutFraction: number | undefined, pace?: Pace): Buffer | Readable {
	if (pace) return Readable.from(dripped(wire, pace), { objectMode: false });
	if (cutFraction !== undefined) {
		// A buffered client never gets a partial JSON body: the whole request fails.
		if (!wire.streamed) throw connectionError('ECONNRESET', 'aborted');
		return Readable.from(cutShort(wire.chunks(), Math.floor(wire.length * cutFraction)), {
			objectMode: false,
		});
	}
	if (wire.streamed) return Readable.from(wire.chunks(), { objectMode: false });
	return Buffer.concat([...wire.chunks()]);
}

export interface InProcessTarget {
	baseUrl: string;
	closed: boolean;
	dispatch: Dispatch;
}

export async function serveInProcess(
	target: InProcessTarget,
	req: InProcessRequest,
): Promise<InProcessResponse> {
	const url = new URL(req.url);
	if (target.closed || url.origin !== new URL(target.baseUrl).origin) {
		const why = target.closed ? 'the fake is closed' : `this fake serves ${target.baseUrl}`;
		throw connectionError('ECONNREFUSED', `connect ECONNREFUSED ${url.host} (${why})`);
	}
	const { bytes, json } = encodeBody(req.body);
	const headers: Record<string, string> = { host: url.host };
	if (json) headers['content-type'] = 'application/json';
	if (bytes.length) headers['content-length'] = String(bytes.length);
	for (const [name, value] of Object.entries(req.headers ?? {}))
		headers[name.toLowerCase()] = value;

	const served = await target.dispatch({
		method: req.method.toUpperCase(),
		url: url.pathname + url.search,
		headers,
		rawBody: bytes,
		aborted: false,
	});
	if (served.kind !== 'reply') throw connectionError('ECONNRESET', 'socket hang up');
	const { wire, cutFraction, pace } = served;
	return {
		statusCode: wire.status,
		headers: { ...wire.headers },
		body: responseBody(wire, cutFraction, pace),
	};
}
