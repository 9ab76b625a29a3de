/**
 * `npm run demo`: runs Generate -> Edit -> Generate (no waiting) -> Wait for Task through n8n's
 * real execution engine and writes every image to demo-output/.
 *
 * By default it talks to the bundled fake provider on 127.0.0.1, so it is free and offline.
 * Set DEMO_PROVIDER to a provider node's name (starMagic, evoLink or apiframe; default evoLink)
 * and its key in `<NAME>_API_KEY` (STARMAGIC_API_KEY, EVOLINK_API_KEY, APIFRAME_API_KEY) to use
 * the real service instead: that submits three real, billed tasks.
 */
import type { IConnections, ICredentialDataDecryptedObject } from 'n8n-workflow';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { PROVIDERS } from '../../nodes/providers';
import type { ProviderDefinition } from '../../nodes/shared/provider';
import { cleanup, readBinary, runWorkflow } from '../engine/harness';
import type { NodeInput } from '../engine/harness';
import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';

function workflow(provider: ProviderDefinition): { nodes: NodeInput[]; connections: IConnections } {
	const node = (name: string, x: number, parameters: Record<string, unknown>): NodeInput => ({
		name,
		type: provider.key,
		position: [x, 0],
		parameters: { resource: 'image', ...parameters },
	});
	// A provider without a file host (StarMagic) gets the first image by URL instead.
	const editInput = provider.adapter.upload
		? { binaryFields: 'data' }
		: { imageUrls: '={{ $json.imageUrl }}' };
	const nodes = [
		node('Generate', 0, {
			operation: 'generate',
			prompt: 'A watercolor fox reading a book under a lamp',
		}),
		node('Edit', 250, { operation: 'edit', prompt: 'Give the fox a red scarf', ...editInput }),
		node('Submit Only', 500, {
			operation: 'generate',
			prompt: 'A paper boat on a pond',
			completion: 'submit',
		}),
		node('Wait for Task', 750, { operation: 'waitForTask', taskId: '={{ $json.taskId }}' }),
	];
	const connections: IConnections = {};
	for (let i = 0; i < nodes.length - 1; i++) {
		connections[nodes[i].name!] = {
			main: [[{ node: nodes[i + 1].name!, type: 'main', index: 0 }]],
		};
	}
	return { nodes, connections };
}

async function main(): Promise<void> {
	const name = process.env.DEMO_PROVIDER ?? 'evoLink';
	const provider = PROVIDERS.find((p) => p.key === name);
	if (!provider) {
		throw new Error(`DEMO_PROVIDER must be one of ${PROVIDERS.map((p) => p.key).join(', ')}`);
	}
	const keyVar = `${name.toUpperCase()}_API_KEY`;
	const realKey = process.env[keyVar];
	let fake: FakeProvider | undefined;
	let credential: ICredentialDataDecryptedObject;
	if (realKey) {
		console.log(`Using the real ${name} API with the key from ${keyVar} (billed).`);
		credential = { apiKey: realKey };
	} else {
		fake = await startFakeProvider(provider.key, { taskDurationMs: 1500 });
		console.log(
			`Using the bundled fake ${name} provider at ${fake.baseUrl} (set ${keyVar} to use the real API).`,
		);
		credential = { apiKey: fake.apiKey, baseUrl: fake.baseUrl, fileBaseUrl: fake.baseUrl };
	}
	try {
		const started = Date.now();
		const result = await runWorkflow({
			...workflow(provider),
			credentials: { [provider.adapter.credentialType]: credential },
			timeoutMs: 20 * 60 * 1000,
		});
		if (result.status !== 'success') {
			const error = result.error ? `${result.error.message} ${result.error.description ?? ''}` : '';
			throw new Error(`The workflow ended with status ${result.status}: ${error}`);
		}
		const outDir = path.resolve(__dirname, '..', '..', 'demo-output');
		fs.mkdirSync(outDir, { recursive: true });
		for (const step of ['Generate', 'Edit', 'Wait for Task']) {
			for (const item of result.output(step)) {
				const binary = item.binary!.data;
				const stem = step.toLowerCase().replace(/ /g, '-');
				const file = path.join(outDir, `${stem}-${binary.fileName}`);
				fs.writeFileSync(file, await readBinary(binary));
				console.log(`${step.padEnd(14)} ${String(item.json.taskId)}  ${binary.mimeType}  ${file}`);
			}
		}
		console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
	} finally {
		await fake?.close();
		cleanup();
	}
}

main().catch((error: Error) => {
	console.error(`Demo failed: ${error.message}`);
	process.exitCode = 1;
});
