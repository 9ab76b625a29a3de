/** P3: one 100 MB result image into n8n's filesystem binary store, against a whole-file download. */
import { downloadBuffered } from './anchors';
import { peakRssGrowth, runNode, startFakeProcess } from './engine';
import { fmt, report } from './report';

export async function p3(): Promise<void> {
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
		await fake.stop();
	}
}
