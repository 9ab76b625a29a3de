/**
 * `npm run bench`: the nodes inside n8n-core's engine against the fake providers, each figure
 * measured side by side with its anchor in this same run (these machines are noisy, so only
 * ratios within one run mean anything). The fakes' clock is honest: a 2 s task takes 2 s.
 * P2sim runs the node's poll loop in simulated time on thousands of tasks.
 * `npm run bench -- P4 P5` measures only those figures. Ends with one line per figure with its
 * goal and `ok` or `not-met`, e.g. `P1 ratio=1.12 goal<=1.3 ok`.
 */
import { cleanup } from '../test/engine/harness';
import { p3 } from './memory';
import { p2, p2sim, p4 } from './polling';
import { fmt, printReport } from './report';
import { p1, p1Downloads, p5 } from './throughput';

const FIGURES: Record<string, () => Promise<void>> = {
	P1: p1,
	'P1-4MB': p1Downloads,
	P2: p2,
	P2sim: p2sim,
	P3: p3,
	P4: p4,
	P5: p5,
};

async function main(): Promise<void> {
	const started = Date.now();
	const only = process.argv.slice(2);
	const unknown = only.filter((name) => !(name in FIGURES));
	if (unknown.length > 0) throw new Error(`unknown figure ${unknown.join(', ')}`);
	for (const [name, figure] of Object.entries(FIGURES)) {
		if (only.length > 0 && !only.includes(name)) continue;
		const t = Date.now();
		await figure();
		console.log(`${name} measured in ${fmt((Date.now() - t) / 1000, 1)} s`);
	}
	printReport(started);
	cleanup();
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
