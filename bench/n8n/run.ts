/**
 * `npm run bench:n8n`: the callback trigger in a real n8n 2.41.1 (the e2e install), confirming
 * each callback with a fake EvoLink (its own process).
 * - P6: 200 and 1,000 distinct callbacks at 20 and at 50 at once: answers per second and answer
 *   time (a provider waits about 10 s, then delivers again); then the last 1,000 again, as
 *   duplicates: runs started and provider reads per duplicate.
 * - P6prof: one callback at a time, split into n8n's time before and after the trigger's
 *   webhook() and the trigger's own time (with what it waits for inside: credentials, the
 *   provider); then a burst of 500 at 50 at once under a CPU profile, split by owner.
 * `npm run bench:n8n -- P6` runs one figure. P6's lines end with their goal and `ok` or
 * `not-met`; P6prof is a profile (table rows only).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { restClient, setupOwner } from '../../test/e2e/n8nHost';
import { startFakeProcess } from '../fakeProcess';
import type { FakeProcess } from '../fakeProcess';
import { fmt, percentile, printReport, row, verdict } from '../report';
import { cpuSplit } from './cpuProfile';
import { prepareN8n, startBenchN8n } from './host';
import type { BenchN8n } from './host';
import { deliver, finishedTasks, now } from './load';
import type { Answer } from './load';

/** The trigger's answer must come well inside the provider's 10 s wait. */
const GOAL_P95_S = 5;
const GOAL_MAX_S = 8;

/** Waits until n8n has finished every run the callbacks started (they run after the answer). */
async function settled(n8n: BenchN8n, api: ReturnType<typeof restClient>): Promise<void> {
	for (let i = 0; i < 600; i++) {
		const executions = await api.executions('gptImgBenchCb001');
		if (!executions.some((e) => e.status === 'running' || e.status === 'new')) return;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	throw new Error(`runs still going after 5 minutes (${n8n.webhookUrl})`);
}

/** "3 answered 503 (n8n: Database is not ready)": the answers that were not 200, by reason. */
function statuses(answers: Answer[]): string {
	const counts = new Map<string, number>();
	for (const a of answers) {
		if (a.status === 200) continue;
		const key = a.status === 0 ? `${a.reason}` : `answered ${a.status} (${a.reason})`;
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	if (counts.size === 0) return 'all 200';
	return [...counts].map(([key, n]) => `${n} ${key}`).join(', ');
}

function latency(answers: Answer[]) {
	const seconds = answers.map((a) => a.ms / 1000);
	return {
		p50: percentile(seconds, 50),
		p95: percentile(seconds, 95),
		max: Math.max(...seconds),
		failed: answers.filter((a) => a.status !== 200).length,
		started: answers.filter((a) => a.started).length,
		duplicates: answers.filter((a) => a.duplicate).length,
	};
}

async function p6(fake: FakeProcess): Promise<void> {
	const prepared = await prepareN8n(fake);
	const n8n = await startBenchN8n(prepared);
	try {
		const api = restClient(n8n.server.base, await setupOwner(n8n.server.base));
		await deliver(n8n.webhookUrl, await finishedTasks(fake, 20, 'warm-up'), 5);
		await settled(n8n, api);
		let last: Array<{ taskId: string; body: string }> = [];
		for (const concurrency of [20, 50]) {
			for (const count of [200, 1000]) {
				const callbacks = await finishedTasks(fake, count, `c${concurrency} n${count}`);
				const before = (await fake.counts()).statusPolls;
				const { answers, wallMs } = await deliver(n8n.webhookUrl, callbacks, concurrency);
				const reads = (await fake.counts()).statusPolls - before;
				await settled(n8n, api);
				const l = latency(answers);
				const rate = count / (wallMs / 1000);
				row({
					figure: 'P6',
					what: `${count} distinct callbacks, ${concurrency} at once`,
					ours: `${fmt(rate, 1)} answered/s; answer p50 ${fmt(l.p50)} s, p95 ${fmt(l.p95)} s, max ${fmt(l.max)} s; ${l.started} runs, ${statuses(answers)}; ${fmt(reads / count)} provider reads each`,
					anchor: '',
					ratio: `p95=${fmt(l.p95)}s`,
				});
				verdict(
					`P6-c${concurrency}-n${count}`,
					`rate=${fmt(rate, 1)}/s p95=${fmt(l.p95)}s max=${fmt(l.max)}s runs=${l.started}/${count}`,
					`goal:p95<=${GOAL_P95_S}s,max<${GOAL_MAX_S}s,runs=all`,
					l.p95 <= GOAL_P95_S && l.max < GOAL_MAX_S && l.started === count,
				);
				last = callbacks;
			}
		}
		// The provider delivers again when its answer was lost: the same 1,000, already known.
		const before = (await fake.counts()).statusPolls;
		const { answers, wallMs } = await deliver(n8n.webhookUrl, last, 50);
		const reads = (await fake.counts()).statusPolls - before;
		await settled(n8n, api);
		const l = latency(answers);
		// A callback answered 429 the first time started nothing: sent again it starts its run and
		// costs its one read, as a provider's redelivery would. Only known deliveries must cost none.
		const perDuplicate = (reads - l.started) / Math.max(1, l.duplicates);
		row({
			figure: 'P6',
			what: `the same ${last.length} again (duplicates), 50 at once`,
			ours: `${fmt(last.length / (wallMs / 1000), 1)} answered/s; answer p50 ${fmt(l.p50)} s, p95 ${fmt(l.p95)} s, max ${fmt(l.max)} s; ${l.started} runs, ${l.duplicates} answered duplicate, ${statuses(answers)}; ${fmt(perDuplicate)} provider reads per known delivery`,
			anchor: '',
			ratio: `reads=${fmt(perDuplicate)}`,
		});
		verdict(
			`P6-duplicates-n${last.length}`,
			`reads_per_known_delivery=${fmt(perDuplicate)} duplicates=${l.duplicates} first_runs=${l.started}`,
			'goal:reads=0,every_call_a_duplicate_or_its_first_run',
			reads === l.started && l.started + l.duplicates === last.length,
		);
	} finally {
		await n8n.server.stop();
		if (!process.env.KEEP_BENCH) fs.rmSync(prepared.userFolder, { recursive: true, force: true });
	}
}

interface HookRecord {
	start: number;
	end: number;
	taskId: string | null;
	outcome: string;
	credentials: number;
	credentialsCalls: number;
	provider: number;
	/** n8n reading the credential to sign the provider request (part of `provider`). */
	credentialsInProvider: number;
	staticData: number;
	/** The event loop held by other work while the call ran (see timingHook.js). */
	loopBlocked: number;
}

function hookRecords(file: string) {
	const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
	const parsed = lines.filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
	const calibration = parsed.find((p) => p.calibration)?.calibration as
		{ epoch: number; hrtimeUs: number } | undefined;
	return { records: parsed.filter((p) => !p.calibration) as HookRecord[], calibration };
}

const median = (values: number[]) => percentile(values, 50);

async function p6prof(fake: FakeProcess): Promise<void> {
	const prepared = await prepareN8n(fake);
	const profiles = path.join(prepared.userFolder, 'cpu-profiles');
	const timingFile = path.join(prepared.userFolder, 'trigger-timings.jsonl');
	const hook = path.join(__dirname, 'timingHook.js');
	const nodeArgs = ['-r', hook, '--cpu-prof', `--cpu-prof-dir=${profiles}`];
	const n8n = await startBenchN8n(prepared, nodeArgs, { GPT_IMAGE_TIMING_FILE: timingFile });
	let burst: [number, number] = [0, 0];
	try {
		const api = restClient(n8n.server.base, await setupOwner(n8n.server.base));
		await deliver(n8n.webhookUrl, await finishedTasks(fake, 20, 'warm-up'), 5);
		await settled(n8n, api);
		// One at a time: the time of one callback, end to end.
		const single = await deliver(n8n.webhookUrl, await finishedTasks(fake, 100, 'one'), 1);
		await settled(n8n, api);
		const burstCallbacks = await finishedTasks(fake, 500, 'burst');
		const burstStart = now();
		await deliver(n8n.webhookUrl, burstCallbacks, 50);
		burst = [burstStart, now()];
		await settled(n8n, api);
		await new Promise((resolve) => setTimeout(resolve, 500)); // the hook writes every 200 ms
		const { records } = hookRecords(timingFile);
		const byTask = new Map(records.map((r) => [r.taskId, r]));
		const split = single.answers
			.map((a) => ({ a, r: byTask.get(a.taskId) }))
			.filter((x): x is { a: Answer; r: HookRecord } => x.r !== undefined);
		const total = median(split.map(({ a }) => a.ms));
		const before = median(split.map(({ a, r }) => r.start - a.sentAt));
		const webhook = median(split.map(({ r }) => r.end - r.start));
		const credentials = median(split.map(({ r }) => r.credentials));
		const calls = median(split.map(({ r }) => r.credentialsCalls));
		const provider = median(split.map(({ r }) => r.provider));
		const signing = median(split.map(({ r }) => r.credentialsInProvider));
		const staticData = median(split.map(({ r }) => r.staticData));
		const blocked = median(split.map(({ r }) => r.loopBlocked));
		const after = median(split.map(({ a, r }) => a.sentAt + a.ms - r.end));
		const own = median(
			split.map(({ r }) => r.end - r.start - r.credentials - r.provider - r.staticData),
		);
		row({
			figure: 'P6prof',
			what: `one callback end to end (median of ${split.length}, one at a time)`,
			ours: `${fmt(total, 1)} ms: n8n before the trigger ${fmt(before, 1)}, trigger webhook() ${fmt(webhook, 1)} (credentials ${fmt(credentials, 1)} in ${calls} calls, provider read ${fmt(provider, 1)} of which n8n's credential lookup to sign it ${fmt(signing, 1)}, static data ${fmt(staticData, 2)}, its own code ${fmt(own, 1)}; n8n's event loop busy with other work meanwhile ${fmt(blocked, 1)}), n8n after it (run start, database, answer) ${fmt(after, 1)}`,
			anchor: '',
			ratio: `trigger=${fmt((webhook / total) * 100, 0)}%`,
		});
	} finally {
		await n8n.server.stop();
	}
	const files = fs.existsSync(profiles) ? fs.readdirSync(profiles) : [];
	const mainProfile = files.find((f) => f.includes(`.${n8n.server.pid}.`)) ?? files[0];
	if (mainProfile) {
		const { calibration } = hookRecords(timingFile);
		const window: [number, number] | undefined = calibration
			? [
					calibration.hrtimeUs + (burst[0] - calibration.epoch) * 1000,
					calibration.hrtimeUs + (burst[1] - calibration.epoch) * 1000,
				]
			: undefined;
		const cpu = cpuSplit(path.join(profiles, mainProfile), window);
		const shares = cpu.owners
			.map(([owner, ms]) => `${owner} ${fmt((ms / cpu.busyMs) * 100, 0)}%`)
			.join(', ');
		const oursMs = cpu.owners.find(([owner]) => owner === 'this package')?.[1] ?? 0;
		row({
			figure: 'P6prof',
			what: `n8n's CPU during 500 callbacks, 50 at once (${fmt(cpu.busyMs / 1000, 1)} s busy)`,
			ours: shares,
			anchor: '',
			ratio: `ours=${fmt((oursMs / cpu.busyMs) * 100, 1)}%`,
		});
		row({
			figure: 'P6prof',
			what: "this package's busiest functions (self ms)",
			ours: cpu.ours.map(([name, ms]) => `${name} ${fmt(ms, 0)}`).join('; '),
			anchor: '',
			ratio: '',
		});
	}
	if (!process.env.KEEP_BENCH) fs.rmSync(prepared.userFolder, { recursive: true, force: true });
}

const FIGURES: Record<string, (fake: FakeProcess) => Promise<void>> = { P6: p6, P6prof: p6prof };

async function main(): Promise<void> {
	const started = Date.now();
	const only = process.argv.slice(2);
	if (process.env.BENCH_N8N_ENV) console.log(`n8n settings: ${process.env.BENCH_N8N_ENV}`);
	const fake = await startFakeProcess('evoLink', {
		taskDurationMs: 20,
		balance: 1e9,
		callbacksEnabled: false,
	});
	try {
		for (const [name, figure] of Object.entries(FIGURES)) {
			if (only.length > 0 && !only.includes(name)) continue;
			const t = Date.now();
			await figure(fake);
			console.log(`${name} measured in ${fmt((Date.now() - t) / 1000, 1)} s`);
		}
	} finally {
		await fake.stop();
	}
	printReport(started);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
