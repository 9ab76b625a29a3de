#!/usr/bin/env node
'use strict';
/**
 * `npm run demo`: runs Generate -> Edit -> Generate (no waiting) -> Wait for Task through n8n's
 * real execution engine and writes every image to demo-output/.
 *
 * By default it talks to the bundled fake provider on 127.0.0.1, so it is free and offline.
 * Set DEMO_PROVIDER to starMagic, evoLink or apiframe (default evoLink), and set that provider's
 * key (STARMAGIC_API_KEY, EVOLINK_API_KEY or APIFRAME_API_KEY) to use the real service instead:
 * that submits three real, billed tasks.
 */
const fs = require('fs');
const path = require('path');

const { startFakeProvider } = require('../fakes');
const { runWorkflow, readBinary, cleanup } = require('../engine/harness');

const PROVIDERS = {
	starMagic: { kind: 'starmagic', credential: 'starMagicApi', keyVar: 'STARMAGIC_API_KEY', upload: false },
	evoLink: { kind: 'evolink', credential: 'evoLinkApi', keyVar: 'EVOLINK_API_KEY', upload: true },
	apiframe: { kind: 'apiframe', credential: 'apiframeApi', keyVar: 'APIFRAME_API_KEY', upload: true },
};

function workflow(type, provider) {
	const node = (name, x, parameters) => ({ name, type, position: [x, 0], parameters: { resource: 'image', ...parameters } });
	// StarMagic documents no file upload, so its Edit step passes the first image by URL.
	const editInput = provider.upload ? { binaryFields: 'data' } : { imageUrls: '={{ $json.imageUrl }}' };
	const nodes = [
		node('Generate', 0, { operation: 'generate', prompt: 'A watercolor fox reading a book under a lamp' }),
		node('Edit', 250, { operation: 'edit', prompt: 'Give the fox a red scarf', ...editInput }),
		node('Submit Only', 500, { operation: 'generate', prompt: 'A paper boat on a pond', completion: 'submit' }),
		node('Wait for Task', 750, { operation: 'waitForTask', taskId: '={{ $json.taskId }}' }),
	];
	const connections = {};
	for (let i = 0; i < nodes.length - 1; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { nodes, connections };
}

async function main() {
	const name = process.env.DEMO_PROVIDER || 'evoLink';
	const provider = PROVIDERS[name];
	if (!provider) throw new Error(`DEMO_PROVIDER must be one of ${Object.keys(PROVIDERS).join(', ')}`);
	const realKey = process.env[provider.keyVar];
	let fake;
	let credential;
	if (realKey) {
		console.log(`Using the real ${name} API with the key from ${provider.keyVar} (billed).`);
		credential = { apiKey: realKey };
	} else {
		fake = await startFakeProvider(provider.kind, { taskDurationMs: 1500 });
		console.log(`Using the bundled fake ${name} provider at ${fake.baseUrl} (set ${provider.keyVar} to use the real API).`);
		credential = { apiKey: fake.apiKey, baseUrl: fake.baseUrl, fileBaseUrl: fake.baseUrl };
	}
	try {
		const started = Date.now();
		const result = await runWorkflow({ ...workflow(name, provider), credentials: { [provider.credential]: credential }, timeoutMs: 20 * 60 * 1000 });
		if (result.status !== 'success') {
			throw new Error(`The workflow ended with status ${result.status}: ${result.error ? `${result.error.message} ${result.error.description || ''}` : ''}`);
		}
		const outDir = path.resolve(__dirname, '..', '..', 'demo-output');
		fs.mkdirSync(outDir, { recursive: true });
		for (const step of ['Generate', 'Edit', 'Wait for Task']) {
			for (const item of result.output(step)) {
				const binary = item.binary.data;
				const file = path.join(outDir, `${step.toLowerCase().replace(/ /g, '-')}-${binary.fileName}`);
				fs.writeFileSync(file, await readBinary(binary));
				console.log(`${step.padEnd(14)} ${item.json.taskId}  ${binary.mimeType}  ${file}`);
			}
		}
		console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
	} finally {
		if (fake) await fake.close();
		cleanup();
	}
}

main().catch((error) => {
	console.error(`Demo failed: ${error.message}`);
	process.exitCode = 1;
});
