/**
 * The HTTP transport: a real server on 127.0.0.1 (port 0) that reads each request, hands it to
 * the fake's `dispatch` and carries out what comes back, faults included: a reset destroys the
 * socket, a cut reply declares the full Content-Length, sends part of the body and then
 * destroys the socket.
 */
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';

import type { Wire } from './http';
import type { Dispatch, Pace } from './dispatch';

const MAX_BODY_BYTES = 256 * 1024 * 1024;

export interface HttpBinding {
	port: number;
	/** Stops listening and drops every connection (keep-alive ones included). */
	close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const parts: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY_BYTES) {
				req.destroy();
				reject(new Error('request body too large for the fake'));
			} else parts.push(chunk);
		});
		req.on('end', () => resolve(Buffer.concat(parts)));
		req.on('error', reject);
	});
}

/** Resolves true once `chunk` is flushed, false if the connection went away first. */
function writeChunk(res: http.ServerResponse, chunk: Buffer): Promise<boolean> {
	return new Promise((resolve) => {
		if (res.destroyed) {
			resolve(false);
			return;
		}
		const onClose = (): void => resolve(false);
		res.once('close', onClose);
		res.write(chunk, (err) => {
			res.off('close', onClose);
			resolve(!err);
		});
	});
}

/** The bytes of a body one at a time ('drip' fault). */
export function* byteByByte(chunks: Iterable<Buffer>): Generator<Buffer> {
	for (const chunk of chunks) for (let i = 0; i < chunk.length; i++) yield chunk.subarray(i, i + 1);
}

/**
 * Writes a reply. With `cutFraction` the full Content-Length is still declared but only that
 * share of the body is sent before the socket is destroyed (a connection dropped mid-body).
 */
async function writeWire(
	res: http.ServerResponse,
	wire: Wire,
	cutFraction?: number,
	pace?: Pace,
): Promise<void> {
	if (res.destroyed || res.headersSent) return;
	for (const [name, value] of Object.entries(wire.headers)) res.setHeader(name, value);
	res.statusCode = wire.status;
	const limit = cutFraction === undefined ? Infinity : Math.floor(wire.length * cutFraction);
	if (limit === 0) res.flushHeaders();
	let sent = 0;
	for (const chunk of pace ? byteByByte(wire.chunks()) : wire.chunks()) {
		if (sent >= limit) break;
		const piece = chunk.length <= limit - sent ? chunk : chunk.subarray(0, limit - sent);
		if (!(await writeChunk(res, piece))) return;
		sent += piece.length;
		if (pace && !(await pace.sleep(pace.ms))) return;
	}
	if (limit === Infinity) res.end();
	else setImmediate(() => res.socket?.destroy());
}

async function handle(
	dispatch: Dispatch,
	req: http.IncomingMessage,
	res: http.ServerResponse,
): Promise<void> {
	let rawBody: Buffer = Buffer.alloc(0);
	try {
		rawBody = await readBody(req);
	} catch {
		// client gave up mid-upload: the attempt is still logged by dispatch
	}
	const served = await dispatch({
		method: req.method ?? 'GET',
		url: req.url ?? '/',
		headers: { ...req.headers },
		rawBody,
		aborted: req.destroyed && !req.complete,
	});
	if (served.kind === 'reset') req.socket.destroy();
	else if (served.kind === 'reply')
		await writeWire(res, served.wire, served.cutFraction, served.pace);
}

export async function serveHttp(dispatch: Dispatch): Promise<HttpBinding> {
	const sockets = new Set<Socket>();
	const server = http.createServer((req, res) => {
		// Clients in these tests hang up on purpose; a write to a dead socket must not crash jest.
		req.on('error', () => {});
		res.on('error', () => {});
		handle(dispatch, req, res).catch(() => {
			if (!res.headersSent) res.destroy();
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	const port = await new Promise<number>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
	return {
		port,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				for (const socket of sockets) socket.destroy();
			}),
	};
}
