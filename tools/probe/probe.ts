/** One probe run: the provider's checks, then its fact table as observed. */
import { providerByKey, PROVIDERS } from '../../nodes/providers';
import type { ProviderDefinition } from '../../nodes/shared/provider';
import { probeApiframe } from './apiframe';
import type { ProbeContext } from './common';
import { ProbeHttp } from './http';
import type { ProbeTarget } from './http';
import { Observations, renderTable } from './observations';
import type { Row } from './observations';
import { probeUnified } from './unified';

const CHECKS: Record<
	ProviderDefinition['adapter']['wireFormat'],
	(c: ProbeContext) => Promise<void>
> = {
	'unified-task': probeUnified,
	'apiframe-v2': probeApiframe,
};

export interface ProbeOptions extends ProbeTarget {
	spendOne: boolean;
	pollMs?: number;
	maxWaitMs?: number;
}

export interface ProbeResult {
	rows: Row[];
	/** Why nothing could be checked (no HTTP answer from the API), when so. */
	unreachable?: string;
	/** The Markdown table, every observed text masked. */
	table: string;
	differs: boolean;
}

export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
	const http = new ProbeHttp(options);
	const obs = new Observations();
	const context: ProbeContext = {
		provider: options.provider,
		http,
		apiKey: options.apiKey,
		obs,
		spendOne: options.spendOne,
		pollMs: options.pollMs ?? 3000,
		maxWaitMs: options.maxWaitMs ?? 10 * 60 * 1000,
		sleep: async (ms) => await new Promise((resolve) => setTimeout(resolve, ms)),
		now: () => Date.now(),
	};
	await CHECKS[options.provider.adapter.wireFormat](context);
	const rows = obs
		.rows(options.provider.adapter.facts, options.spendOne)
		.map((row) => ({ ...row, observed: http.masker.text(row.observed) }));
	const name = options.provider.adapter.displayName;
	const what = options.spendOne ? 'free checks and one cheapest task' : 'free checks only';
	const table = renderTable(
		`${name} at ${new URL(options.api).origin}: ${what}`,
		rows,
		http.masker,
	);
	const { unreachable } = context;
	return {
		rows,
		table: unreachable ? `${table}\n\nNothing was checked: ${unreachable}.` : table,
		differs: rows.some((r) => r.verdict === 'DIFFERS'),
		unreachable,
	};
}

/** A provider by its key or name, in any letter case ("evolink", "EvoLink"). */
export function findProvider(name: string): ProviderDefinition | undefined {
	const wanted = name.toLowerCase();
	return (
		providerByKey(name) ??
		PROVIDERS.find(
			(p) => p.key.toLowerCase() === wanted || p.adapter.displayName.toLowerCase() === wanted,
		)
	);
}
