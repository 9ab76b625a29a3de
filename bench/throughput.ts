/**
 * Items at once: P1 (50 items against one and against one-at-a-time), P1-4MB (the same with
 * 4 MB results, the download pool sized by it) and P5 (how both task APIs scale to 1,000 items).
 */
import * as path from 'node:path';

import type { FakeProviderOptions } from '../test/fakes';
import { credentialsFor, peakRssGrowth, prompts, REPO, runNode, startFakeProcess } from './engine';
import { fmt, report, row, verdict } from './report';

const generate = { operation: 'generate', prompt: '={{ $json.prompt }}', quality: 'low' };
/** What n8n 2.x does with binary data in regular mode (its in-memory mode is gone). */
const filesystem = { binaryMode: 'filesystem' as const };

/** The pool setting of the compiled package the engine runs (nodes/shared/downloadPool.ts). */
const pool = require(path.join(REPO, 'dist', 'nodes', 'shared', 'downloadPool')) as {
	downloadPoolSize(): number;
	useDownloadPool(size?: number): void;
};

/** P1: 50 items of 2 s tasks at once, against one item and against one-at-a-time. */
export async function p1(): Promise<void> {
	const fake = await startFakeProcess('evoLink', { taskDurationMs: 2000 });
	try {
		const credentials = credentialsFor('evoLink', fake);
		// The engine loads some modules on its first run: that run is not measured.
		await runNode('evoLink', generate, credentials, prompts(1, 'warm-up'));
		const one = await runNode('evoLink', generate, credentials, prompts(1, 'one'));
		const fifty = await runNode('evoLink', generate, credentials, prompts(50, 'fifty'));
		const oneByOne = { ...generate, options: { maxConcurrentTasks: 1 } };
		const sequential = await runNode('evoLink', oneByOne, credentials, prompts(50, 'seq'));
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
		row({
			figure: 'P1',
			what: 'speed-up over one-at-a-time',
			ours: '',
			anchor: '',
			ratio: `x${fmt(sequential.ms / fifty.ms, 1)}`,
		});
	} finally {
		await fake.stop();
	}
}

/** Download pool sizes P1-4MB measures side by side. */
const POOL_SIZES = [8, 16, 32, 50];
/** The result host's time to the first byte of each image (a CDN fetching it from storage). */
const FIRST_BYTE_MS = 200;

/**
 * P1-4MB: 50 items whose 2 s tasks finish together, each with a 4 MB result image fetched with
 * a 200 ms first byte, stored as n8n 2.x stores it (files), against one such item; for each
 * download pool size. The verdict is for the size the nodes use.
 */
export async function p1Downloads(): Promise<void> {
	const options: FakeProviderOptions = { taskDurationMs: 2000, resultBytes: 4 * 1048576 };
	const delay = { route: 'download' as const, mode: 'delay' as const, delayMs: FIRST_BYTE_MS };
	const fake = await startFakeProcess('evoLink', options, [{ ...delay, times: 1e9 }]);
	const shipped = pool.downloadPoolSize();
	const params = { ...generate, options: { maxDownloadMb: 8 } };
	try {
		const credentials = credentialsFor('evoLink', fake);
		await runNode('evoLink', params, credentials, prompts(1, 'warm-up'), filesystem);
		const ratios = new Map<number, number>();
		for (const size of [...new Set([shipped, ...POOL_SIZES])].sort((a, b) => a - b)) {
			pool.useDownloadPool(size);
			const one = await runNode(
				'evoLink',
				params,
				credentials,
				prompts(1, `one ${size}`),
				filesystem,
			);
			let fifty = 0;
			const rss = await peakRssGrowth(async () => {
				const tag = `fifty ${size}`;
				fifty = (await runNode('evoLink', params, credentials, prompts(50, tag), filesystem)).ms;
			});
			ratios.set(size, fifty / one.ms);
			row({
				figure: 'P1-4MB',
				what: `50 items x 4 MB result, download pool ${size}${size === shipped ? ' (shipped)' : ''}: wall time (s)`,
				ours: `${fmt(fifty / 1000)} (one item: ${fmt(one.ms / 1000)}), peak RSS +${fmt(rss, 0)} MB`,
				anchor: '',
				ratio: `ratio=${fmt(fifty / one.ms)}`,
			});
		}
		const best = [...ratios].sort((a, b) => a[1] - b[1])[0];
		const ratio = ratios.get(shipped)!;
		verdict(
			`P1-4MB pool=${shipped}`,
			`ratio=${fmt(ratio)} (best: pool ${best[0]}, ${fmt(best[1])})`,
			'goal<=1.3',
			ratio <= 1.3,
		);
	} finally {
		pool.useDownloadPool();
		await fake.stop();
	}
}

/** P5 runs each provider's Generate over these item counts. */
const SCALE = [10, 100, 500, 1000];
/** Max Concurrent Tasks (its default): items run in waves of this many. */
const WAVE = 50;

/**
 * P5: EvoLink and Apiframe Generate, 2 s tasks, 10 to 1,000 items: wall time against the ideal
 * (waves of 50 back to back, each as long as one task), status requests per task, peak RSS.
 */
export async function p5(): Promise<void> {
	for (const key of ['evoLink', 'apiframe']) {
		const fake = await startFakeProcess(key, { taskDurationMs: 2000, balance: 1e9 });
		try {
			const credentials = credentialsFor(key, fake);
			await runNode(key, generate, credentials, prompts(1, 'warm-up'));
			for (const n of SCALE) {
				const before = await fake.counts();
				let ms = 0;
				const rss = await peakRssGrowth(async () => {
					ms = (await runNode(key, generate, credentials, prompts(n, `scale ${n}`))).ms;
				});
				const after = await fake.counts();
				const reads = after.statusPolls + after.listPolls - before.statusPolls - before.listPolls;
				const ideal = Math.ceil(n / WAVE) * 2000;
				const ratio = ms / ideal;
				const name = key === 'evoLink' ? 'EvoLink' : 'Apiframe';
				row({
					figure: 'P5',
					what: `${name} Generate, ${n} items x 2 s task: wall time (s)`,
					ours: `${fmt(ms / 1000)}, ${fmt(reads / n)} status requests per task, peak RSS +${fmt(rss, 0)} MB`,
					anchor: `${fmt(ideal / 1000)} ideal`,
					ratio: `ratio=${fmt(ratio)}`,
				});
				verdict(
					`P5-${key}-${n}`,
					`ratio=${fmt(ratio)} rss=+${fmt(rss, 0)}MB`,
					'goal:ratio<=1.1,rss<=64MB',
					ratio <= 1.1 && rss <= 64,
				);
			}
		} finally {
			await fake.stop();
		}
	}
}
