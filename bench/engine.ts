/**
 * Running the nodes inside n8n-core's engine (the compiled package in dist/, as n8n loads it),
 * fakes in their own processes, and the memory probe the figures share.
 */
import type {
	ICredentialDataDecryptedObject,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

import { runWorkflow } from '../test/engine/harness';
import type { InputItem, RunWorkflowOptions } from '../test/engine/harness';
import type { FakeCounts, FakeProviderOptions, Fault } from '../test/fakes';

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

export interface FakeAddress {
	apiKey: string;
	baseUrl: string;
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

export interface FakeProcess extends FakeAddress {
	counts(): Promise<FakeCounts>;
	/** The fake's own CPU time so far, in ms. */
	cpuMs(): Promise<number>;
	stop(): Promise<void>;
}

/** Starts a fake in a child process (bench/fakeChild.ts); `faults` are injected before it serves. */
export async function startFakeProcess(
	key: string,
	options: FakeProviderOptions,
	faults: Fault[] = [],
): Promise<FakeProcess> {
	const child = spawn(
		process.execPath,
		[
			'-r',
			'ts-node/register/transpile-only',
			path.join(__dirname, 'fakeChild.ts'),
			JSON.stringify({ key, options, faults }),
		],
		{
			stdio: ['pipe', 'pipe', 'inherit'],
			env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'tsconfig.test.json') },
		},
	);
	const lines = readline.createInterface({ input: child.stdout });
	const next = async () =>
		await new Promise<string>((resolve, reject) => {
			lines.once('line', resolve);
			child.once('exit', (code) => reject(new Error(`fake exited with ${code}`)));
		});
	const address = JSON.parse(await next()) as FakeAddress;
	return {
		...address,
		async counts() {
			const answer = next();
			child.stdin.write('counts\n');
			return JSON.parse(await answer) as FakeCounts;
		},
		async cpuMs() {
			const answer = next();
			child.stdin.write('cpu\n');
			const { user, system } = JSON.parse(await answer) as NodeJS.CpuUsage;
			return (user + system) / 1000;
		},
		async stop() {
			const gone = new Promise((resolve) => child.once('exit', resolve));
			child.stdin.end();
			await gone;
		},
	};
}

/** Peak growth of this process's RSS (MB) while `work` runs, sampled every 5 ms. */
export async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
	(global as { gc?: () => void }).gc?.();
	const base = process.memoryUsage().rss;
	let peak = base;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
	try {
		await work();
	} finally {
		clearInterval(timer);
	}
	return (Math.max(peak, process.memoryUsage().rss) - base) / 1048576;
}
