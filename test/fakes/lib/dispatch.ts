/**
 * The one place requests are served, whatever the transport: the HTTP server (socket.ts) and
 * the in-process `fake.request()` (inProcess.ts) both call the `dispatch` made here. It logs and
 * counts the request, takes a matching fault, runs auth and the handler, and says what the
 * transport must send.
 */
import { applyFault } from './faults';
import type { FaultQueue, Outcome } from './faults';
import { bufferReply, decodeBody, isPlainObject, toWire } from './http';
import type { Reply, Wire } from './http';
import { pngBytes } from './png';
import { plays } from './provider';
import type { Call, Ctx, RouteDef, WireFormatModule } from './provider';
import type { FakeCounts, RecordedRequest, RequestRoute } from '../types';

/** A request as a transport read it. */
export interface IncomingRequest {
	method: string;
	/** Path and query string. */
	url: string;
	/** Lower-case names. */
	headers: Record<string, string | string[] | undefined>;
	rawBody: Buffer;
	/** The client went away before the body was complete: log it, answer nothing. */
	aborted: boolean;
}

/** What a transport must do: send a reply (maybe cut short), reset the connection, or nothing. */
export type Served =
	| { kind: 'reply'; wire: Wire; cutFraction?: number; pace?: Pace }
	| { kind: 'reset' }
	| { kind: 'none' };

/** Send one byte at a time, waiting `ms` on the fake's clock between bytes ('drip' fault). */
export interface Pace {
	ms: number;
	sleep(ms: number): Promise<boolean>;
}

export type Dispatch = (req: IncomingRequest) => Promise<Served>;

/** The fake's state that dispatch reads and updates. */
export interface DispatchState {
	module: WireFormatModule;
	ctx: Ctx;
	faults: FaultQueue;
	requests: RecordedRequest[];
	/** Updated in place. */
	counts: FakeCounts;
	/** A 'delay' wait on the fake's clock; false when close() cut it short. */
	sleep(ms: number): Promise<boolean>;
}

/** Which counter a routed request bumps. `submissions` is separate: it counts billed tasks. */
const COUNTER_BY_ROUTE: Record<RequestRoute, keyof FakeCounts> = {
	submit: 'submitRequests',
	status: 'statusPolls',
	list: 'listPolls',
	download: 'downloads',
	upload: 'uploads',
	keycheck: 'keyChecks',
};

export function zeroCounts(): FakeCounts {
	return {
		submissions: 0,
		submitRequests: 0,
		replays: 0,
		statusPolls: 0,
		listPolls: 0,
		downloads: 0,
		uploads: 0,
		keyChecks: 0,
		total: 0,
	};
}

/** The path of a shared sample image; its one group is the sample's name. */
export const SAMPLE_PATH = /^\/samples\/([\w-]+)\.png$/;

/** The bytes of the sample image `name` (also how submit validation knows its size). */
export function samplePng(name: string): Buffer {
	return pngBytes(128, 128, name.length);
}

/**
 * Routes every fake serves besides the provider's own: /samples/<name>.png is a plain public
 * image for example workflows to download (an "HTTP Request" source image). Not counted.
 */
const SHARED_ROUTES: RouteDef[] = [
	{
		method: 'GET',
		pattern: SAMPLE_PATH,
		route: null,
		auth: false,
		handler: (call) => bufferReply(200, 'image/png', samplePng(call.params[0])),
	},
];

function matchRoute(
	routes: RouteDef[],
	method: string,
	path: string,
): { def: RouteDef; params: string[] } | null {
	for (const def of routes) {
		if (def.method !== method) continue;
		const match = def.pattern.exec(path);
		if (match) return { def, params: match.slice(1).map((p) => decodeURIComponent(p)) };
	}
	return null;
}

function headerText(value: string | string[] | undefined): string {
	return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** The provider's 500 envelope with the handler's stack, when a handler throws. */
function crashReply(module: WireFormatModule, err: unknown): Reply {
	const reply = module.errorReply(500, null);
	const fakeError = String((err as Error)?.stack ?? err);
	return reply.kind === 'json' && isPlainObject(reply.json)
		? { ...reply, json: { ...reply.json, fakeError } }
		: reply;
}

/** The first text of an error body, for an error envelope played wrong. */
function firstText(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value && typeof value === 'object')
		for (const inner of Object.values(value as Record<string, unknown>)) {
			const text = firstText(inner);
			if (text) return text;
		}
	return '';
}

/**
 * With the error envelope played wrong (`wrongFacts`: `errorEnvelope` or `errorShape`), every
 * error answer is `{"message", "status"}` instead of the provider's documented envelope.
 */
function unlikeErrors(reply: Reply, ctx: Ctx): Reply {
	const wrong = plays(ctx, 'errorEnvelope') || plays(ctx, 'errorShape');
	if (!wrong || reply.kind !== 'json' || reply.status < 400) return reply;
	return { ...reply, json: { message: firstText(reply.json), status: reply.status } };
}

export function createDispatch(state: DispatchState): Dispatch {
	const { module, ctx } = state;

	async function serve(
		call: Call,
		route: RequestRoute | null,
		def: RouteDef | null,
	): Promise<Outcome> {
		const run = async (): Promise<Reply> => {
			if (!def) return module.notFound(call);
			const denied = def.auth ? module.checkAuth(call, ctx, route) : null;
			return denied ?? (await def.handler(call, ctx));
		};
		if (!call.fault) return { kind: 'reply', reply: unlikeErrors(await run(), ctx) };
		return await applyFault(call.fault, {
			route,
			run,
			sleep: state.sleep,
			errorReply: (status) => module.errorReply(status, route),
			resultField: module.resultField,
		});
	}

	return async (req) => {
		const url = new URL(req.url, 'http://fake.invalid');
		const decoded = decodeBody(req.rawBody, headerText(req.headers['content-type']));
		const match =
			matchRoute(module.routes, req.method, url.pathname) ??
			matchRoute(SHARED_ROUTES, req.method, url.pathname);
		const route = match ? match.def.route : null;
		const record: RecordedRequest = {
			method: req.method,
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			body: decoded.body,
			at: ctx.now(),
			route,
		};
		state.requests.push(record);
		state.counts.total += 1;
		if (route) state.counts[COUNTER_BY_ROUTE[route]] += 1;
		if (req.aborted) return { kind: 'none' };

		const call: Call = {
			...record,
			...decoded,
			rawBody: req.rawBody,
			params: match ? match.params : [],
			fault: state.faults.take(route),
		};
		let outcome: Outcome;
		try {
			outcome = await serve(call, route, match ? match.def : null);
		} catch (err) {
			outcome = { kind: 'reply', reply: crashReply(module, err) };
		}
		if (outcome.kind === 'reset') return outcome;
		return {
			kind: 'reply',
			wire: toWire(outcome.reply, module.extraHeaders?.() ?? {}),
			cutFraction: outcome.cutFraction,
			pace: outcome.paceMs === undefined ? undefined : { ms: outcome.paceMs, sleep: state.sleep },
		};
	};
}
