/**
 * What every engine test shares: one fake per registry provider, credentials pointing at them,
 * a key that must never leak, and a clock that runs 20 times faster than the wall clock, for
 * the nodes (through the compiled package's clock module) and the fakes alike.
 */
import type { ICredentialDataDecryptedObject, INodeParameters } from 'n8n-workflow';
import * as path from 'node:path';

import type * as ClockModule from '../../nodes/shared/clock';
import { PROVIDERS } from '../../nodes/providers';
import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';
import { ScaledClock } from '../tools/clock';
import { REPO_ROOT, runNode } from './harness';
import type { InputItem, RunResult } from './harness';

export type NodeName = string;

/** Every provider node, in registry order. */
export const NODES: NodeName[] = PROVIDERS.map((p) => p.key);

export const ADAPTERS = Object.fromEntries(PROVIDERS.map((p) => [p.key, p.adapter]));

/** A key per provider that must never show up in any output, error or log. */
export const SECRET: Record<NodeName, string> = Object.fromEntries(
	PROVIDERS.map((p) => [
		p.key,
		`${p.adapter.wireFormat === 'apiframe-v2' ? 'afk_' : 'sk-'}${p.key}-SECRET-0001`,
	]),
);

/** How much faster than real time the engine tests run. */
export const SPEED = 20;
export const clock = new ScaledClock(SPEED);

/** The clock module the engine loads (dist), so the nodes under test use the test clock. */
const distClock = require(path.join(REPO_ROOT, 'dist/nodes/shared/clock')) as typeof ClockModule;
distClock.useClock(clock);

export type Fakes = Record<NodeName, FakeProvider>;

/** Starts one fake per provider; `taskDurationMs` is clock time (3 s = 150 ms of real time). */
export async function startFakes(taskDurationMs = 3000): Promise<Fakes> {
	const started = await Promise.all(
		NODES.map(
			async (key) =>
				[
					key,
					await startFakeProvider(key, { apiKey: SECRET[key], taskDurationMs, clock }),
				] as const,
		),
	);
	return Object.fromEntries(started);
}

export async function stopFakes(fakes: Fakes | undefined): Promise<void> {
	if (fakes) await Promise.all(Object.values(fakes).map(async (f) => await f.close()));
}

/** Credential data for every provider, pointing at its fake (file host included). */
export function credentialsFor(fakes: Fakes): Record<string, ICredentialDataDecryptedObject> {
	return Object.fromEntries(
		PROVIDERS.map((p) => [
			p.adapter.credentialType,
			{
				apiKey: SECRET[p.key],
				baseUrl: `${fakes[p.key].baseUrl}/`,
				fileBaseUrl: fakes[p.key].baseUrl,
			},
		]),
	);
}

export interface RunOptions {
	items?: InputItem[];
	continueOnFail?: boolean;
	binaryMode?: 'default' | 'filesystem';
	timeoutMs?: number;
	/** Other node settings (retryOnFail, maxTries, onError, id, ...). */
	node?: Record<string, unknown>;
	/** Fixed IDs, to run the same execution twice. */
	executionId?: string;
	workflowId?: string;
}

/** Runs one of our nodes in n8n-core's engine against the fakes, checking for a leaked key. */
export async function runImage(
	fakes: Fakes,
	node: NodeName,
	parameters: INodeParameters,
	options: RunOptions = {},
): Promise<RunResult> {
	const result = await runNode(
		node,
		{ resource: 'image', ...parameters },
		{
			credentials: credentialsFor(fakes),
			inputItems: options.items ?? [{ json: {} }],
			binaryMode: options.binaryMode,
			timeoutMs: options.timeoutMs ?? 30000,
			executionId: options.executionId,
			workflowId: options.workflowId,
			node: { continueOnFail: options.continueOnFail, ...options.node },
		},
	);
	assertNoSecret(JSON.stringify(result.run), `the run of ${node}`);
	return result;
}

/** Every engine and fault test goes through runImage, so every scenario is checked for a leaked key. */
export function assertNoSecret(text: string, where: string): void {
	for (const key of Object.values(SECRET)) {
		if (text.includes(key)) throw new Error(`An API key leaked into ${where}`);
	}
}

/** A fixed 1 s poll interval (clock time), so tests do not wait for the automatic schedule. */
export const FAST = { pollIntervalSeconds: 1 };

/** What one image costs at each fake (unified: 2.5 reserved per image; Apiframe: 24 at quality auto). */
export const PRICE: Record<NodeName, number> = { starMagic: 2.5, evoLink: 2.5, apiframe: 24 };

/** Node settings for Retry On Fail; n8n reads a wait of 0 as its 1 s default, so 1 ms it is. */
export const retryOnFail = (maxTries: number) => ({
	retryOnFail: true,
	maxTries,
	waitBetweenTries: 1,
});

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
