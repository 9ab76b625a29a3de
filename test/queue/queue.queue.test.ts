/**
 * n8n in queue mode, as teams run it: a main process takes the webhooks, Redis holds the queue,
 * two workers run the executions, PostgreSQL holds executions and binary data. The packed
 * package is installed once in the shared user folder, as on a host running all three.
 */
import * as fs from 'fs';
import * as path from 'path';

import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';
import {
	freePort,
	installTarball,
	killN8n,
	n8nCli,
	n8nEnv,
	packProject,
	startN8nProcess,
	stopwatch,
	tempUserFolder,
} from '../e2e/n8nHost';
import type { N8nServer } from '../e2e/n8nHost';
import { startPostgres, startRedis, waitFor } from './services';
import type { Service } from './services';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let dir: string;
let postgres: Service & { psql(sql: string): string };
let redis: Service;
let evoLink: FakeProvider;
let main: N8nServer | undefined;
const workers: N8nServer[] = [];
let baseEnv: NodeJS.ProcessEnv;
const { timings, timed } = stopwatch();

beforeAll(async () => {
	dir = tempUserFolder();
	postgres = await timed(
		'postgres',
		async () => await startPostgres(path.join(dir, 'postgres.log')),
	);
	redis = await timed('redis', async () => await startRedis(dir, path.join(dir, 'redis.log')));
	evoLink = await startFakeProvider('evoLink', { taskDurationMs: 1000 });
	await installTarball(dir, await packProject(dir));

	const port = await freePort();
	baseEnv = n8nEnv(dir, port, await freePort(), {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: 'n8n',
		DB_POSTGRESDB_USER: 'postgres',
		DB_POSTGRESDB_PASSWORD: '',
		// Queue mode keeps binary data in the database, so every process can read it.
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
	});

	const credentials = [
		{
			id: 'gptImgEvoLink01',
			name: 'EvoLink account',
			type: 'evoLinkApi',
			data: { apiKey: evoLink.apiKey, baseUrl: evoLink.baseUrl, fileBaseUrl: evoLink.baseUrl },
		},
	];
	fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify(credentials));
	await timed('import', async () => {
		await n8nCli(baseEnv, ['import:credentials', `--input=${path.join(dir, 'credentials.json')}`]);
		await n8nCli(baseEnv, [
			'import:workflow',
			`--input=${path.join(EXAMPLES, 'webhook-image-evolink.json')}`,
		]);
		await n8nCli(baseEnv, ['publish:workflow', '--id=gptImgWebhookImg']);
		// The callback pair: a webhook-started submit (so it runs on a worker) and the example trigger.
		fs.writeFileSync(
			path.join(dir, 'submit-callback.json'),
			JSON.stringify(submitWithCallbackWorkflow()),
		);
		await n8nCli(baseEnv, ['import:workflow', `--input=${path.join(dir, 'submit-callback.json')}`]);
		await n8nCli(baseEnv, [
			'import:workflow',
			`--input=${path.join(EXAMPLES, 'callback-2-receive-trigger.json')}`,
		]);
		await n8nCli(baseEnv, ['publish:workflow', '--id=gptImgQueueCbSub']);
		await n8nCli(baseEnv, ['publish:workflow', '--id=gptImgCbReceive1']);
	});

	main = await timed(
		'main start',
		async () =>
			await startN8nProcess(
				['start'],
				{ ...baseEnv },
				path.join(dir, 'main.log'),
				`http://127.0.0.1:${port}/healthz/readiness`,
			),
	);
	for (const n of [1, 2]) {
		const health = await freePort();
		const env = {
			...baseEnv,
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			QUEUE_HEALTH_CHECK_PORT: String(health),
			N8N_PORT: String(health),
		};
		workers.push(
			await timed(
				`worker ${n} start`,
				async () =>
					await startN8nProcess(
						['worker', '--concurrency=10'],
						env,
						path.join(dir, `worker${n}.log`),
						`http://127.0.0.1:${health}/healthz/readiness`,
					),
			),
		);
	}
});

afterAll(async () => {
	for (const worker of workers) await worker.stop();
	await main?.stop();
	await evoLink?.close();
	await redis?.stop();
	await postgres?.stop();
	process.stdout.write(`queue test timings (ms): ${JSON.stringify(timings)}\n`);
	if (dir && !process.env.KEEP_E2E) fs.rmSync(dir, { recursive: true, force: true });
});

const TRIGGER_URL =
	'https://n8n.example.com/webhook/6d1c8a52-4d7e-4b1a-9a8f-2f7d1c0e5b31/gpt-image';

/** Webhook -> EvoLink with Completion = Callback -> answer with the task ID. */
function submitWithCallbackWorkflow() {
	return {
		id: 'gptImgQueueCbSub',
		name: 'Queue test: submit with a callback',
		nodes: [
			{
				parameters: {
					httpMethod: 'POST',
					path: 'gpt-image-submit',
					responseMode: 'lastNode',
					options: {},
				},
				id: 'w',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '0c4f3a1e-8b2d-4e6f-9a7c-1d3e5f7a9b2c',
			},
			{
				parameters: {
					resource: 'image',
					operation: 'generate',
					prompt: '={{ $json.body.prompt }}',
					completion: 'callback',
					callbackUrl: TRIGGER_URL,
					options: {},
				},
				id: 'g',
				name: 'Submit to EvoLink',
				type: 'n8n-nodes-gpt-image.evoLink',
				typeVersion: 1,
				position: [260, 0],
				credentials: { evoLinkApi: { id: 'gptImgEvoLink01', name: 'EvoLink account' } },
			},
		],
		connections: { Webhook: { main: [[{ node: 'Submit to EvoLink', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
		active: false,
	};
}

function workerExecutions(n: number): string[] {
	const log = fs.readFileSync(path.join(dir, `worker${n}.log`), 'utf8');
	return [...log.matchAll(/Worker finished execution (\d+)/g)].map((m) => m[1]);
}

describe('queue mode: main + 2 workers + Redis + PostgreSQL', () => {
	it('20 concurrent webhook calls each get their own image; both workers work; 20 paid tasks', async () => {
		const prompts = Array.from(
			{ length: 20 },
			(_, i) => `queue prompt ${i} [slow:${800 + (i % 5) * 300}]`,
		);
		const responses = await timed(
			'20 webhook calls',
			async () =>
				await Promise.all(
					prompts.map(async (prompt) => {
						const response = await fetch(`${main!.base}/webhook/gpt-image-render`, {
							method: 'POST',
							headers: { 'content-type': 'application/json' },
							body: JSON.stringify({ prompt }),
						});
						return {
							prompt,
							status: response.status,
							type: response.headers.get('content-type'),
							taskId: response.headers.get('x-task-id'),
							echoed: response.headers.get('x-prompt'),
							bytes: Buffer.from(await response.arrayBuffer()),
						};
					}),
				),
		);
		for (const r of responses) {
			expect(r.status).toBe(200);
			expect(r.type).toMatch(/^image\/png/);
			expect(r.bytes.subarray(0, 8)).toEqual(PNG);
			expect(decodeURIComponent(r.echoed ?? '')).toBe(r.prompt);
			expect(evoLink.tasks.get(r.taskId!)?.body.prompt).toBe(r.prompt);
		}
		expect(new Set(responses.map((r) => r.taskId)).size).toBe(20);
		expect(evoLink.counts.submissions).toBe(20);

		await waitFor(
			() => workerExecutions(1).length + workerExecutions(2).length >= 20,
			'worker logs',
		);
		const spread = [workerExecutions(1).length, workerExecutions(2).length];
		process.stdout.write(`executions per worker: ${JSON.stringify(spread)}\n`);
		expect(spread[0]).toBeGreaterThan(0);
		expect(spread[1]).toBeGreaterThan(0);
		expect(spread[0] + spread[1]).toBe(20);

		const statuses = postgres
			.psql(
				"SELECT status || '=' || count(*) FROM execution_entity GROUP BY status ORDER BY status",
			)
			.split('\n');
		expect(statuses).toEqual(['success=20']);
	});
});

describe('callbacks in queue mode', () => {
	it("the submit runs on a worker and ends at once; the provider calls the main; the trigger's run gets the image", async () => {
		evoLink.reset();
		evoLink.options.callbackRewrite = (url: string) =>
			url.replace('https://n8n.example.com', main!.base);
		const before = workerExecutions(1).length + workerExecutions(2).length;
		const response = await fetch(`${main!.base}/webhook/gpt-image-submit`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: 'queue callback' }),
		});
		expect(response.status).toBe(200);
		const submitted = (await response.json()) as { taskId: string; status: string };
		expect(submitted).toMatchObject({
			status: 'queued',
			taskId: expect.stringMatching(/^task-unified-/),
		});
		await evoLink.whenCallbacksIdle();
		expect(evoLink.callbacks.map((c) => c.status)).toEqual([200]);

		await waitFor(
			() =>
				postgres.psql(
					`SELECT count(*) FROM execution_entity WHERE "workflowId" = 'gptImgCbReceive1' AND status = 'success'`,
				) === '1',
			'the trigger run',
		);
		// The worker logs its line after it has written the execution's status: wait for the line.
		const done = () => workerExecutions(1).length + workerExecutions(2).length;
		await waitFor(() => done() >= before + 2, 'the two worker log lines');
		expect(done()).toBe(before + 2);
		const data = postgres.psql(
			`SELECT d.data FROM execution_data d JOIN execution_entity e ON e.id = d."executionId" WHERE e."workflowId" = 'gptImgCbReceive1'`,
		);
		const flatted = require(
			require.resolve('flatted', {
				paths: [path.join(__dirname, '..', 'e2e', 'n8n', 'node_modules', 'n8n')],
			}),
		) as {
			parse(text: string): {
				resultData: {
					runData: Record<
						string,
						Array<{
							data: {
								main: Array<
									Array<{
										json: Record<string, unknown>;
										binary?: Record<string, { mimeType: string; id?: string }>;
									}>
								>;
							};
						}>
					>;
				};
			};
		};
		const [item] = flatted.parse(data).resultData.runData['GPT Image Trigger'][0].data.main[0];
		expect(item.json).toMatchObject({
			taskId: submitted.taskId,
			status: 'completed',
			provider: 'EvoLink',
		});
		expect(item.binary?.data.mimeType).toBe('image/png');
		expect(item.binary?.data.id).toMatch(/^database:/);
		// One status read: the trigger confirming the callback with EvoLink before it starts the run.
		expect(evoLink.counts).toMatchObject({ submissions: 1, statusPolls: 1, downloads: 1 });
	});
});

describe('a worker killed while its node waits', () => {
	it('SIGKILL of the worker waiting on a slow task: the execution stays "running" without custom data until the stalled job fails it; the task line is only in that worker\'s log; nothing re-runs it', async () => {
		evoLink.reset();
		const prompt = 'queue worker killed [slow:600000]';
		// The webhook example answers only with the image, so this call stays open meanwhile.
		const aborter = new AbortController();
		const call = fetch(`${main!.base}/webhook/gpt-image-render`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ prompt }),
			signal: aborter.signal,
		}).then(
			async (response) => ({ status: response.status, text: await response.text() }),
			(error: unknown) => ({ status: 0, text: String(error) }),
		);

		const logOf = (n: number) => fs.readFileSync(path.join(dir, `worker${n}.log`), 'utf8');
		let taskId = '';
		await waitFor(() => {
			taskId = [...evoLink.tasks.values()].find((t) => t.body.prompt === prompt)?.id ?? '';
			return taskId !== '';
		}, 'the slow task');
		const line = new RegExp(
			`GPT Image: EvoLink task ${taskId} submitted \\(execution (\\d+), node "Generate with EvoLink", item 0\\)`,
		);
		let n = 0;
		await waitFor(() => {
			n = [1, 2].find((w) => line.test(logOf(w))) ?? 0;
			return n !== 0;
		}, 'the task line in a worker log');
		const executionId = line.exec(logOf(n))![1];
		const state = () => ({
			status: postgres.psql(`SELECT status FROM execution_entity WHERE id = ${executionId}`),
			customData: postgres.psql(
				`SELECT count(*) FROM execution_metadata WHERE "executionId" = ${executionId}`,
			),
			taskIdInData: postgres.psql(
				`SELECT position('${taskId}' in data) > 0 FROM execution_data WHERE "executionId" = ${executionId}`,
			),
		});
		const running = { status: 'running', customData: '0', taskIdInData: 'f' };
		expect(state()).toEqual(running);

		const killedAt = Date.now();
		await killN8n(workers[n - 1]);
		expect(state()).toEqual(running);
		// Bull fails the job once its lock (60 s) has expired and the other worker's stalled-job
		// check (every 30 s) finds it; n8n allows no stalled retry, and the main, which awaits
		// the job, then rechecks for 30 s before it records the failure.
		await waitFor(() => state().status !== 'running', 'the end of the execution', 240000);
		const endedAfter = Date.now() - killedAt;
		const ended = state();
		const reason = postgres.psql(
			`SELECT position('failed to be processed too many times' in data) > 0 FROM execution_data WHERE "executionId" = ${executionId}`,
		);
		aborter.abort();
		const answer = await call;
		process.stdout.write(
			`worker killed: execution ${executionId} "running", no custom data, until ${(endedAfter / 1000).toFixed(0)} s after the kill, then ${JSON.stringify({ ...ended, stalledError: reason })}; webhook call: ${answer.status} ${answer.text.slice(0, 120)}; task line only in worker${n}.log; ${evoLink.counts.submissions} paid task(s)\n`,
		);
		expect(ended).toEqual({ status: 'error', customData: '0', taskIdInData: 'f' });
		expect(reason).toBe('t');
		expect(logOf(n).match(new RegExp(taskId, 'g'))).toHaveLength(1);
		expect(logOf(3 - n)).not.toContain(taskId);
		expect(evoLink.counts.submissions).toBe(1);
	});
});
