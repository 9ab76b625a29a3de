#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: the nodes inside n8n-core's engine against the fake providers, each figure
 * measured side by side with its anchor in this same run (these machines are noisy, so only
 * ratios within one run mean anything). The fakes' clock is honest: a 2 s task takes 2 s.
 * Ends with one machine-readable line per figure, e.g. `P1 ratio=1.12 goal<=1.3 ok`.
 */
const { spawn } = require('child_process');
const path = require('path');
const readline = require('readline');

const { startFakeProvider } = require('../test/fakes');
const { runWorkflow, cleanup } = require('../test/engine/harness');
const anchors = require('./anchors');

const verdicts = [];
const rows = [];

function report(figure, what, ours, anchor, ratio, goal, ok) {
	rows.push({ figure, what, ours, anchor, ratio });
	verdicts.push(`${figure} ${ratio} ${goal} ${ok === undefined ? 'info' : ok ? 'ok' : 'not-met'}`);
}

async function runNode(type, parameters, credentials, items, extra = {}) {
	const started = Date.now();
	const result = await runWorkflow({
		nodes: [{ name: 'Node', type, parameters: { resource: 'image', ...parameters } }],
		credentials,
		inputItems: items,
		timeoutMs: 15 * 60 * 1000,
		...extra,
	});
	if (result.status !== 'success') throw new Error(`${type} run failed: ${result.error && result.error.message}`);
	return { ms: Date.now() - started, items: result.output() };
}

const evoCredentials = (fake) => ({ evoLinkApi: { apiKey: fake.apiKey, baseUrl: fake.baseUrl, fileBaseUrl: fake.baseUrl } });
const prompts = (n, tag) => Array.from({ length: n }, (_, i) => ({ json: { prompt: `${tag} ${i}` } }));
const percentile = (values, p) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const fmt = (n, digits = 2) => Number(n).toFixed(digits);

/** P1: 50 items of 2 s tasks at once, against one item and against one-at-a-time. */
async function p1() {
	const fake = await startFakeProvider('evolink', { taskDurationMs: 2000 });
	try {
		const params = { operation: 'generate', prompt: '={{ $json.prompt }}', quality: 'low' };
		const one = await runNode('evoLink', params, evoCredentials(fake), prompts(1, 'one'));
		const fifty = await runNode('evoLink', params, evoCredentials(fake), prompts(50, 'fifty'));
		const sequential = await runNode('evoLink', { ...params, options: { maxConcurrentTasks: 1 } }, evoCredentials(fake), prompts(50, 'seq'));
		const ratio = fifty.ms / one.ms;
		report('P1', '50 items x 2 s task: node wall time (s)', `${fmt(fifty.ms / 1000)} (one item: ${fmt(one.ms / 1000)})`, `${fmt(sequential.ms / 1000)} one-at-a-time`, `ratio=${fmt(ratio)}`, 'goal<=1.3', ratio <= 1.3);
		rows.push({ figure: 'P1', what: 'speed-up over one-at-a-time', ours: '', anchor: '', ratio: `x${fmt(sequential.ms / fifty.ms, 1)}` });
	} finally {
		await fake.close();
	}
}

/** Completion lag per task: the fake's download request for it minus the moment the task was done. */
function lagsAndPolls(fake, taskIds) {
	return taskIds.map((id) => {
		const task = fake.tasks.get(id);
		const download = fake.requests.find((r) => r.route === 'download' && r.path.includes(id));
		const polls = fake.requests.filter((r) => r.route === 'status' && r.path.endsWith(id)).length;
		return { lag: download.at - task.doneAt, polls };
	});
}

/** P2: lag and status requests per task for 3/10/30/60 s tasks: ours, fixed 10 s, SDK 2 s x1.5 max 5 s. */
async function p2() {
	const fake = await startFakeProvider('evolink');
	const perGroup = 10;
	try {
		const durations = [3, 10, 30, 60];
		const groups = durations.flatMap((seconds) => [
			{ seconds, schedule: 'ours' },
			{ seconds, schedule: 'fixed 10 s' },
			{ seconds, schedule: 'sdk 2s x1.5 max 5s' },
		]);
		await Promise.all(
			groups.map(async (group) => {
				const tag = `[slow:${group.seconds * 1000}] ${group.schedule}`;
				if (group.schedule === 'ours') {
					const run = await runNode('evoLink', { operation: 'generate', prompt: '={{ $json.prompt }}', quality: 'low' }, evoCredentials(fake), prompts(perGroup, tag));
					group.taskIds = run.items.map((i) => i.json.taskId);
				} else {
					const schedule = group.schedule === 'fixed 10 s' ? anchors.fixed10s : anchors.sdkBackoff;
					group.taskIds = await Promise.all(prompts(perGroup, tag).map(async (item) => await anchors.runUnifiedTask(fake, item.json.prompt, schedule)));
				}
				const measured = lagsAndPolls(fake, group.taskIds);
				group.lags = measured.map((m) => m.lag / 1000);
				group.polls = measured.reduce((sum, m) => sum + m.polls, 0) / measured.length;
			}),
		);
		let lagOk = true;
		let pollsOk = true;
		for (const seconds of durations) {
			const [ours, fixed, sdk] = groups.filter((g) => g.seconds === seconds);
			const line = (g) => `p50 ${fmt(percentile(g.lags, 50))} s, p95 ${fmt(percentile(g.lags, 95))} s, ${fmt(g.polls, 1)} req/task`;
			rows.push({ figure: 'P2', what: `${seconds} s tasks: ours`, ours: line(ours), anchor: '', ratio: '' });
			rows.push({ figure: 'P2', what: `${seconds} s tasks: fixed 10 s`, ours: '', anchor: line(fixed), ratio: '' });
			rows.push({ figure: 'P2', what: `${seconds} s tasks: SDK 2 s x1.5 max 5 s`, ours: '', anchor: line(sdk), ratio: `req ours/sdk=${fmt(ours.polls / sdk.polls)}` });
			lagOk = lagOk && percentile(ours.lags, 50) <= 0.3;
			pollsOk = pollsOk && ours.polls < sdk.polls;
			verdicts.push(`P2-${seconds}s lag_p50=${fmt(percentile(ours.lags, 50))} goal<=0.3 ${percentile(ours.lags, 50) <= 0.3 ? 'ok' : 'not-met'}`);
			verdicts.push(`P2-${seconds}s req_ratio_vs_sdk=${fmt(ours.polls / sdk.polls)} goal<1 ${ours.polls < sdk.polls ? 'ok' : 'not-met'}`);
		}
		void lagOk, pollsOk;
	} finally {
		await fake.close();
	}
}

/** Starts a fake in a child process, so its memory does not count against the node's. */
function startFakeProcess(kind, options) {
	const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(path.join(__dirname, '..', 'test', 'fakes'))}).startFakeProvider(${JSON.stringify(kind)}, ${JSON.stringify(options)}).then((f) => console.log(JSON.stringify({ baseUrl: f.baseUrl, apiKey: f.apiKey })))`], { stdio: ['ignore', 'pipe', 'inherit'] });
	return new Promise((resolve, reject) => {
		readline.createInterface({ input: child.stdout }).once('line', (line) => resolve({ ...JSON.parse(line), child }));
		child.once('exit', (code) => reject(new Error(`fake exited with ${code}`)));
	});
}

async function peakRssGrowth(work) {
	global.gc && global.gc();
	const base = process.memoryUsage().rss;
	let peak = base;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
	try {
		await work();
	} finally {
		clearInterval(timer);
	}
	peak = Math.max(peak, process.memoryUsage().rss);
	return (peak - base) / 1048576;
}

/** P3: one 100 MB result image into filesystem binary data: peak RSS growth of this process. */
async function p3() {
	const size = 100 * 1048576;
	const fake = await startFakeProcess('evolink', { taskDurationMs: 300, resultBytes: size });
	try {
		const credentials = { evoLinkApi: { apiKey: fake.apiKey, baseUrl: fake.baseUrl } };
		// Warm up first, so modules the engine loads lazily on its first run are not counted.
		await runNode('evoLink', { operation: 'generate', prompt: 'warm-up', options: { maxDownloadMb: 200 } }, credentials, [{ json: {} }], { binaryMode: 'filesystem' });
		let stored = 0;
		// RSS moves with the garbage collector's timing, so each side is measured three times and the median kept.
		const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
		const oursRuns = [];
		for (let i = 0; i < 3; i++) {
			oursRuns.push(
				await peakRssGrowth(async () => {
					const run = await runNode('evoLink', { operation: 'generate', prompt: `big ${i}`, options: { maxDownloadMb: 200 } }, credentials, [{ json: {} }], { binaryMode: 'filesystem' });
					stored = run.items[0].binary.data.bytes || 0;
				}),
			);
		}
		const ours = median(oursRuns);
		// Anchor: the same 100 MB fetched the whole-file way, into one buffer.
		const taskUrl = await (async () => {
			const run = await runNode('evoLink', { operation: 'generate', prompt: 'big url', options: { output: 'url' } }, credentials, [{ json: {} }]);
			return run.items[0].json.imageUrl;
		})();
		// Measured once: a second whole-file download reuses the pages the first one freed, so RSS
		// would under-report it.
		const anchor = await peakRssGrowth(async () => await anchors.downloadBuffered(taskUrl));
		report(
			'P3',
			`100 MB result image, filesystem binary mode: peak RSS growth (MB, median of 3), stored ${fmt(stored / 1048576, 0)} MB`,
			`${fmt(ours, 1)} (runs ${oursRuns.map((v) => fmt(v, 1)).join(', ')})`,
			`${fmt(anchor, 1)} whole-file buffer`,
			`growth=${fmt(ours, 1)}MB`,
			'goal<32MB',
			ours < 32,
		);
	} finally {
		fake.child.kill();
	}
}

/** P4: 50 Apiframe jobs: status requests per poll cycle (one list request vs one per job). */
async function p4() {
	const fake = await startFakeProvider('apiframe', { taskDurationMs: 6000 });
	try {
		const credentials = { apiframeApi: { apiKey: fake.apiKey, baseUrl: fake.baseUrl } };
		const ours0 = Date.now();
		await runNode('apiframe', { operation: 'generate', prompt: '={{ $json.prompt }}', quality: 'low', options: { output: 'url' } }, credentials, prompts(50, 'ours'));
		console.log(`P4 ours ran in ${fmt((Date.now() - ours0) / 1000, 1)} s`);
		const oursRequests = fake.counts.statusPolls + fake.counts.listPolls;
		const oursCycles = fake.counts.listPolls || 1;
		const before = fake.counts.statusPolls;
		const startedAt = Date.now();
		await Promise.all(prompts(50, 'anchor').map(async (item) => await anchors.runApiframeJob(fake, item.json.prompt)));
		// A cycle of the anchor is one round of its schedule: each job is polled once per round.
		const anchorPolls = fake.requests.filter((r) => r.route === 'status' && r.at >= startedAt);
		const pollsPerJob = new Map();
		for (const r of anchorPolls) pollsPerJob.set(r.path, (pollsPerJob.get(r.path) || 0) + 1);
		const anchorCycles = Math.max(...pollsPerJob.values());
		const anchorPerCycle = (fake.counts.statusPolls - before) / anchorCycles;
		const ours = oursRequests / oursCycles;
		report('P4', '50 Apiframe jobs: status requests per poll cycle', `${fmt(ours, 1)} (${oursRequests} in ${oursCycles} cycles)`, `${fmt(anchorPerCycle, 1)} one GET per job`, `per_cycle=${fmt(ours, 1)}`, `anchor=${fmt(anchorPerCycle, 1)}`, ours < anchorPerCycle);
	} finally {
		await fake.close();
	}
}

async function main() {
	const started = Date.now();
	const only = process.argv.slice(2);
	for (const [name, figure] of Object.entries({ P1: p1, P2: p2, P3: p3, P4: p4 })) {
		if (only.length > 0 && !only.includes(name)) continue;
		const t = Date.now();
		await figure();
		console.log(`${name} measured in ${fmt((Date.now() - t) / 1000, 1)} s`);
	}
	console.log('');
	console.log('| figure | what | ours | anchor | ratio |');
	console.log('|---|---|---|---|---|');
	for (const r of rows) console.log(`| ${r.figure} | ${r.what} | ${r.ours} | ${r.anchor} | ${r.ratio} |`);
	console.log('');
	console.log(`bench took ${fmt((Date.now() - started) / 1000, 1)} s`);
	for (const v of verdicts) console.log(v);
	cleanup();
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
