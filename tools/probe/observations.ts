/**
 * What the probe saw of each fact, and the Markdown table it prints: one row per fact of the
 * provider's table (fact, assumed, observed, OK / DIFFERS / NOT CHECKED).
 */
import type { FactTable } from '../../nodes/shared/facts';
import type { Masker } from '../../nodes/shared/mask';

export type Verdict = 'OK' | 'DIFFERS' | 'NOT CHECKED';

export interface Observation {
	observed: string;
	verdict: Verdict;
}

export interface Row {
	fact: string;
	about: string;
	assumed: string;
	observed: string;
	verdict: Verdict;
}

const RANK: Record<Verdict, number> = { 'NOT CHECKED': 0, OK: 1, DIFFERS: 2 };

/** Observations by fact name: several checks of one fact add up, the worst verdict wins. */
export class Observations {
	private readonly seen = new Map<string, Observation>();

	/** Adds what one check saw; DIFFERS beats OK beats NOT CHECKED. */
	add(fact: string, verdict: Verdict, observed: string): void {
		const before = this.seen.get(fact);
		if (!before) {
			this.seen.set(fact, { verdict, observed });
			return;
		}
		const worse = RANK[verdict] > RANK[before.verdict] ? verdict : before.verdict;
		this.seen.set(fact, { verdict: worse, observed: `${before.observed}; ${observed}` });
	}

	/** What a later, decisive check saw replaces what an ambiguous earlier one did. */
	settle(fact: string, verdict: Verdict, observed: string): void {
		this.seen.set(fact, { verdict, observed });
	}

	get(fact: string): Observation | undefined {
		return this.seen.get(fact);
	}

	ok = (fact: string, observed: string) => this.add(fact, 'OK', observed);
	differs = (fact: string, observed: string) => this.add(fact, 'DIFFERS', observed);
	unchecked = (fact: string, observed: string) => this.add(fact, 'NOT CHECKED', observed);

	/** Every fact of the table, in its order; a fact nothing checked says why. */
	rows(table: FactTable, spendOne: boolean): Row[] {
		return Object.entries(table).map(([fact, entry]) => {
			const seen = this.seen.get(fact);
			const why =
				entry.probe === 'none'
					? 'not checkable through the API'
					: entry.probe === 'spend' && !spendOne
						? 'needs --spend-one'
						: 'not reached (an earlier check failed)';
			return {
				fact,
				about: entry.about,
				assumed: entry.shown,
				observed: seen?.observed ?? why,
				verdict: seen?.verdict ?? 'NOT CHECKED',
			};
		});
	}
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** The Markdown table, ready to paste into an issue; every observed text masked. */
export function renderTable(title: string, rows: Row[], masker: Masker): string {
	const counts = (verdict: Verdict) => rows.filter((r) => r.verdict === verdict).length;
	return [
		`### ${title}`,
		'',
		'| Fact | Assumed | Observed | Result |',
		'|---|---|---|---|',
		...rows.map(
			(r) =>
				`| ${cell(r.about)} (\`${r.fact}\`) | ${cell(r.assumed)} | ${cell(masker.text(r.observed))} | ${r.verdict === 'DIFFERS' ? '**DIFFERS**' : r.verdict} |`,
		),
		'',
		`${counts('OK')} OK, ${counts('DIFFERS')} DIFFERS, ${counts('NOT CHECKED')} NOT CHECKED`,
	].join('\n');
}
