/**
 * `npm run probe -- --against-fakes`: the probe against the fake providers (test/fakes), first
 * playing every fact as the package assumes it (no row may differ), then with each checkable fact
 * played wrong in turn (that row must say DIFFERS, and the probe must fail). So every DIFFERS the
 * probe can print is shown reachable, and a check that can never fail is found.
 */
import { PROVIDERS } from '../../nodes/providers';
import type { ProviderDefinition } from '../../nodes/shared/provider';
import { startFakeProvider } from '../../test/fakes';
import type { FakeProviderOptions } from '../../test/fakes';
import { runProbe } from './probe';
import type { ProbeResult } from './probe';

type WireFormat = ProviderDefinition['adapter']['wireFormat'];

/** The fakes as the fact tables assume the providers (the readings the package sends first). */
const AS_ASSUMED: Record<WireFormat, FakeProviderOptions> = {
	'unified-task': { unifiedReading: { promptLimit: 'tokens' } },
	'apiframe-v2': { apiframeJobShowsInput: true },
};

const wrong = (fact: string): FakeProviderOptions => ({ wrongFacts: [fact] });

/** How each fact is played wrong, by wire format and fact name. */
export const PLAYED_WRONG: Record<WireFormat, Record<string, FakeProviderOptions>> = {
	'unified-task': {
		auth: wrong('auth'),
		keyPrefix: { apiKey: 'key-test-0001' },
		submitRoute: wrong('submitRoute'),
		taskId: wrong('taskId'),
		statusRoute: wrong('statusRoute'),
		unknownTask: wrong('unknownTask'),
		statusWords: wrong('statusWords'),
		resultsField: wrong('resultsField'),
		createdField: wrong('createdField'),
		modelShown: wrong('modelShown'),
		errorEnvelope: wrong('errorEnvelope'),
		price: { priceShown: () => undefined },
		balanceRoute: wrong('balanceRoute'),
		balanceShape: wrong('balanceShape'),
		upload: wrong('upload'),
		promptLimit: { unifiedReading: { promptLimit: 'characters' } },
	},
	'apiframe-v2': {
		auth: wrong('auth'),
		keyPrefix: { apiKey: 'key_test_0001' },
		submitRoute: wrong('submitRoute'),
		paramsKey: wrong('paramsKey'),
		webhookField: { apiframeReading: { webhookField: 'webhook_url' } },
		inputImages: { apiframeReading: { inputImages: 'string' } },
		aspectRatio: { apiframeReading: { aspectRatio: 'top' } },
		unknownKeys: { apiframeReading: { unknownKeys: 'ignore' } },
		promptLimit: wrong('promptLimit'),
		taskId: wrong('taskId'),
		statusRoute: wrong('statusRoute'),
		unknownTask: wrong('unknownTask'),
		listRoute: wrong('listRoute'),
		statusWords: wrong('statusWords'),
		resultShape: { apiframeResultShape: 'string' },
		jobInput: { apiframeJobShowsInput: false },
		webhookStatus: wrong('webhookStatus'),
		errorShape: wrong('errorShape'),
		upload: wrong('upload'),
		balanceRoute: wrong('balanceRoute'),
		balanceShape: wrong('balanceShape'),
		price: { priceShown: () => undefined },
		priceTable: { priceShown: () => 2 },
	},
};

/**
 * Facts the probe checks but can only confirm or leave open, never contradict, and why: no free
 * request can show them wrong without risking a second paid task.
 */
export const CANNOT_DIFFER: Record<string, string> = {
	idempotency:
		'a provider that ignores Idempotency-Key would bill a replay, so the probe only sends an invalid body with the same key (409 confirms it, 400 leaves it open)',
};

export interface Scenario {
	provider: ProviderDefinition;
	/** The fact played wrong, or undefined for the fake as assumed. */
	fact?: string;
	options: FakeProviderOptions;
}

/** The fake as assumed, then one scenario per checkable fact of every provider's table. */
export function scenarios(): { list: Scenario[]; missing: string[] } {
	const list: Scenario[] = [];
	const missing: string[] = [];
	for (const provider of PROVIDERS) {
		const { wireFormat, facts } = provider.adapter;
		list.push({ provider, options: AS_ASSUMED[wireFormat] });
		for (const [fact, entry] of Object.entries(facts)) {
			if (entry.probe === 'none' || fact in CANNOT_DIFFER) continue;
			const played = PLAYED_WRONG[wireFormat][fact];
			if (!played) missing.push(`${provider.key}.${fact}`);
			else list.push({ provider, fact, options: { ...AS_ASSUMED[wireFormat], ...played } });
		}
	}
	return { list, missing };
}

/** Runs one scenario against a fresh fake; with --spend-one, its tasks finish within 50 ms. */
export async function runScenario(scenario: Scenario): Promise<ProbeResult> {
	const fake = await startFakeProvider(scenario.provider, {
		taskDurationMs: 50,
		callbacksEnabled: false,
		...scenario.options,
	});
	try {
		return await runProbe({
			provider: scenario.provider,
			apiKey: scenario.options.apiKey ?? fake.apiKey,
			api: fake.baseUrl,
			files: fake.baseUrl,
			spendOne: true,
			pollMs: 10,
			maxWaitMs: 10_000,
		});
	} finally {
		await fake.close();
	}
}

export interface ScenarioOutcome {
	scenario: Scenario;
	result: ProbeResult;
	/** What went wrong with the scenario, or undefined when it showed what it should. */
	problem?: string;
}

/** Whether a scenario showed what it should: none DIFFERS as assumed, its own fact DIFFERS when wrong. */
export function judge(scenario: Scenario, result: ProbeResult): string | undefined {
	if (!scenario.fact) {
		const differing = result.rows.filter((r) => r.verdict === 'DIFFERS').map((r) => r.fact);
		return differing.length > 0
			? `facts differ from a fake as assumed: ${differing.join(', ')}`
			: undefined;
	}
	const row = result.rows.find((r) => r.fact === scenario.fact);
	if (row?.verdict !== 'DIFFERS')
		return `played wrong, ${scenario.fact} was reported ${row?.verdict ?? 'nowhere'}`;
	return result.differs ? undefined : 'the probe would not exit non-zero';
}

export async function againstFakes(show?: string): Promise<number> {
	const { list, missing } = scenarios();
	const out: string[] = [];
	const problems: string[] = missing.map(
		(m) => `${m}: no way to play this fact wrong in the fakes`,
	);
	const summary = [
		'| Provider | Fact played wrong | Its row | Probe exit code |',
		'|---|---|---|---|',
	];
	for (const scenario of list) {
		const result = await runScenario(scenario);
		const problem = judge(scenario, result);
		const name = scenario.provider.adapter.displayName;
		if (problem)
			problems.push(`${name}${scenario.fact ? ` (${scenario.fact} wrong)` : ''}: ${problem}`);
		if (!scenario.fact) out.push(`${result.table}\n`);
		else {
			const row = result.rows.find((r) => r.fact === scenario.fact)!;
			summary.push(
				`| ${name} | \`${scenario.fact}\` | ${row.verdict} | ${result.differs ? 1 : 0} |`,
			);
		}
		if (show && `${scenario.provider.key}:${scenario.fact}`.toLowerCase() === show.toLowerCase())
			out.push(`${result.table}\n`);
	}
	out.push('### Each checkable fact played wrong in turn', '', ...summary, '');
	for (const [fact, why] of Object.entries(CANNOT_DIFFER))
		out.push(`Not played wrong: \`${fact}\`: ${why}.`);
	out.push(
		'',
		problems.length === 0
			? `against the fakes: ${list.length} scenarios, every fact played wrong was reported DIFFERS`
			: `against the fakes: ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}`,
	);
	process.stdout.write(`${out.join('\n')}\n`);
	return problems.length === 0 ? 0 : 1;
}
