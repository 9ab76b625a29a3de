'use strict';
/**
 * Provider-independent part of every fake: HTTP server, request log, counters, task store,
 * fault queue and shutdown. A provider module only supplies routes and wire formats:
 *
 *   { defaultApiKey, resultField, routes: [{ method, pattern, route, auth, handler }],
 *     checkAuth(call, ctx, route), errorReply(status, route), notFound(call),
 *     createStore(), extraHeaders?(), scheduleCallbacks?(task, ctx) }
 *
 * Handlers get `(call, ctx)` and return a reply object (see http.js). `scheduleCallbacks`
 * runs for every new task while callbacks are enabled, and plans its deliveries with the
 * ctx helpers `whenFinished`, `atTaskTime` and `deliverCallback`.
 */
const http = require('http');
const { FaultQueue, applyFault } = require('./faults');
const { planTask, taskPhase } = require('./clock');
const { writeReply, readBody, decodeBody, bufferReply } = require('./http');
const { pngBytes } = require('./images');
const { CallbackDispatcher } = require('./callbacks');

const DEFAULT_TASK_DURATION_MS = 200;

/** Which counter a routed request bumps. `submissions` is separate: it counts billed tasks. */
const COUNTER_BY_ROUTE = {
	submit: 'submitRequests',
	status: 'statusPolls',
	list: 'listPolls',
	download: 'downloads',
	upload: 'uploads',
	keycheck: 'keyChecks',
};

function zeroCounts() {
	return { submissions: 0, submitRequests: 0, replays: 0, statusPolls: 0, listPolls: 0, downloads: 0, uploads: 0, keyChecks: 0, total: 0 };
}

function matchRoute(routes, method, path) {
	for (const def of routes) {
		if (def.method !== method) continue;
		const match = def.pattern.exec(path);
		if (match) return { def, params: match.slice(1).map((p) => decodeURIComponent(p)) };
	}
	return null;
}

function listen(server) {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve(server.address().port);
		});
	});
}

/**
 * Routes every fake serves besides the provider's own: /samples/<name>.png is a plain public
 * image for example workflows to download (an "HTTP Request" source image). Not counted.
 */
const SHARED_ROUTES = [
	{
		method: 'GET',
		pattern: /^\/samples\/([\w-]+)\.png$/,
		route: null,
		auth: false,
		handler: (call) => bufferReply(200, 'image/png', pngBytes(128, 128, call.params[0].length)),
	},
];

async function startServer(provider, userOptions = {}) {
	const options = { ...userOptions };
	if (options.apiKey === undefined) options.apiKey = provider.defaultApiKey;

	const sockets = new Set();
	const timers = new Map(); // pending 'delay' waits, released on close()
	const faults = new FaultQueue();
	let counts = zeroCounts();
	let taskSeq = 0;

	const fake = {
		kind: provider.kind,
		options,
		baseUrl: '',
		port: 0,
		requests: [],
		tasks: new Map(),
		callbacks: [],
		get apiKey() {
			return options.apiKey;
		},
		get counts() {
			return { ...counts };
		},
		get pendingFaults() {
			return faults.pending;
		},
		inject(fault) {
			faults.push(fault);
		},
		whenCallbacksIdle() {
			return dispatcher.idle();
		},
		reset() {
			dispatcher.cancelAll(); // first, so no late attempt lands in the cleared log
			fake.callbacks.length = 0;
			fake.requests.length = 0;
			fake.tasks.clear();
			faults.clear();
			counts = zeroCounts();
			ctx.store = provider.createStore();
		},
		close,
	};

	/** What handlers may use; everything stateful goes through here. */
	const ctx = {
		options,
		fake,
		tasks: fake.tasks,
		store: provider.createStore(),
		get baseUrl() {
			return fake.baseUrl;
		},
		now: () => (typeof options.now === 'function' ? options.now() : Date.now()),
		countReplay() {
			counts.replays += 1;
		},
		/** Creates, stores and bills a task; `imageUrl(i)` names result i (1-based). */
		createTask({ id, model, body, prompt, imageCount, imageUrl, extra = {} }) {
			const durationMs = options.taskDurationMs !== undefined ? options.taskDurationMs : DEFAULT_TASK_DURATION_MS;
			const plan = planTask(prompt, ctx.now(), durationMs);
			const images = plan.outcome === 'failed' ? [] : Array.from({ length: imageCount }, (_, i) => imageUrl(i + 1));
			const task = { id, model, body, ...plan, images, seq: ++taskSeq, ...extra };
			fake.tasks.set(id, task);
			counts.submissions += 1;
			if (provider.scheduleCallbacks && options.callbacksEnabled !== false) provider.scheduleCallbacks(task, ctx);
			return task;
		},
		/** Current phase of a task as seen by `call` (a 'drift' fault shows it finished). */
		phase(task, call) {
			return taskPhase(task, ctx.now(), { forceCompleted: Boolean(call && call.fault && call.fault.mode === 'drift') });
		},
		/**
		 * Runs `job()` once the honest clock says `task` has finished (never for a [never] task).
		 * The phase is re-read when the timer fires, because a timer may fire a millisecond early
		 * or `options.now` may be a custom clock: a callback must never beat the status route.
		 */
		whenFinished(task, job) {
			if (task.doneAt === null) return;
			const check = () => {
				const { phase } = ctx.phase(task);
				if (phase === 'completed' || phase === 'failed') return job();
				dispatcher.schedule(Math.max(1, task.doneAt - ctx.now()), check);
				return undefined;
			};
			dispatcher.schedule(task.doneAt - ctx.now(), check);
		},
		/** Runs `job()` `offsetMs` after the task was created. */
		atTaskTime(task, offsetMs, job) {
			dispatcher.schedule(task.createdAt + offsetMs - ctx.now(), job);
		},
		/** `{ taskId, event, url, body (string), headers }` -> Promise<true | false | null (cancelled)>. */
		deliverCallback(delivery) {
			return dispatcher.deliver(delivery);
		},
	};
	const dispatcher = new CallbackDispatcher({ options, now: ctx.now, log: fake.callbacks });

	const server = http.createServer((req, res) => {
		// Clients in these tests hang up on purpose; a write to a dead socket must not crash jest.
		req.on('error', () => {});
		res.on('error', () => {});
		handle(req, res).catch((err) => {
			if (!res.headersSent && !res.destroyed) {
				const reply = provider.errorReply(500, null);
				writeReply(res, { ...reply, json: { ...reply.json, fakeError: String(err && err.stack) } });
			}
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	async function handle(req, res) {
		const at = ctx.now();
		const url = new URL(req.url, 'http://fake.invalid');
		let decoded = { body: undefined, parts: null };
		let rawBody = Buffer.alloc(0);
		try {
			rawBody = await readBody(req);
			decoded = decodeBody(rawBody, req.headers['content-type']);
		} catch {
			// client gave up mid-upload: still log the attempt below
		}
		const match = matchRoute(provider.routes, req.method, url.pathname) || matchRoute(SHARED_ROUTES, req.method, url.pathname);
		const route = match ? match.def.route : null;
		const record = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body: decoded.body, at, route };
		fake.requests.push(record);
		counts.total += 1;
		if (route) counts[COUNTER_BY_ROUTE[route]] += 1;
		if (req.destroyed && !req.complete) return;

		const call = { ...record, rawBody, parts: decoded.parts, jsonError: decoded.jsonError, multipartError: decoded.multipartError, params: match ? match.params : [], fault: faults.take(route) };
		const run = async () => {
			if (!match) return provider.notFound(call);
			const denied = match.def.auth ? provider.checkAuth(call, ctx, route) : null;
			return denied || match.def.handler(call, ctx);
		};
		const extraHeaders = provider.extraHeaders ? provider.extraHeaders() : {};
		const write = (reply, opts = {}) => writeReply(res, reply, { ...opts, extraHeaders });
		if (!call.fault) return write(await run());
		return applyFault(call.fault, {
			route,
			run,
			write,
			destroy: () => req.socket.destroy(),
			sleep,
			errorReply: (status) => provider.errorReply(status, route),
			resultField: provider.resultField,
		});
	}

	function sleep(ms) {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				timers.delete(timer);
				resolve();
			}, ms);
			timers.set(timer, resolve);
		});
	}

	function close() {
		dispatcher.cancelAll();
		for (const [timer, resolve] of timers) {
			clearTimeout(timer);
			resolve(); // the delayed write then finds its socket destroyed and stops
		}
		timers.clear();
		return new Promise((resolve) => {
			server.close(() => resolve());
			for (const socket of sockets) socket.destroy();
		});
	}

	fake.port = await listen(server);
	fake.baseUrl = `http://127.0.0.1:${fake.port}`;
	return fake;
}

module.exports = { startServer };
