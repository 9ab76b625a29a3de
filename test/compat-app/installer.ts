/**
 * Puts the packed tarball into a user folder exactly as one n8n line's community-package installer
 * would (see `Installer` in ./lines.ts for the steps and where they come from): the same folder,
 * the same npm commands and flags, the same environment. The one difference is where the package
 * comes from: this project's `npm pack` output instead of the registry, since it is not published.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { INSTALLER_NPM_FLAGS, run } from '../e2e/n8nHost';
import { N8N_DEFAULT_REGISTRY } from './lines';
import type { AppLine } from './lines';

export interface Installed {
	/** `<user folder>/.n8n/nodes`, n8n's `nodesDownloadDir`. */
	nodesDir: string;
	/** Where the package ended up: `<nodesDir>/node_modules/<name>`. */
	packageDir: string;
	/** The npm commands as run, in order, each with the folder it ran in. */
	commands: string[];
}

/**
 * Installs `tarball` as `line`'s installer would inside an n8n process running with `env` (its
 * N8N_USER_FOLDER decides the folder; see appEnv in ./appHost.ts).
 */
export async function installLikeN8n(
	line: AppLine,
	env: NodeJS.ProcessEnv,
	tarball: string,
): Promise<Installed> {
	const userFolder = env.N8N_USER_FOLDER!;
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const { name, version } = JSON.parse(
		fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
	) as { name: string; version: string };
	const packageDir = path.join(nodesDir, 'node_modules', name);
	const commands: string[] = [];
	const where = (cwd: string) => `(in ~/${path.relative(userFolder, cwd)})`;
	const npm = async (args: string[], cwd: string, npmEnv: NodeJS.ProcessEnv) => {
		commands.push(`${where(cwd)} npm ${args.join(' ')}`);
		return await run('npm', args, { cwd, env: npmEnv, timeoutMs: 300000 });
	};

	if (line.installer === 'npm-install') {
		// executeNpmCommand: exec() with only these three variables (HOME is not among them, so npm
		// finds the user's .npmrc and cache through the OS account, as under a real n8n).
		const shellEnv = { NODE_PATH: env.NODE_PATH, PATH: env.PATH, APPDATA: env.APPDATA };
		if (!fs.existsSync(nodesDir)) {
			fs.mkdirSync(nodesDir, { recursive: true });
			await npm(['init', '-y'], nodesDir, shellEnv);
		}
		await npm(['install', tarball, `--registry=${N8N_DEFAULT_REGISTRY}`], nodesDir, shellEnv);
		return { nodesDir, packageDir, commands };
	}

	// pack-and-strip: ensurePackageJson, then downloadPackage.
	fs.mkdirSync(nodesDir, { recursive: true });
	const nodesManifest = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(nodesManifest))
		fs.writeFileSync(
			nodesManifest,
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2),
		);
	fs.mkdirSync(packageDir, { recursive: true });
	// `npm pack <name>@<version>` would leave the registry's tarball here; ours stands in for it.
	const packed = path.join(nodesDir, path.basename(tarball));
	fs.copyFileSync(tarball, packed);
	commands.push(
		`${where(nodesDir)} npm pack ${name}@${version} --registry=${N8N_DEFAULT_REGISTRY} --quiet` +
			' (stand-in: the packed tarball is copied here)',
	);
	try {
		const untar = ['-xzf', path.basename(packed), '-C', packageDir, '--strip-components=1'];
		commands.push(`${where(nodesDir)} tar ${untar.join(' ')}`);
		await run('tar', untar, { cwd: nodesDir });
		const manifestPath = path.join(packageDir, 'package.json');
		const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
		const dropped = ['devDependencies', 'peerDependencies', 'optionalDependencies'];
		for (const key of dropped) delete manifest[key];
		fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
		commands.push(`(package.json: ${dropped.join(', ')} deleted)`);
		await npm(
			['install', ...INSTALLER_NPM_FLAGS, `--registry=${N8N_DEFAULT_REGISTRY}`],
			packageDir,
			env,
		);
		const installed = JSON.parse(fs.readFileSync(nodesManifest, 'utf8')) as {
			dependencies: Record<string, string>;
		};
		installed.dependencies[name] = version;
		fs.writeFileSync(nodesManifest, JSON.stringify(installed, null, 2));
	} finally {
		fs.rmSync(packed, { force: true });
	}
	return { nodesDir, packageDir, commands };
}

/**
 * Every package folder under a node_modules tree (scoped ones as `@scope/name`), nested trees
 * included, as paths relative to `root`. What the installer left on disk besides our package.
 */
export function installedPackages(root: string): string[] {
	const found: string[] = [];
	const walk = (modules: string) => {
		if (!fs.existsSync(modules)) return;
		for (const entry of fs.readdirSync(modules)) {
			if (entry.startsWith('.')) continue;
			const dirs = entry.startsWith('@')
				? fs.readdirSync(path.join(modules, entry)).map((name) => path.join(entry, name))
				: [entry];
			for (const dir of dirs) {
				found.push(path.relative(root, path.join(modules, dir)));
				walk(path.join(modules, dir, 'node_modules'));
			}
		}
	};
	walk(path.join(root, 'node_modules'));
	return found.sort();
}
