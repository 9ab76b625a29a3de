/**
 * Our package into a fresh n8n user folder the way a self-hosted user gets it: the packed
 * tarball installed as n8n's community-package installer does, credentials pointing at the fake
 * providers and the example workflows imported with n8n's CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { n8nCli, NODE24, REPO, run } from './n8nProcess';

/** Packs the project (its `files`: dist, README, LICENSE) into a tarball, as `npm publish` would. */
export async function packProject(destination: string): Promise<string> {
	const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', destination], {
		cwd: REPO,
	});
	return path.join(destination, stdout.trim().split('\n').pop()!);
}

/** The flags n8n's community-package installer gives `npm install` inside the package. */
export const INSTALLER_NPM_FLAGS = [
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

/**
 * Installs the tarball like n8n's community-package installer: unpack into
 * <user>/.n8n/nodes/node_modules/<name>, drop dev/peer/optional dependencies from its
 * package.json, then `npm install` inside it with scripts off. No dev dependency of ours is
 * reachable from there, so a runtime import that only our node_modules satisfied fails here.
 */
export async function installTarball(userFolder: string, tarball: string): Promise<string> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const { name, version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
	const packageDir = path.join(nodesDir, 'node_modules', name);
	fs.mkdirSync(packageDir, { recursive: true });
	await run('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
	const manifestPath = path.join(packageDir, 'package.json');
	const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
	for (const key of ['devDependencies', 'peerDependencies', 'optionalDependencies'])
		delete manifest[key];
	fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	await run('npm', ['install', ...INSTALLER_NPM_FLAGS], {
		cwd: packageDir,
		env: { ...process.env, PATH: `${path.dirname(NODE24)}:${process.env.PATH}` },
	});
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify(
			{ name: 'installed-nodes', private: true, dependencies: { [name]: version } },
			null,
			2,
		),
	);
	return packageDir;
}
/** A credential as `n8n import:credentials` reads it (plain-text `data` is encrypted on import). */
export interface CredentialExport {
	id: string;
	name: string;
	type: string;
	data: Record<string, string>;
}

/**
 * Credentials with the IDs the examples reference, pointing at the fake providers
 * (`{ starMagic, evoLink, apiframe }`, any subset), plus any `extra` ones, imported with one CLI call.
 */
export async function importCredentials(
	env: NodeJS.ProcessEnv,
	fakes: Partial<Record<string, { apiKey: string; baseUrl: string }>>,
	extra: CredentialExport[] = [],
): Promise<void> {
	const all: Array<
		[
			string,
			Record<string, string>,
			(f: { apiKey: string; baseUrl: string }) => Record<string, string>,
		]
	> = [
		[
			'starMagic',
			{ id: 'gptImgStarMagic', name: 'StarMagic account', type: 'starMagicApi' },
			(f) => ({ apiKey: f.apiKey, baseUrl: f.baseUrl }),
		],
		[
			'evoLink',
			{ id: 'gptImgEvoLink01', name: 'EvoLink account', type: 'evoLinkApi' },
			(f) => ({ apiKey: f.apiKey, baseUrl: f.baseUrl, fileBaseUrl: f.baseUrl }),
		],
		[
			'apiframe',
			{ id: 'gptImgApiframe1', name: 'Apiframe account', type: 'apiframeApi' },
			(f) => ({ apiKey: f.apiKey, baseUrl: f.baseUrl }),
		],
	];
	const credentials = [
		...all
			.filter(([key]) => fakes[key])
			.map(([key, credential, data]) => ({ ...credential, data: data(fakes[key]!) })),
		...extra,
	];
	const file = path.join(env.N8N_USER_FOLDER!, 'credentials.json');
	fs.writeFileSync(file, JSON.stringify(credentials));
	await n8nCli(env, ['import:credentials', `--input=${file}`]);
}

/**
 * Every example workflow, imported as a user imports them; only the public sample photo is
 * pointed at `samplesBaseUrl` (a fake provider's /samples/), so nothing leaves the machine.
 * `extra` workflow files (test fixtures) go in with the same CLI call, which saves an n8n boot.
 */
export async function importExamples(
	env: NodeJS.ProcessEnv,
	samplesBaseUrl: string,
	extra: string[] = [],
): Promise<void> {
	const examples = path.join(REPO, 'examples');
	const dir = path.join(env.N8N_USER_FOLDER!, 'workflows');
	fs.mkdirSync(dir, { recursive: true });
	const files = fs
		.readdirSync(examples)
		.filter((f) => f.endsWith('.json'))
		.map((f) => path.join(examples, f));
	for (const source of [...files, ...extra]) {
		const file = path.basename(source);
		const text = fs
			.readFileSync(source, 'utf8')
			.replace(
				/https:\/\/upload\.wikimedia\.org\/[^"]+\.png/,
				`${samplesBaseUrl}/samples/photo.png`,
			);
		fs.writeFileSync(path.join(dir, file), text);
	}
	await n8nCli(env, ['import:workflow', '--separate', `--input=${dir}`]);
}
