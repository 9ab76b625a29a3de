/**
 * What a bench prints: a table of figures (ours next to the anchor), then one machine-readable
 * line per figure with its goal and `ok` or `not-met`, e.g. `P1 ratio=1.12 goal<=1.3 ok`.
 */

export interface Row {
	figure: string;
	what: string;
	ours: string;
	anchor: string;
	ratio: string;
}

const rows: Row[] = [];
const verdicts: string[] = [];

export const fmt = (n: number, digits = 2): string => Number(n).toFixed(digits);

export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A table row without a verdict of its own. */
export function row(entry: Row): void {
	rows.push(entry);
}

/** A verdict line: the figure, what was measured, its goal, and whether it is met. */
export function verdict(name: string, measured: string, goal: string, ok: boolean): void {
	verdicts.push(`${name} ${measured} ${goal} ${ok ? 'ok' : 'not-met'}`);
}

/** A table row and its verdict, the row's ratio being what was measured. */
export function report(entry: Row, goal: string, ok: boolean): void {
	rows.push(entry);
	verdict(entry.figure, entry.ratio, goal, ok);
}

/** Prints the table and the verdicts; returns how many verdicts are not met. */
export function printReport(startedAt: number): number {
	console.log('\n| figure | what | ours | anchor | ratio |\n|---|---|---|---|---|');
	for (const r of rows)
		console.log(`| ${r.figure} | ${r.what} | ${r.ours} | ${r.anchor} | ${r.ratio} |`);
	console.log(`\nbench took ${fmt((Date.now() - startedAt) / 1000, 1)} s`);
	for (const v of verdicts) console.log(v);
	return verdicts.filter((v) => v.endsWith(' not-met')).length;
}
