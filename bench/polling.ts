/**
 * Polling: P2 (completion lag and status requests per task, in real time, next to a fixed 10 s
 * interval and Apiframe's SDK schedule), P2sim (the same poll loop on thousands of tasks in
 * simulated time, with estimates right, wrong or missing) and P4 (Apiframe list requests).
 */
import { startFakeProvider } from '../test/fakes';
import type { FakeProvider } from '../test/fakes';
import { fixed10s, runApiframeJob, runUnifiedTask, sdkBackoff } from './anchors';
import { credentialsFor, prompts, runNode } from './engine';
import { durations, SCENARIOS, simulate } from './pollingSimulation';
import { fmt, percentile, report, row, verdict } from './report';

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
export async function p2(): Promise<void> {
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
					const credentials = credentialsFor('evoLink', fake);
					const run = await runNode('evoLink', params, credentials, prompts(perGroup, tag));
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
			row({ figure: 'P2', what: `${s} s tasks: ours`, ours: line(ours), anchor: '', ratio: '' });
			row({
				figure: 'P2',
				what: `${s} s tasks: fixed 10 s`,
				ours: '',
				anchor: line(fixed),
				ratio: '',
			});
			row({
				figure: 'P2',
				what: `${s} s tasks: SDK 2 s x1.5 max 5 s`,
				ours: '',
				anchor: line(sdk),
				ratio: `req ours/sdk=${fmt(ours.polls / sdk.polls)}`,
			});
			const p50 = percentile(ours.lags, 50);
			verdict(`P2-${s}s`, `lag_p50=${fmt(p50)}`, 'goal<=0.3', p50 <= 0.3);
			const requests = ours.polls / sdk.polls;
			verdict(`P2-${s}s`, `req_ratio_vs_sdk=${fmt(requests)}`, 'goal<1', requests < 1);
		}
	} finally {
		await fake.close();
	}
}

/** P2sim: the poll loop in simulated time, 2,000 tasks of 3-120 s per scenario and schedule. */
export async function p2sim(): Promise<void> {
	const lengths = durations(2000);
	for (const scenario of SCENARIOS) {
		const ours = await simulate(scenario, 'ours', lengths);
		const fixed = await simulate(scenario, 'fixed 10 s', lengths);
		const sdk = await simulate(scenario, 'sdk 2 s x1.5 max 5 s', lengths);
		const line = (m: typeof ours) =>
			`p50 ${fmt(m.lagP50)} s, p95 ${fmt(m.lagP95)} s, ${fmt(m.requestsPerTaskSecond, 3)} req/task-s`;
		row({
			figure: 'P2sim',
			what: `${scenario.name}: ours`,
			ours: line(ours),
			anchor: '',
			ratio: '',
		});
		row({
			figure: 'P2sim',
			what: `${scenario.name}: fixed 10 s`,
			ours: '',
			anchor: line(fixed),
			ratio: '',
		});
		row({
			figure: 'P2sim',
			what: `${scenario.name}: SDK 2 s x1.5 max 5 s`,
			ours: '',
			anchor: line(sdk),
			ratio: `lag ours/sdk=${fmt(ours.lagP50 / sdk.lagP50)}`,
		});
		const name = scenario.name.replace(/[^a-z]+/g, '-').replace(/-$/, '');
		verdict(
			`P2sim-${name}`,
			`lag_p50=${fmt(ours.lagP50)} req_per_task_s=${fmt(ours.requestsPerTaskSecond, 3)}`,
			'goal:lag<=1,req<=1',
			ours.lagP50 <= 1 && ours.requestsPerTaskSecond <= 1,
		);
	}
}

/**
 * P4: 50 Apiframe jobs (6 s): status requests per poll cycle, where a cycle is one list read
 * (its pages) and any job read on its own counts on top; next to one GET per job per round.
 */
export async function p4(): Promise<void> {
	const fake = await startFakeProvider('apiframe', { taskDurationMs: 6000 });
	try {
		const params = {
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			quality: 'low',
			options: { output: 'url' },
		};
		await runNode('apiframe', params, credentialsFor('apiframe', fake), prompts(50, 'ours'));
		const lists = fake.requests.filter((r) => r.route === 'list');
		const singles = fake.counts.statusPolls;
		// A page read with a cursor belongs to the cycle its first page started.
		const cycles = Math.max(1, lists.filter((r) => r.query.cursor === undefined).length);
		const oursRequests = singles + lists.length;
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
		const ours = oursRequests / cycles;
		report(
			{
				figure: 'P4',
				what: '50 Apiframe jobs: status requests per poll cycle',
				ours: `${fmt(ours, 1)} (${lists.length} list + ${singles} single in ${cycles} cycles)`,
				anchor: `${fmt(anchorPerCycle, 1)} one GET per job`,
				ratio: `per_cycle=${fmt(ours, 1)}`,
			},
			'goal<=1.2',
			ours <= 1.2,
		);
	} finally {
		await fake.close();
	}
}
