/**
 * Running the nodes inside n8n-core's engine (the compiled package in dist/, as n8n loads it),
 * and the memory probe the figures share.
 */
import type {
	ICredentialDataDecryptedObject,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';
import * as path from 'node:path';

import { runWorkflow } from '../test/engine/harness';
import type { InputItem, RunWorkflowOptions } from '../test/engine/harness';
import type { FakeAddress } from './fakeProcess';

export { startFakeProcess } from './fakeProcess';

export const REPO = path.resolve(__dirname, '..');

export async function runNode(
	type: string,
	parameters: INodeParameters,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	items: InputItem[],
	extra: Partial<RunWorkflowOptions> = {},
): Promise<{ ms: number; items: INodeExecutionData[] }> {
	const started = Date.now();
	const result = await runWorkflow({
		nodes: [{ name: 'Node', type, parameters: { resource: 'image', ...parameters } }],
		credentials,
		inputItems: items,
		timeoutMs: 15 * 60 * 1000,
		...extra,
	});
	if (result.status !== 'success') throw new Error(`${type} run failed: ${result.error?.message}`);
	return { ms: Date.now() - started, items: result.output() };
}

/** The credential of a provider node pointing at a fake. */
export function credentialsFor(
	key: string,
	fake: FakeAddress,
): Record<string, ICredentialDataDecryptedObject> {
	if (key === 'apiframe') return { apiframeApi: { apiKey: fake.apiKey, baseUrl: fake.baseUrl } };
	const data = { apiKey: fake.apiKey, baseUrl: fake.baseUrl, fileBaseUrl: fake.baseUrl };
	return { [`${key}Api`]: data };
}

export const prompts = (n: number, tag: string): InputItem[] =>
	Array.from({ length: n }, (_, i) => ({ json: { prompt: `${tag} ${i}` } }));

/**
 * Peak growth of this process's RSS (MB) while `work` runs, sampled every 5 ms (`rss()` only, not
 * the heap walk of `memoryUsage()`). No collection is forced first: after a forced full GC the
 * next run of 50 items with 4 MB results spent about a second more CPU (1.6-2.0 s instead of
 * 0.5-0.9 s, three runs each), mostly in GC and file writes, which the figure counted as ours.
 * So the base holds whatever garbage the previous run left; growth is at worst understated.
 */
export async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
	const base = process.memoryUsage.rss();
	let peak = base;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
	try {
		await work();
	} finally {
		clearInterval(timer);
	}
	return (Math.max(peak, process.memoryUsage.rss()) - base) / 1048576;
}
