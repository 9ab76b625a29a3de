'use strict';
/**
 * Request reading and response writing shared by every fake.
 *
 * Handlers never touch `res`; they return a plain "reply" object. Keeping replies as data lets
 * the fault layer inspect, reshape or cut a response before any byte is written.
 */
const { parseMultipart } = require('./multipart');

const MAX_BODY_BYTES = 256 * 1024 * 1024;

/** Reply with a JSON body. */
function jsonReply(status, value, headers = {}) {
	return { status, headers, json: value };
}

/** Reply with a text body (also used for deliberately broken JSON). */
function textReply(status, text, contentType = 'text/plain; charset=utf-8', headers = {}) {
	return { status, headers: { 'content-type': contentType, ...headers }, text };
}

/** Reply streamed from a plan `{ contentType, length, chunks() }` (see images.js). */
function streamReply(status, plan, headers = {}) {
	return { status, headers: { 'content-type': plan.contentType, ...headers }, plan };
}

/** Reply with bytes already in memory. */
function bufferReply(status, contentType, buffer, headers = {}) {
	return streamReply(status, { contentType, length: buffer.length, *chunks() { yield buffer; } }, headers);
}

/** Turns any reply into `{ status, headers, length, chunks() }` ready to be written. */
function toWire(reply) {
	if (reply.plan) return { status: reply.status, headers: reply.headers, length: reply.plan.length, chunks: () => reply.plan.chunks() };
	const isJson = reply.json !== undefined;
	const bytes = Buffer.from(isJson ? JSON.stringify(reply.json) : reply.text || '', 'utf8');
	const headers = isJson ? { 'content-type': 'application/json; charset=utf-8', ...reply.headers } : reply.headers;
	return { status: reply.status, headers, length: bytes.length, chunks: () => [bytes] };
}

/** The JSON text a reply would send, or null for binary replies. */
function replyText(reply) {
	if (reply.json !== undefined) return JSON.stringify(reply.json);
	return typeof reply.text === 'string' ? reply.text : null;
}

/** Resolves true once `chunk` is flushed, false if the connection went away first. */
function writeChunk(res, chunk) {
	return new Promise((resolve) => {
		if (res.destroyed) return resolve(false);
		const onClose = () => resolve(false);
		res.once('close', onClose);
		res.write(chunk, (err) => {
			res.off('close', onClose);
			resolve(!err);
		});
	});
}

/**
 * Writes a reply. With `cutFraction` the full Content-Length is still declared but only that
 * share of the body is sent before the socket is destroyed (a connection dropped mid-body).
 */
async function writeReply(res, reply, { cutFraction, extraHeaders = {} } = {}) {
	if (res.destroyed || res.headersSent) return;
	const wire = toWire(reply);
	const headers = { ...extraHeaders, ...wire.headers, 'content-length': String(wire.length) };
	for (const [name, value] of Object.entries(headers)) {
		if (value !== undefined && value !== null) res.setHeader(name, value);
	}
	res.statusCode = wire.status;
	const limit = cutFraction === undefined ? Infinity : Math.floor(wire.length * cutFraction);
	if (limit === 0) res.flushHeaders();
	let sent = 0;
	for (const chunk of wire.chunks()) {
		if (sent >= limit) break;
		const piece = chunk.length <= limit - sent ? chunk : chunk.subarray(0, limit - sent);
		if (!(await writeChunk(res, piece))) return;
		sent += piece.length;
	}
	if (limit === Infinity) res.end();
	else setImmediate(() => res.socket && res.socket.destroy());
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		const parts = [];
		let size = 0;
		req.on('data', (chunk) => {
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

/**
 * Decodes a body by its content type.
 * Returns `{ body, parts }`: `body` is what gets recorded (JSON value, multipart summary or
 * raw text); `parts` keeps the multipart file bytes for handlers.
 */
function decodeBody(buffer, contentType = '') {
	if (!buffer.length) return { body: undefined, parts: null };
	if (/^multipart\/form-data/i.test(contentType)) {
		try {
			const parts = parseMultipart(buffer, contentType);
			const files = parts.files.map(({ field, fileName, contentType: type, size }) => ({ field, fileName, contentType: type, size }));
			return { body: { fields: parts.fields, files }, parts };
		} catch (err) {
			return { body: buffer.toString('utf8'), parts: null, multipartError: err.message };
		}
	}
	const text = buffer.toString('utf8');
	if (/json/i.test(contentType)) {
		try {
			return { body: JSON.parse(text), parts: null };
		} catch (err) {
			return { body: text, parts: null, jsonError: err.message };
		}
	}
	return { body: text, parts: null };
}

/** Key-order independent JSON text, so two equal request bodies compare equal. */
function canonicalJson(value) {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const keys = Object.keys(value).sort();
		return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

function isPlainObject(value) {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

module.exports = {
	jsonReply,
	textReply,
	streamReply,
	bufferReply,
	replyText,
	writeReply,
	readBody,
	decodeBody,
	canonicalJson,
	isPlainObject,
};
