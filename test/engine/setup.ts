import type { ICredentialDataDecryptedObject, INodeParameters } from 'n8n-workflow';

import { startFakeProvider } from '../fakes';
import type { FakeProvider, ProviderKind } from '../fakes';
import { runNode } from './harness';
import type { InputItem, RunResult } from './harness';

export type NodeName = 'starMagic' | 'evoLink' | 'apiframe';

export const KIND: Record<NodeName, ProviderKind> = { starMagic: 'starmagic', evoLink: 'evolink', apiframe: 'apiframe' };

/** A key that must never show up in any output, error or log. */
export const SECRET = { starMagic: 'sk-starmagic-SECRET-0001', evoLink: 'sk-evolink-SECRET-0002', apiframe: 'afk_SECRET_apiframe_0003' };

export interface Fakes {
	starMagic: FakeProvider;
	evoLink: FakeProvider;
	apiframe: FakeProvider;
}

export async function startFakes(taskDurationMs = 150): Promise<Fakes> {
	const [starMagic, evoLink, apiframe] = await Promise.all(
		(['starMagic', 'evoLink', 'apiframe'] as NodeName[]).map(async (n) => await startFakeProvider(KIND[n], { apiKey: SECRET[n], taskDurationMs })),
	);
	return { starMagic, evoLink, apiframe };
}

export async function stopFakes(fakes: Fakes | undefined): Promise<void> {
	if (fakes) await Promise.all(Object.values(fakes).map(async (f) => await f.close()));
}

export function credentialsFor(fakes: Fakes): Record<string, ICredentialDataDecryptedObject> {
	return {
		starMagicApi: { apiKey: SECRET.starMagic, baseUrl: fakes.starMagic.baseUrl },
		evoLinkApi: { apiKey: SECRET.evoLink, baseUrl: fakes.evoLink.baseUrl, fileBaseUrl: fakes.evoLink.baseUrl },
		apiframeApi: { apiKey: SECRET.apiframe, baseUrl: `${fakes.apiframe.baseUrl}/` },
	};
}

export interface RunOptions {
	items?: InputItem[];
	continueOnFail?: boolean;
	binaryMode?: 'default' | 'filesystem';
	timeoutMs?: number;
}

/** Runs one of our nodes in n8n-core's engine against the fakes. */
export async function runImage(fakes: Fakes, node: NodeName, parameters: INodeParameters, options: RunOptions = {}): Promise<RunResult> {
	const result = await runNode(node, { resource: 'image', ...parameters }, {
		credentials: credentialsFor(fakes),
		inputItems: options.items ?? [{ json: {} }],
		continueOnFail: options.continueOnFail,
		binaryMode: options.binaryMode,
		timeoutMs: options.timeoutMs ?? 30000,
	});
	assertNoSecret(JSON.stringify(result.run), `the run of ${node}`);
	return result;
}

/** Every engine and fault test goes through runImage, so every scenario is checked for a leaked key. */
export function assertNoSecret(text: string, where: string): void {
	for (const key of Object.values(SECRET)) {
		if (text.includes(key)) throw new Error(`An API key leaked into ${where}`);
	}
}

/** Quick options so tests do not wait for the automatic schedule's first second. */
export const FAST = { pollIntervalSeconds: 1 };

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
