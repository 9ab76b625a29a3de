/**
 * The package's credential classes from source, keyed by credential name: every file package.json
 * lists under `n8n.credentials`, so a new provider's credential is found without editing tests.
 */
import type { ICredentialType } from 'n8n-workflow';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

let cached: Record<string, ICredentialType> | undefined;

export function loadCredentialTypes(): Record<string, ICredentialType> {
	if (cached) return cached;
	const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
		n8n: { credentials: string[] };
	};
	const types: Record<string, ICredentialType> = {};
	for (const file of manifest.n8n.credentials) {
		const source = path.join(ROOT, file.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		for (const Class of Object.values(
			require(source) as Record<string, new () => ICredentialType>,
		)) {
			const instance = new Class();
			types[instance.name] = instance;
		}
	}
	cached = types;
	return types;
}
