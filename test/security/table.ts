/** The attacks of one security test file and what each did, printed as a table when it ends. */
export interface Attack {
	attack: string;
	/** What happened before this package checked it (from the measurements). */
	before: string;
	outcome: string;
}

export class AttackTable {
	private readonly rows: Attack[] = [];

	constructor(private readonly title: string) {}

	add(attack: string, before: string, outcome: string): void {
		this.rows.push({ attack, before, outcome });
	}

	print(): void {
		const lines = ['| # | attack | before | now |', '|---|---|---|---|'];
		this.rows.forEach((r, i) =>
			lines.push(`| ${i + 1} | ${r.attack} | ${r.before} | ${r.outcome} |`),
		);
		process.stdout.write(`\n${this.title} (${this.rows.length} attacks)\n${lines.join('\n')}\n\n`);
	}
}
