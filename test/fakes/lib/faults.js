'use strict';
/**
 * Fault injection. Faults wait in a FIFO queue; each request takes the first queued fault
 * whose route matches it ('any' matches every request) and that fault replaces or reshapes
 * the normal response.
 */
const { jsonReply, textReply, replyText } = require('./http');

const ROUTES = ['submit', 'status', 'list', 'poll', 'download', 'upload', 'keycheck', 'any'];
/** Route aliases: 'poll' is any status read, one task ('status') or many ('list'). */
const ALIASES = { poll: ['status', 'list'] };
const MODES = ['respond', 'reset', 'resetMidBody', 'delay', 'malformed', 'truncate', 'wrongType', 'drift', 'unknownStatus'];

const HTML_ERROR_PAGE =
	'<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>' +
	'<body><h1>502 Bad Gateway</h1><p>The CDN could not reach the origin.</p></body></html>';

function normaliseFault(fault) {
	if (!fault || !ROUTES.includes(fault.route)) throw new TypeError(`inject: route must be one of ${ROUTES.join(', ')}`);
	const mode = fault.mode || 'respond';
	if (!MODES.includes(mode)) throw new TypeError(`inject: mode must be one of ${MODES.join(', ')}`);
	const times = fault.times === undefined ? 1 : fault.times;
	if (!(times > 0)) throw new TypeError('inject: times must be a positive number (Infinity allowed)');
	if (mode === 'delay' && !(fault.delayMs >= 0)) throw new TypeError("inject: mode 'delay' needs delayMs");
	return { ...fault, mode, times, createTask: Boolean(fault.createTask) };
}

class FaultQueue {
	constructor() {
		this.items = [];
	}

	push(fault) {
		this.items.push(normaliseFault(fault));
	}

	/** Consumes one use of the first fault matching `route` (null = unrouted request). */
	take(route) {
		const index = this.items.findIndex((f) => f.route === 'any' || f.route === route || (ALIASES[f.route] || []).includes(route));
		if (index < 0) return null;
		const fault = this.items[index];
		fault.times -= 1;
		if (fault.times <= 0) this.items.splice(index, 1);
		return { ...fault };
	}

	clear() {
		this.items.length = 0;
	}

	get pending() {
		return this.items.map((f) => ({ ...f }));
	}
}

/**
 * Whether the request still takes effect behind the fault. Submissions are the only billed
 * side effect, so they only go through when the test asks for it with `createTask: true`
 * (an ambiguous failure after the provider accepted the job). Other routes are read-only or
 * harmless, so they are processed and only their response is faulted.
 */
function requestTakesEffect(fault, route) {
	return fault.createTask || route !== 'submit';
}

/** Stand-in body when a fault needs JSON text but the handler did not run. */
function placeholderReply(fault) {
	return jsonReply(200, fault.body !== undefined ? fault.body : { status: 'processing', message: 'partial response from the fake provider' });
}

/**
 * Status-route reshaping: rename the result field, or report an undocumented status. On a job
 * list only the first (newest) job is reshaped, so the other tasks in it stay readable.
 */
function reshapeStatusReply(reply, mode, resultField) {
	const body = reply.json;
	if (!body || typeof body !== 'object' || Array.isArray(body)) return reply;
	if (Array.isArray(body.jobs) && body.jobs.length > 0) {
		const [first, ...rest] = body.jobs;
		const reshaped = reshapeStatusReply({ json: first }, mode, resultField).json;
		return { ...reply, json: { ...body, jobs: [reshaped, ...rest] } };
	}
	const copy = { ...body };
	if (mode === 'drift' && resultField in copy) {
		copy.result_urls = copy[resultField];
		delete copy[resultField];
	}
	if (mode === 'unknownStatus') copy.status = 'weird_state';
	return { ...reply, json: copy };
}

/**
 * Serves one request under `fault`.
 * `io` = { route, run(): Promise<reply>, write(reply, opts), destroy(), sleep(ms), errorReply(status), resultField }
 */
async function applyFault(fault, io) {
	if (fault.mode === 'delay') {
		await io.sleep(fault.delayMs);
		return io.write(await io.run());
	}
	const real = requestTakesEffect(fault, io.route) ? await io.run() : null;
	const reply = real || placeholderReply(fault);
	switch (fault.mode) {
		case 'reset':
			return io.destroy();
		case 'resetMidBody':
		case 'truncate':
			return io.write(reply, { cutFraction: 0.5 });
		case 'malformed': {
			const text = replyText(reply) ?? replyText(placeholderReply(fault)); // binary replies have no text
			return io.write(textReply(fault.status || 200, text.slice(0, Math.floor(text.length / 2)), 'application/json; charset=utf-8', fault.headers));
		}
		case 'wrongType':
			return io.write(textReply(fault.status || 200, HTML_ERROR_PAGE, 'text/html; charset=utf-8', fault.headers));
		case 'drift':
		case 'unknownStatus':
			return io.write(reshapeStatusReply(reply, fault.mode, io.resultField));
		default:
			return io.write(respondReply(fault, io));
	}
}

/** The default mode: the given status, headers and body, or the provider's own envelope. */
function respondReply(fault, io) {
	const status = fault.status || 500;
	const headers = fault.headers || {};
	if (typeof fault.body === 'string') return textReply(status, fault.body, 'application/json; charset=utf-8', headers);
	const base = fault.body !== undefined ? jsonReply(status, fault.body) : io.errorReply(status);
	return { ...base, headers: { ...base.headers, ...headers } };
}

module.exports = { FaultQueue, applyFault, FAULT_ROUTES: ROUTES, FAULT_MODES: MODES };
