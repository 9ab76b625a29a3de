/**
 * Runs one older n8n line (./lines.ts) as a self-hoster would: its own Node, a fresh user folder,
 * the CLI for imports and executions, `n8n start` on 127.0.0.1. The environment, ports and owner
 * setup come from the 2.41 e2e tooling (test/e2e/n8nHost.ts); what differs per line is the Node
 * and n8n binary, and the REST answers this file reads. Every process started here runs in its
 * own process group and is stopped by PID.
 */
import * as path from 'node:path';

import { n8nEnv, run, startGroup } from '../e2e/n8nHost';
import type { N8nServer } from '../e2e/n8nHost';
import type { AppLine } from './lines';

/**
 * The headless loopback environment of the e2e tests, on this line's Node, without the npm_*
 * settings of the `npm run` that started the tests (a self-hoster's n8n has none; this project's
 * ignore-scripts=true would otherwise leak into the installer's npm).
 */
export function appEnv(
	line: AppLine,
	userFolder: string,
	port: number,
	brokerPort: number,
): NodeJS.ProcessEnv {
	const env = n8nEnv(userFolder, port, brokerPort, {
		PATH: `${path.dirname(line.node)}:${process.env.PATH}`,
	});
	for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key];
	// 2.x's mcp-registry module does not exist in 1.x, and 1.123 refuses to start on an unknown name.
	delete env.N8N_DISABLED_MODULES;
	return env;
}

export async function appCli(
	line: AppLine,
	env: NodeJS.ProcessEnv,
	args: string[],
): Promise<{ stdout: string; stderr: string }> {
	return await run(line.node, [line.n8nBin, ...args], {
		env,
		cwd: env.N8N_USER_FOLDER,
		timeoutMs: 180000,
	});
}

/** `n8n start` in its own process group; resolves once its REST API answers. */
export async function startApp(
	line: AppLine,
	env: NodeJS.ProcessEnv,
	logFile: string,
): Promise<N8nServer> {
	const group = startGroup(line.node, [line.n8nBin, 'start'], env, logFile);
	const base = `http://127.0.0.1:${env.N8N_PORT}`;
	const server: N8nServer = { pid: group.pid, base, stop: group.stop };
	const deadline = Date.now() + 180000;
	for (;;) {
		const exited = group.exitCode();
		if (exited !== null)
			throw new Error(
				`n8n ${line.n8nVersion} exited with ${exited} before it was ready; see ${logFile}`,
			);
		if (Date.now() > deadline) {
			await server.stop();
			throw new Error(`n8n ${line.n8nVersion} was not ready within 180 s; see ${logFile}`);
		}
		// Readiness answers 200 once the database is up, a moment before the REST API is mounted
		// (1.78); /rest/settings is public and answers once it is.
		try {
			const ready = (await fetch(`${base}/healthz/readiness`)).status === 200;
			if (ready && (await fetch(`${base}/rest/settings`)).status === 200) return server;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** This line's own copy of flatted, which reads the execution data its REST API returns. */
export function lineFlatted(line: AppLine): { parse(text: string): unknown } {
	return require(require.resolve('flatted', { paths: [path.join(line.nodeModules, 'n8n')] })) as {
		parse(text: string): unknown;
	};
}
