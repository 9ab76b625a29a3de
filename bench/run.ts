/**
 * `npm run bench`: the nodes inside n8n-core's engine against the fake providers, each figure
 * measured side by side with its anchor in this same run (these machines are noisy, so only
 * ratios within one run mean anything). The fakes' clock is honest: a 2 s task takes 2 s.
 * P2sim runs the node's poll loop in simulated time on thousands of tasks.
 * Ends with one machine-readable line per figure, e.g. `P1 ratio=1.12 goal<=1.3 ok`.
 */
import type {
	ICredentialDataDecryptedObject,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

import { cleanup, runWorkflow } from '../test/engine/harness';
import type { InputItem, RunWorkflowOptions } from '../test/engine/harness';
import { startFakeProvider } from '../test/fakes';
import type { FakeProvider } from '../test/fakes';
import { downloadBuffered, fixed10s, runApiframeJob, runUnifiedTask, sdkBackoff } from './anchors';
import { durations, SCENARIOS, simulate } from './pollingSimulation';

interface Row {
	figure: string;
	what: string;
	ours: string;
	anchor: string;
	ratio: string;
}

const verdicts: string[] = [];
const rows: Row[] = [];
const fmt = (n: number, digits = 2) => Number(n).toFixed(digits);

function report(row: Row, goal: string, ok?: boolean): void {
	rows.push(row);
	verdicts.push(
		`${row.figure} ${row.ratio} ${goal} ${ok === undefined ? 'info' : ok ? 'ok' : 'not-met'}`,
	);
}

async function runNode(
	type: string,
	parameters: INodeParameters,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	items: InputItem[],
	extra: Partial<RunWorkflowOptions> = {},
): Promise<{ ms: number; items: INodeExecutionData[] }> {
	const started = Date.now();
	const result = await runWorkflow({
		nodes: [{ name: 'Node', type, parameters: { resource: 'image', ...parameters } }],
		credentials,
		inputItems: items,
		timeoutMs: 15 * 60 * 1000,
		...extra,
	});
	if (result.status !== 'success') throw new Error(`${type} run failed: ${result.error?.message}`);
	return { ms: Date.now() - started, items: result.output() };
}

const evoCredentials = (fake: { apiKey: string; baseUrl: string }) => ({
	evoLinkApi: { apiKey: fake.apiKey, baseUrl: fake.baseUrl, fileBaseUrl: fake.baseUrl },
});
const prompts = (n: number, tag: string): InputItem[] =>
	Array.from({ length: n }, (_, i) => ({ json: { prompt: `${tag} ${i}` } }));
const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/** P1: 50 items of 2 s tasks at once, against one item and against one-at-a-time. */
async function p1(): Promise<void> {
	const fake = await startFakeProvider('evoLink', { taskDurationMs: 2000 });
	try {
		const params = { operation: 'generate', prompt: '={{ $json.prompt }}', quality: 'low' };
		const one = await runNode('evoLink', params, evoCredentials(fake), prompts(1, 'one'));
		const fifty = await runNode('evoLink', params, evoCredentials(fake), prompts(50, 'fifty'));
		const oneByOne = { ...params, options: { maxConcurrentTasks: 1 } };
		const sequential = await runNode('evoLink', oneByOne, evoCredentials(fake), prompts(50, 'seq'));
		const ratio = fifty.ms / one.ms;
		report(
			{
				figure: 'P1',
				what: '50 items x 2 s task: node wall time (s)',
				ours: `${fmt(fifty.ms / 1000)} (one item: ${fmt(one.ms / 1000)})`,
				anchor: `${fmt(sequential.ms / 1000)} one-at-a-time`,
				ratio: `ratio=${fmt(ratio)}`,
			},
			'goal<=1.3',
			ratio <= 1.3,
		);
		const speedUp = `x${fmt(sequential.ms / fifty.ms, 1)}`;
		rows.push({
			figure: 'P1',
			what: 'speed-up over one-at-a-time',
			ours: '',
			anchor: '',
			ratio: speedUp,
		});
	} finally {
		await fake.close();
	}
}

/** Completion lag per task: the fake's download request for it minus the moment it was done. */
function lagsAndPolls(fake: FakeProvider, taskIds: string[]) {
	return taskIds.map((id) => {
		const task = fake.tasks.get(id)!;
		const download = fake.requests.find((r) => r.route === 'download' && r.path.includes(id))!;
		const polls = fake.requests.filter((r) => r.route === 'status' && r.path.endsWith(id)).length;
		return { lag: download.at - (task.doneAt as number), polls };
	});
}

interface P2Group {
	seconds: number;
	schedule: 'ours' | 'fixed 10 s' | 'sdk 2s x1.5 max 5s';
	lags: number[];
	polls: number;
}

/** P2: lag and status requests per task for 3/10/30/60 s tasks (exact estimates), in real time. */
async function p2(): Promise<void> {
	const fake = await startFakeProvider('evoLink');
	const perGroup = 10;
	try {
		const seconds = [3, 10, 30, 60];
		const schedules = ['ours', 'fixed 10 s', 'sdk 2s x1.5 max 5s'] as const;
		const groups: P2Group[] = seconds.flatMap((s) =>
			schedules.map((schedule) => ({ seconds: s, schedule, lags: [], polls: 0 })),
		);
		await Promise.all(
			groups.map(async (group) => {
				const tag = `[slow:${group.seconds * 1000}] ${group.schedule}`;
				let taskIds: string[];
				if (group.schedule === 'ours') {
					const params = { operation: 'generate', prompt: '={{ $json.prompt }}', quality: 'low' };
					const run = await runNode(
						'evoLink',
						params,
						evoCredentials(fake),
						prompts(perGroup, tag),
					);
					taskIds = run.items.map((i) => String(i.json.taskId));
				} else {
					const schedule = group.schedule === 'fixed 10 s' ? fixed10s : sdkBackoff;
					taskIds = await Promise.all(
						prompts(perGroup, tag).map(
							async (item) => await runUnifiedTask(fake, String(item.json!.prompt), schedule),
						),
					);
				}
				const measured = lagsAndPolls(fake, taskIds);
				group.lags = measured.map((m) => m.lag / 1000);
				group.polls = measured.reduce((sum, m) => sum + m.polls, 0) / measured.length;
			}),
		);
		for (const s of seconds) {
			const [ours, fixed, sdk] = groups.filter((g) => g.seconds === s);
			const line = (g: P2Group) =>
				`p50 ${fmt(percentile(g.lags, 50))} s, p95 ${fmt(percentile(g.lags, 95))} s, ${fmt(g.polls, 1)} req/task`;
			rows.push({
				figure: 'P2',
				what: `${s} s tasks: ours`,
				ours: line(ours),
				anchor: '',
				ratio: '',
			});
			rows.push({
				figure: 'P2',
				what: `${s} s tasks: fixed 10 s`,
				ours: '',
				anchor: line(fixed),
				ratio: '',
			});
			const ratio = `req ours/sdk=${fmt(ours.polls / sdk.polls)}`;
			rows.push({
				figure: 'P2',
				what: `${s} s tasks: SDK 2 s x1.5 max 5 s`,
				ours: '',
				anchor: line(sdk),
				ratio,
			});
			const p50 = percentile(ours.lags, 50);
			verdicts.push(`P2-${s}s lag_p50=${fmt(p50)} goal<=0.3 ${p50 <= 0.3 ? 'ok' : 'not-met'}`);
			const fewer = ours.polls < sdk.polls;
			verdicts.push(
				`P2-${s}s req_ratio_vs_sdk=${fmt(ours.polls / sdk.polls)} goal<1 ${fewer ? 'ok' : 'not-met'}`,
			);
		}
	} finally {
		await fake.close();
	}
}

/** P2sim: the poll loop in simulated time, 2,000 tasks of 3-120 s per scenario and schedule. */
async function p2sim(): Promise<void> {
	const lengths = durations(2000);
	for (const scenario of SCENARIOS) {
		const ours = await simulate(scenario, 'ours', lengths);
		const fixed = await simulate(scenario, 'fixed 10 s', lengths);
		const sdk = await simulate(scenario, 'sdk 2 s x1.5 max 5 s', lengths);
		const line = (m: typeof ours) =>
			`p50 ${fmt(m.lagP50)} s, p95 ${fmt(m.lagP95)} s, ${fmt(m.requestsPerTaskSecond, 3)} req/task-s`;
		rows.push({
			figure: 'P2sim',
			what: `${scenario.name}: ours`,
			ours: line(ours),
			anchor: '',
			ratio: '',
		});
		rows.push({
			figure: 'P2sim',
			what: `${scenario.name}: fixed 10 s`,
			ours: '',
			anchor: line(fixed),
			ratio: '',
		});
		rows.push({
			figure: 'P2sim',
			what: `${scenario.name}: SDK 2 s x1.5 max 5 s`,
			ours: '',
			anchor: line(sdk),
			ratio: `lag ours/sdk=${fmt(ours.lagP50 / sdk.lagP50)}`,
		});
		const name = scenario.name.replace(/[^a-z]+/g, '-').replace(/-$/, '');
		const ok = ours.lagP50 <= 1 && ours.requestsPerTaskSecond <= 1;
		verdicts.push(
			`P2sim-${name} lag_p50=${fmt(ours.lagP50)} req_per_task_s=${fmt(ours.requestsPerTaskSecond, 3)} goal:lag<=1,req<=1 ${ok ? 'ok' : 'not-met'}`,
		);
	}
}

/** Starts a fake in a child process, so its memory does not count against the node's. */
async function startFakeProcess(
	key: string,
	options: object,
): Promise<{ baseUrl: string; apiKey: string; kill(): void }> {
	const script = `require(${JSON.stringify(path.join(__dirname, '..', 'test', 'fakes'))}).startFakeProvider(${JSON.stringify(key)}, ${JSON.stringify(options)}).then((f) => console.log(JSON.stringify({ baseUrl: f.baseUrl, apiKey: f.apiKey })))`;
	const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
		stdio: ['ignore', 'pipe', 'inherit'],
		env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.test.json') },
	});
	return await new Promise((resolve, reject) => {
		readline
			.createInterface({ input: child.stdout })
			.once('line', (line) => resolve({ ...JSON.parse(line), kill: () => child.kill() }));
		child.once('exit', (code) => reject(new Error(`fake exited with ${code}`)));
	});
}

async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
	(global as { gc?: () => void }).gc?.();
	const base = process.memoryUsage().rss;
	let peak = base;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
	try {
		await work();
	} finally {
		clearInterval(timer);
	}
	return (Math.max(peak, process.memoryUsage().rss) - base) / 1048576;
}

/** P3: one 100 MB result image into filesystem binary data: peak RSS growth of this process. */
async function p3(): Promise<void> {
	const size = 100 * 1048576;
	const fake = await startFakeProcess('evoLink', { taskDurationMs: 300, resultBytes: size });
	try {
		const credentials = { evoLinkApi: { apiKey: fake.apiKey, baseUrl: fake.baseUrl } };
		const big = (prompt: string) => ({
			operation: 'generate',
			prompt,
			options: { maxDownloadMb: 200 },
		});
		const filesystem = { binaryMode: 'filesystem' as const };
		// Warm up first, so modules the engine loads lazily on its first run are not counted.
		await runNode('evoLink', big('warm-up'), credentials, [{ json: {} }], filesystem);
		let stored = 0;
		// RSS moves with the garbage collector's timing: each side is measured three times, median kept.
		const runs: number[] = [];
		for (let i = 0; i < 3; i++) {
			runs.push(
				await peakRssGrowth(async () => {
					const run = await runNode(
						'evoLink',
						big(`big ${i}`),
						credentials,
						[{ json: {} }],
						filesystem,
					);
					stored = run.items[0].binary!.data.bytes ?? 0;
				}),
			);
		}
		const ours = [...runs].sort((a, b) => a - b)[1];
		const urlRun = await runNode(
			'evoLink',
			{ operation: 'generate', prompt: 'big url', options: { output: 'url' } },
			credentials,
			[{ json: {} }],
		);
		// Measured once: a second whole-file download reuses the pages the first one freed.
		const anchor = await peakRssGrowth(
			async () => await downloadBuffered(String(urlRun.items[0].json.imageUrl)),
		);
		report(
			{
				figure: 'P3',
				what: `100 MB result image, filesystem binary mode: peak RSS growth (MB, median of 3), stored ${fmt(stored / 1048576, 0)} MB`,
				ours: `${fmt(ours, 1)} (runs ${runs.map((v) => fmt(v, 1)).join(', ')})`,
				anchor: `${fmt(anchor, 1)} whole-file buffer`,
				ratio: `growth=${fmt(ours, 1)}MB`,
			},
			'goal<32MB',
			ours < 32,
		);
	} finally {
		fake.kill();
	}
}

/** P4: 50 Apiframe jobs: status requests per poll cycle (one list request vs one per job). */
async function p4(): Promise<void> {
	const fake = await startFakeProvider('apiframe', { taskDurationMs: 6000 });
	try {
		const credentials = { apiframeApi: { apiKey: fake.apiKey, baseUrl: fake.baseUrl } };
		const params = {
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			quality: 'low',
			options: { output: 'url' },
		};
		await runNode('apiframe', params, credentials, prompts(50, 'ours'));
		const oursRequests = fake.counts.statusPolls + fake.counts.listPolls;
		const oursCycles = fake.counts.listPolls || 1;
		const before = fake.counts.statusPolls;
		const startedAt = Date.now();
		await Promise.all(
			prompts(50, 'anchor').map(
				async (item) => await runApiframeJob(fake, String(item.json!.prompt)),
			),
		);
		// A cycle of the anchor is one round of its schedule: each job is polled once per round.
		const pollsPerJob = new Map<string, number>();
		for (const r of fake.requests.filter((r) => r.route === 'status' && r.at >= startedAt)) {
			pollsPerJob.set(r.path, (pollsPerJob.get(r.path) ?? 0) + 1);
		}
		const anchorPerCycle = (fake.counts.statusPolls - before) / Math.max(...pollsPerJob.values());
		const ours = oursRequests / oursCycles;
		report(
			{
				figure: 'P4',
				what: '50 Apiframe jobs: status requests per poll cycle',
				ours: `${fmt(ours, 1)} (${oursRequests} in ${oursCycles} cycles)`,
				anchor: `${fmt(anchorPerCycle, 1)} one GET per job`,
				ratio: `per_cycle=${fmt(ours, 1)}`,
			},
			`anchor=${fmt(anchorPerCycle, 1)}`,
			ours < anchorPerCycle,
		);
	} finally {
		await fake.close();
	}
}

async function main(): Promise<void> {
	const started = Date.now();
	const only = process.argv.slice(2);
	const figures: Record<string, () => Promise<void>> = {
		P1: p1,
		P2: p2,
		P2sim: p2sim,
		P3: p3,
		P4: p4,
	};
	for (const [name, figure] of Object.entries(figures)) {
		if (only.length > 0 && !only.includes(name)) continue;
		const t = Date.now();
		await figure();
		console.log(`${name} measured in ${fmt((Date.now() - t) / 1000, 1)} s`);
	}
	console.log('\n| figure | what | ours | anchor | ratio |\n|---|---|---|---|---|');
	for (const r of rows)
		console.log(`| ${r.figure} | ${r.what} | ${r.ours} | ${r.anchor} | ${r.ratio} |`);
	console.log(`\nbench took ${fmt((Date.now() - started) / 1000, 1)} s`);
	for (const v of verdicts) console.log(v);
	cleanup();
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
