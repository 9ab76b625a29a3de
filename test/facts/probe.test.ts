/**
 * `npm run probe` against the fake providers: as the tables assume them nothing differs; each
 * checkable fact has a way to be played wrong; a fact played wrong is reported DIFFERS and fails
 * the probe; the key is never printed. The whole matrix (every fact of every provider played wrong
 * in turn) is `npm run probe -- --against-fakes`, a step of .ci/run.
 */
import { PROVIDERS } from '../../nodes/providers';
import { judge, runScenario, scenarios } from '../../tools/probe/againstFakes';
import { runProbe } from '../../tools/probe/probe';
import { startFakeProvider } from '../fakes';

describe('npm run probe against the fakes', () => {
	const { list, missing } = scenarios();

	it('every fact the probe checks can be played wrong by the fakes', () => {
		expect(missing).toEqual([]);
		const checked = PROVIDERS.flatMap(({ key, adapter }) =>
			Object.entries(adapter.facts)
				.filter(([, f]) => f.probe !== 'none')
				.map(([name]) => `${key}.${name}`),
		);
		const played = list.filter((s) => s.fact).map((s) => `${s.provider.key}.${s.fact}`);
		// Only Apiframe's idempotency cannot be contradicted without risking a second paid task.
		expect(checked.filter((c) => !played.includes(c))).toEqual(['apiframe.idempotency']);
	});

	it.each(PROVIDERS.map((p) => [p.adapter.displayName, p.key] as const))(
		'%s as assumed: no fact differs, and the table never shows the key',
		async (_name, key) => {
			const scenario = list.find((s) => s.provider.key === key && !s.fact)!;
			const result = await runScenario(scenario);
			expect(judge(scenario, result)).toBeUndefined();
			expect(result.differs).toBe(false);
			expect(result.table).toMatch(
				/^### \w+ at http:\/\/127\.0\.0\.1:\d+: free checks and one cheapest task/,
			);
			expect(result.table).toContain('| Fact | Assumed | Observed | Result |');
			expect(result.table).not.toMatch(/test[-_]key/);
			expect(result.rows.map((r) => r.fact)).toEqual(Object.keys(scenario.provider.adapter.facts));
		},
	);

	it.each([
		['starMagic', 'balanceRoute'],
		['evoLink', 'promptLimit'],
		['apiframe', 'aspectRatio'],
		['apiframe', 'jobInput'],
	])('%s with %s played wrong: that row differs, and the probe fails', async (key, fact) => {
		const scenario = list.find((s) => s.provider.key === key && s.fact === fact)!;
		const result = await runScenario(scenario);
		expect(judge(scenario, result)).toBeUndefined();
		expect(result.rows.find((r) => r.fact === fact)!.verdict).toBe('DIFFERS');
		expect(result.table).toContain(`(\`${fact}\`)`);
		expect(result.table).toMatch(/\*\*DIFFERS\*\*/);
		expect(result.table).not.toMatch(/test[-_]key/);
	});

	it('a provider that repeats the key in its answers: the table shows *** in its place', async () => {
		const provider = PROVIDERS.find((p) => p.key === 'evoLink')!;
		const fake = await startFakeProvider(provider, { apiKey: 'sk-probe-SECRET-0001' });
		try {
			const body = {
				error: { code: 'not_found', message: `no route for key sk-probe-SECRET-0001` },
			};
			fake.inject({ route: 'keycheck', status: 404, body, times: 1 });
			const result = await runProbe({
				provider,
				apiKey: fake.apiKey,
				api: fake.baseUrl,
				files: fake.baseUrl,
				spendOne: false,
			});
			const row = result.rows.find((r) => r.fact === 'balanceRoute')!;
			expect(row.verdict).toBe('DIFFERS');
			expect(result.table).toContain('no route for key ***');
			expect(result.table).not.toContain('SECRET');
		} finally {
			await fake.close();
		}
	});
});
