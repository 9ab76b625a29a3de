/**
 * Replies, their bytes on the wire, and request-body decoding, shared by every fake and by both
 * transports (HTTP server and in-process `request()`).
 *
 * Handlers never touch a socket; they return a plain "reply" object. Keeping replies as data
 * lets the fault layer inspect, reshape or cut a response before any byte is sent.
 */
import { parseMultipart } from './multipart';
import type { MultipartParts } from './multipart';
import type { ByteSource } from './png';

export type HeaderMap = Record<string, string>;

/** A body streamed from a plan (see images.ts): `chunks()` yields `length` bytes. */
export interface BodyPlan extends ByteSource {
	contentType: string;
}

export type Reply =
	| { kind: 'json'; status: number; headers: HeaderMap; json: unknown }
	| { kind: 'text'; status: number; headers: HeaderMap; text: string }
	| { kind: 'stream'; status: number; headers: HeaderMap; plan: BodyPlan };

/** A reply ready to send: final lower-case headers (Content-Length included) and its bytes. */
export interface Wire {
	status: number;
	headers: HeaderMap;
	length: number;
	/** A byte stream (image, file) rather than JSON or text. */
	streamed: boolean;
	chunks(): Iterable<Buffer>;
}

/** Reply with a JSON body. */
export function jsonReply(status: number, value: unknown, headers: HeaderMap = {}): Reply {
	return { kind: 'json', status, headers, json: value };
}

/** Reply with a text body (also used for deliberately broken JSON). */
export function textReply(
	status: number,
	text: string,
	contentType = 'text/plain; charset=utf-8',
	headers: HeaderMap = {},
): Reply {
	return { kind: 'text', status, headers: { 'content-type': contentType, ...headers }, text };
}

/** Reply streamed from a plan. */
export function streamReply(status: number, plan: BodyPlan, headers: HeaderMap = {}): Reply {
	return {
		kind: 'stream',
		status,
		headers: { 'content-type': plan.contentType, ...headers },
		plan,
	};
}

/** Reply with bytes already in memory (sent as a stream, like any file). */
export function bufferReply(
	status: number,
	contentType: string,
	buffer: Buffer,
	headers: HeaderMap = {},
): Reply {
	return streamReply(
		status,
		{
			contentType,
			length: buffer.length,
			*chunks() {
				yield buffer;
			},
		},
		headers,
	);
}

function lowerCaseNames(headers: HeaderMap): HeaderMap {
	const out: HeaderMap = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value !== undefined && value !== null) out[name.toLowerCase()] = String(value);
	}
	return out;
}

/** Turns a reply into what is sent. `extraHeaders` come first, so the reply's own win. */
export function toWire(reply: Reply, extraHeaders: HeaderMap = {}): Wire {
	if (reply.kind === 'stream') {
		const { plan } = reply;
		const headers = {
			...lowerCaseNames(extraHeaders),
			...lowerCaseNames(reply.headers),
			'content-length': String(plan.length),
		};
		return {
			status: reply.status,
			headers,
			length: plan.length,
			streamed: true,
			chunks: () => plan.chunks(),
		};
	}
	const bytes = Buffer.from(
		reply.kind === 'json' ? JSON.stringify(reply.json) : reply.text,
		'utf8',
	);
	const ownType: HeaderMap =
		reply.kind === 'json' ? { 'content-type': 'application/json; charset=utf-8' } : {};
	const headers = {
		...lowerCaseNames(extraHeaders),
		...ownType,
		...lowerCaseNames(reply.headers),
		'content-length': String(bytes.length),
	};
	return {
		status: reply.status,
		headers,
		length: bytes.length,
		streamed: false,
		chunks: () => [bytes],
	};
}

/** The JSON text a reply would send, or null for streamed replies. */
export function replyText(reply: Reply): string | null {
	if (reply.kind === 'json') return JSON.stringify(reply.json);
	return reply.kind === 'text' ? reply.text : null;
}

export interface DecodedBody {
	/** What gets recorded: JSON value, multipart summary, raw text, or undefined when empty. */
	body: unknown;
	/** The multipart file bytes, for handlers. */
	parts: MultipartParts | null;
	jsonError?: string;
	multipartError?: string;
}

/** Decodes a request body by its content type. */
export function decodeBody(buffer: Buffer, contentType = ''): DecodedBody {
	if (!buffer.length) return { body: undefined, parts: null };
	if (/^multipart\/form-data/i.test(contentType)) {
		try {
			const parts = parseMultipart(buffer, contentType);
			const files = parts.files.map(({ field, fileName, contentType: type, size }) => ({
				field,
				fileName,
				contentType: type,
				size,
			}));
			return { body: { fields: parts.fields, files }, parts };
		} catch (err) {
			return { body: buffer.toString('utf8'), parts: null, multipartError: (err as Error).message };
		}
	}
	const text = buffer.toString('utf8');
	if (/json/i.test(contentType)) {
		try {
			return { body: JSON.parse(text) as unknown, parts: null };
		} catch (err) {
			return { body: text, parts: null, jsonError: (err as Error).message };
		}
	}
	return { body: text, parts: null };
}

/** Key-order independent JSON text, so two equal request bodies compare equal. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (isPlainObject(value)) {
		const keys = Object.keys(value).sort();
		return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}
