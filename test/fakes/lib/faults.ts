/**
 * Fault injection. Faults wait in a FIFO queue; each request takes the first queued fault
 * whose route matches it ('any' matches every request) and that fault replaces or reshapes
 * the normal response. `applyFault` only decides what is sent; the transports (socket or
 * in-process) carry it out.
 */
import { jsonReply, replyText, streamReply, textReply } from './http';
import type { Reply } from './http';
import type { Fault, FaultMode, FaultRoute, RequestRoute } from '../types';

export const FAULT_ROUTES: readonly FaultRoute[] = [
	'submit',
	'status',
	'list',
	'poll',
	'download',
	'upload',
	'keycheck',
	'any',
];
export const FAULT_MODES: readonly FaultMode[] = [
	'respond',
	'reset',
	'resetMidBody',
	'delay',
	'malformed',
	'truncate',
	'wrongType',
	'drift',
	'unknownStatus',
	'drip',
	'huge',
];
/** Route aliases: 'poll' is any status read, one task ('status') or many ('list'). */
const ALIASES: Partial<Record<FaultRoute, RequestRoute[]>> = { poll: ['status', 'list'] };

/** Share of the body sent before the connection drops ('resetMidBody', 'truncate'). */
export const CUT_FRACTION = 0.5;

const HTML_ERROR_PAGE =
	'<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>' +
	'<body><h1>502 Bad Gateway</h1><p>The CDN could not reach the origin.</p></body></html>';

export interface QueuedFault extends Fault {
	mode: FaultMode;
	times: number;
	createTask: boolean;
}

/** What a faulted (or normal) request sends: a reply, possibly cut short, or a reset socket. */
export type Outcome =
	{ kind: 'reply'; reply: Reply; cutFraction?: number; paceMs?: number } | { kind: 'reset' };

export interface FaultIo {
	route: RequestRoute | null;
	run(): Promise<Reply>;
	/** Waits on the fake's clock; resolves false when close() cut the wait short. */
	sleep(ms: number): Promise<boolean>;
	errorReply(status: number): Reply;
	/** The field status replies carry result URLs in ('drift' renames it). */
	resultField: string;
}

function normaliseFault(fault: Fault): QueuedFault {
	if (!fault || !FAULT_ROUTES.includes(fault.route))
		throw new TypeError(`inject: route must be one of ${FAULT_ROUTES.join(', ')}`);
	const mode = fault.mode || 'respond';
	if (!FAULT_MODES.includes(mode))
		throw new TypeError(`inject: mode must be one of ${FAULT_MODES.join(', ')}`);
	const times = fault.times === undefined ? 1 : fault.times;
	if (!(times > 0))
		throw new TypeError('inject: times must be a positive number (Infinity allowed)');
	if (mode === 'delay' && !(typeof fault.delayMs === 'number' && fault.delayMs >= 0))
		throw new TypeError("inject: mode 'delay' needs delayMs");
	return { ...fault, mode, times, createTask: Boolean(fault.createTask) };
}

export class FaultQueue {
	private readonly items: QueuedFault[] = [];

	push(fault: Fault): void {
		this.items.push(normaliseFault(fault));
	}

	/** Consumes one use of the first fault matching `route` (null = unrouted request). */
	take(route: RequestRoute | null): QueuedFault | null {
		const index = this.items.findIndex(
			(f) =>
				f.route === 'any' ||
				f.route === route ||
				(route !== null && (ALIASES[f.route] ?? []).includes(route)),
		);
		if (index < 0) return null;
		const fault = this.items[index];
		fault.times -= 1;
		if (fault.times <= 0) this.items.splice(index, 1);
		return { ...fault };
	}

	clear(): void {
		this.items.length = 0;
	}

	get pending(): QueuedFault[] {
		return this.items.map((f) => ({ ...f }));
	}
}

/**
 * Whether the request still takes effect behind the fault. Submissions are the only billed
 * side effect, so they only go through when the test asks for it with `createTask: true`
 * (an ambiguous failure after the provider accepted the job). Other routes are read-only or
 * harmless, so they are processed and only their response is faulted.
 */
function requestTakesEffect(fault: QueuedFault, route: RequestRoute | null): boolean {
	return fault.createTask || route !== 'submit';
}

/** Stand-in body when a fault needs JSON text but the handler did not run. */
function placeholderReply(fault: QueuedFault): Reply {
	return jsonReply(
		200,
		fault.body !== undefined
			? fault.body
			: { status: 'processing', message: 'partial response from the fake provider' },
	);
}

/**
 * Status-route reshaping: rename the result field, or report an undocumented status. On a job
 * list only the first (newest) job is reshaped, so the other tasks in it stay readable.
 */
function reshapeStatusReply(reply: Reply, mode: FaultMode, resultField: string): Reply {
	if (reply.kind !== 'json') return reply;
	const body = reply.json;
	if (!body || typeof body !== 'object' || Array.isArray(body)) return reply;
	const record = body as Record<string, unknown>;
	if (Array.isArray(record.jobs) && record.jobs.length > 0) {
		const [first, ...rest] = record.jobs as unknown[];
		const reshaped = reshapeStatusReply(jsonReply(200, first), mode, resultField);
		return {
			...reply,
			json: { ...record, jobs: [reshaped.kind === 'json' ? reshaped.json : first, ...rest] },
		};
	}
	const copy = { ...record };
	if (mode === 'drift' && resultField in copy) {
		copy.result_urls = copy[resultField];
		delete copy[resultField];
	}
	if (mode === 'unknownStatus') copy.status = 'weird_state';
	return { ...reply, json: copy };
}

/** Serves one request under `fault`. */
export async function applyFault(fault: QueuedFault, io: FaultIo): Promise<Outcome> {
	const send = (reply: Reply, cutFraction?: number): Outcome => ({
		kind: 'reply',
		reply,
		cutFraction,
	});
	if (fault.mode === 'delay') {
		// After close() the connection is gone: nothing is processed and nothing answered.
		if (!(await io.sleep(fault.delayMs ?? 0))) return { kind: 'reset' };
		return send(await io.run());
	}
	const real = requestTakesEffect(fault, io.route) ? await io.run() : null;
	const reply = real || placeholderReply(fault);
	switch (fault.mode) {
		case 'reset':
			return { kind: 'reset' };
		case 'resetMidBody':
		case 'truncate':
			return send(reply, CUT_FRACTION);
		case 'malformed': {
			const text = replyText(reply) ?? replyText(placeholderReply(fault)) ?? ''; // streamed replies have no text
			return send(
				textReply(
					fault.status || 200,
					text.slice(0, Math.floor(text.length / 2)),
					'application/json; charset=utf-8',
					fault.headers,
				),
			);
		}
		case 'wrongType':
			return send(
				textReply(fault.status || 200, HTML_ERROR_PAGE, 'text/html; charset=utf-8', fault.headers),
			);
		case 'drift':
		case 'unknownStatus':
			return send(reshapeStatusReply(reply, fault.mode, io.resultField));
		case 'drip':
			return { kind: 'reply', reply, paceMs: fault.dripMs ?? 500 };
		case 'huge':
			return send(hugeJsonReply(fault.hugeBytes ?? 40 * 1048576));
		default:
			return send(respondReply(fault, io));
	}
}

/** A 200 JSON answer of `size` bytes, streamed: {"padding":"xxxx..."}. */
function hugeJsonReply(size: number): Reply {
	const head = Buffer.from('{"padding":"');
	const tail = Buffer.from('"}');
	const fill = Math.max(0, size - head.length - tail.length);
	return streamReply(200, {
		contentType: 'application/json; charset=utf-8',
		length: head.length + fill + tail.length,
		*chunks() {
			yield head;
			const block = Buffer.alloc(65536, 'x');
			for (let left = fill; left > 0; left -= block.length)
				yield left >= block.length ? block : block.subarray(0, left);
			yield tail;
		},
	});
}

/** The default mode: the given status, headers and body, or the provider's own envelope. */
function respondReply(fault: QueuedFault, io: FaultIo): Reply {
	const status = fault.status || 500;
	const headers = fault.headers || {};
	if (typeof fault.body === 'string')
		return textReply(status, fault.body, 'application/json; charset=utf-8', headers);
	const base = fault.body !== undefined ? jsonReply(status, fault.body) : io.errorReply(status);
	return { ...base, headers: { ...base.headers, ...headers } };
}
