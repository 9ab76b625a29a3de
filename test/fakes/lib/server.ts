/**
 * Provider-independent part of every fake: request log, counters, task store, fault queue,
 * callbacks, clock and shutdown, around one `dispatch` (dispatch.ts) that both transports call:
 * the HTTP server (socket.ts) and the in-process `fake.request()` (inProcess.ts). A wire-format
 * module (unifiedTask.ts, apiframe.ts) only supplies routes and envelopes (see provider.ts).
 */
import { wallClock } from '../../tools/clock';
import type { TestClock } from '../../tools/clock';
import type { ProviderDefinition } from '../../../nodes/shared/provider';
import { CallbackDispatcher } from './callbacks';
import { createDispatch, zeroCounts } from './dispatch';
import { FaultQueue } from './faults';
import { serveInProcess } from './inProcess';
import type { InProcessTarget } from './inProcess';
import type { Ctx, Store, WireFormatModule } from './provider';
import { serveHttp } from './socket';
import { planTask, taskPhase } from './taskTiming';
import type { FakeProvider, FakeProviderOptions, FakeTask, RecordedRequest } from '../types';

const DEFAULT_TASK_DURATION_MS = 200;

function newStore(): Store {
	return { files: new Map(), idempotency: new Map() };
}

export interface FakeSpec {
	provider: ProviderDefinition;
	models: readonly string[];
	filesApi: boolean;
	module: WireFormatModule;
}

export async function startServer(
	{ provider, models, filesApi, module }: FakeSpec,
	userOptions: FakeProviderOptions = {},
): Promise<FakeProvider> {
	const options = { ...userOptions, apiKey: userOptions.apiKey ?? module.defaultApiKey };
	const clock = (): TestClock => options.clock ?? wallClock;
	const delays = new Map<() => void, (completed: boolean) => void>(); // 'delay' faults: cancel -> resolve
	const faults = new FaultQueue();
	const requests: RecordedRequest[] = [];
	const tasks = new Map<string, FakeTask>();
	const callbacks: FakeProvider['callbacks'] = [];
	const dispatcher = new CallbackDispatcher(options, clock, callbacks);
	let store = newStore();
	const counts = zeroCounts();
	let taskSeq = 0;

	const ctx: Ctx = {
		options,
		tasks,
		get store() {
			return store;
		},
		get baseUrl() {
			return target.baseUrl;
		},
		now: () => clock().now(),
		countReplay() {
			counts.replays += 1;
		},
		createTask({ id, model, body, prompt, imageCount, imageUrl, extra = {} }) {
			const plan = planTask(prompt, ctx.now(), options.taskDurationMs ?? DEFAULT_TASK_DURATION_MS);
			const images =
				plan.outcome === 'failed'
					? []
					: Array.from({ length: imageCount }, (_, i) => imageUrl(i + 1));
			const task: FakeTask = { id, model, body, ...plan, images, seq: ++taskSeq, ...extra };
			tasks.set(id, task);
			counts.submissions += 1;
			if (module.scheduleCallbacks && options.callbacksEnabled !== false)
				module.scheduleCallbacks(task, ctx);
			return task;
		},
		phase(task, call) {
			return taskPhase(task, ctx.now(), { forceCompleted: call?.fault?.mode === 'drift' });
		},
		/**
		 * The phase is re-read when the timer fires, because a timer may fire a millisecond early
		 * (or the clock may have been swapped): a callback must never beat the status route.
		 */
		whenFinished(task, job) {
			const { doneAt } = task;
			if (doneAt === null) return;
			const check = (): unknown => {
				const { phase } = ctx.phase(task);
				if (phase === 'completed' || phase === 'failed') return job();
				dispatcher.schedule(Math.max(1, doneAt - ctx.now()), check);
				return undefined;
			};
			dispatcher.schedule(doneAt - ctx.now(), check);
		},
		atTaskTime(task, offsetMs, job) {
			dispatcher.schedule(task.createdAt + offsetMs - ctx.now(), job);
		},
		deliverCallback: (delivery) => dispatcher.deliver(delivery),
	};

	/** A 'delay' wait on the fake's clock; resolves false when close() cuts it short. */
	function sleep(ms: number): Promise<boolean> {
		return new Promise((resolve) => {
			const cancel = clock().setTimer(() => {
				delays.delete(cancel);
				resolve(true);
			}, ms);
			delays.set(cancel, resolve);
		});
	}

	const dispatch = createDispatch({ module, ctx, faults, requests, counts, sleep });

	const target: InProcessTarget = { baseUrl: '', closed: false, dispatch };
	const binding = await serveHttp(dispatch);
	target.baseUrl = `http://127.0.0.1:${binding.port}`;

	const fake: FakeProvider = {
		key: provider.key,
		wireFormat: module.wireFormat,
		provider,
		models,
		filesApi,
		baseUrl: target.baseUrl,
		port: binding.port,
		options,
		requests,
		tasks,
		callbacks,
		get apiKey() {
			return options.apiKey;
		},
		get clock() {
			return clock();
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
		request: (req) => serveInProcess(target, req),
		whenCallbacksIdle: () => dispatcher.idle(),
		reset() {
			dispatcher.cancelAll(); // first, so no late attempt lands in the cleared log
			callbacks.length = 0;
			requests.length = 0;
			tasks.clear();
			faults.clear();
			Object.assign(counts, zeroCounts());
			store = newStore();
		},
		async close() {
			target.closed = true;
			dispatcher.cancelAll();
			for (const [cancel, resolve] of delays) {
				cancel();
				resolve(false);
			}
			delays.clear();
			await binding.close();
		},
	};
	return fake;
}
