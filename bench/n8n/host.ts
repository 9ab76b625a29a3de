/**
 * A real n8n 2.41.1 (the e2e install, test/e2e/n8n) with this package's tarball installed, an
 * EvoLink credential pointing at a fake, and one published workflow: GPT Image Callback Trigger
 * (Verification: Confirm With the Provider) followed by a No Operation node.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
	freePort,
	importCredentials,
	installTarball,
	n8nCli,
	n8nEnv,
	packProject,
	startN8nProcess,
} from '../../test/e2e/n8nHost';
import type { N8nServer } from '../../test/e2e/n8nHost';
import type { FakeAddress } from '../fakeProcess';

const WORKFLOW_ID = 'gptImgBenchCb001';
const WEBHOOK_ID = '5d0c6a1e-8f3b-4c27-9e41-b6a2d7f08c13';

function workflow() {
	return {
		id: WORKFLOW_ID,
		name: 'Bench: provider callbacks',
		nodes: [
			{
				parameters: { provider: 'evoLink', verification: 'provider', options: {} },
				id: 'trigger',
				name: 'GPT Image Trigger',
				type: 'n8n-nodes-gpt-image.gptImageTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: WEBHOOK_ID,
				credentials: { evoLinkApi: { id: 'gptImgEvoLink01', name: 'EvoLink account' } },
			},
			{
				parameters: {},
				id: 'noop',
				name: 'Use the image',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [240, 0],
			},
		],
		connections: {
			'GPT Image Trigger': { main: [[{ node: 'Use the image', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
		active: false,
	};
}

/**
 * n8n settings to measure with, e.g. BENCH_N8N_ENV='{"N8N_EXPRESSION_ENGINE_POOL_SIZE":"4"}'
 * (the e2e environment drops the caller's own N8N_ variables).
 */
function extraN8nEnv(): Record<string, string> {
	const given = process.env.BENCH_N8N_ENV;
	return given ? (JSON.parse(given) as Record<string, string>) : {};
}

export interface BenchN8n {
	/** The trigger's Production URL. */
	webhookUrl: string;
	userFolder: string;
	server: N8nServer;
}

/** A user folder with the package, the credential and the published workflow, ready to start. */
export async function prepareN8n(fake: FakeAddress): Promise<{
	userFolder: string;
	env: NodeJS.ProcessEnv;
}> {
	// Not the e2e tests' prefix: their clean-ups must not take a running bench's folder.
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-gpt-image-bench-'));
	const tarball = await packProject(userFolder);
	await installTarball(userFolder, tarball);
	const env = n8nEnv(userFolder, await freePort(), await freePort(), {
		N8N_LOG_LEVEL: 'warn',
		...extraN8nEnv(),
	});
	await importCredentials(env, { evoLink: fake });
	const dir = path.join(userFolder, 'workflows');
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, `${WORKFLOW_ID}.json`), JSON.stringify(workflow()));
	await n8nCli(env, ['import:workflow', '--separate', `--input=${dir}`]);
	await n8nCli(env, ['publish:workflow', `--id=${WORKFLOW_ID}`]);
	return { userFolder, env };
}

/** Starts `n8n start` on the prepared folder; `nodeArgs` go to Node (timing hook, CPU profile). */
export async function startBenchN8n(
	prepared: { userFolder: string; env: NodeJS.ProcessEnv },
	nodeArgs: string[] = [],
	extraEnv: Record<string, string> = {},
): Promise<BenchN8n> {
	const env = { ...prepared.env, ...extraEnv };
	const logFile = path.join(prepared.userFolder, 'n8n.log');
	const ready = `http://127.0.0.1:${env.N8N_PORT}/healthz/readiness`;
	const server = await startN8nProcess(['start'], env, logFile, ready, nodeArgs);
	return {
		webhookUrl: `${server.base}/webhook/${WEBHOOK_ID}/gpt-image`,
		userFolder: prepared.userFolder,
		server,
	};
}
