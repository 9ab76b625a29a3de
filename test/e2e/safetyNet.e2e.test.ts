/**
 * What only a real n8n 2.41.1 can answer, with our packed tarball installed in a fresh user
 * folder and a fake EvoLink on 127.0.0.1:
 *
 * 1. The safety net for lost callbacks (examples/safety-net-*.json): a task submitted with a
 *    callback whose deliveries all fail while n8n is down still reaches a workflow, collected by
 *    the scheduled workflow from the Data Table row its submission left.
 * 2. Identical callbacks arriving at the same moment start one run (nodes/GptImageTrigger/deliveries.ts).
 * 3. What n8n keeps of each paid task (nodes/shared/taskRecord.ts) when an execution fails or
 *    the process running it is killed.
 */
import * as fs from 'fs';
import * as path from 'path';

import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';
import { waitFor } from '../fakes/testHelpers';
import {
	freePort,
	importCredentials,
	installTarball,
	killN8n,
	n8nCli,
	n8nEnv,
	packProject,
	restClient,
	setupOwner,
	startN8n,
	stopwatch,
	tempUserFolder,
} from './n8nHost';
import type {
	DataTableRow,
	ExecutionDetail,
	ExecutionItem,
	ExecutionSummary,
	N8nServer,
} from './n8nHost';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** What the examples' callback URL starts with; the fake maps it to this n8n. */
const PUBLIC_BASE = 'https://n8n.example.com';
const SAFETY_NET_WEBHOOK = '9b3e7c41-2f6a-4d8e-b5c0-7a1f3e9d2c64';
const NO_DOWNLOAD_WEBHOOK = 'e4c1a7d2-5b3f-4e8a-9c6d-2f1b0a3e5d47';
const TABLE = 'gpt_image_tasks';
/** The examples' 5 minutes and 10 minutes, shortened in the imported copy only. */
const SCHEDULE_SECONDS = 3;
const AGE_SECONDS = 10;
/**
 * Long enough that n8n is surely down before the task finishes: the submitting run takes well
 * under a second and a SIGTERM stop about one more (the test checks it).
 */
const LOST_TASK_MS = 8000;
const FINISHED = ['success', 'error', 'crashed', 'canceled'];

let user: string;
let env: NodeJS.ProcessEnv;
let logFile: string;
let server: N8nServer | undefined;
let evoLink: FakeProvider;
let api: ReturnType<typeof restClient>;
let projectId: string;
let tableId: string;
const { timings, timed } = stopwatch();
const outcomes: string[] = [];

/** Polls `probe` every 250 ms until it returns a value, failing after `timeoutMs` with `what`. */
async function waitUntil<T>(
	probe: () => Promise<T | undefined> | T | undefined,
	what: string,
	timeoutMs = 60000,
): Promise<T> {
	return await waitFor(probe, timeoutMs, 250, what);
}

function readJson(file: string): Record<string, any> {
	return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;
}

function nodeNamed(workflow: Record<string, any>, name: string): Record<string, any> {
	const node = (workflow.nodes as Array<Record<string, any>>).find((n) => n.name === name);
	if (!node) throw new Error(`${String(workflow.id)} has no node "${name}"`);
	return node;
}

/**
 * The three examples as a user imports them, with workflow 3's schedule and age limit cut from
 * 5 and 10 minutes to seconds so the test runs in seconds (the example files keep minutes), and
 * a copy of workflow 2 with URLs only (no download) on a webhook of its own.
 */
function safetyNetWorkflows(): Array<Record<string, any>> {
	const [submit, receive, collect] = [
		'safety-net-1-submit-evolink.json',
		'safety-net-2-receive-trigger.json',
		'safety-net-3-collect-missed.json',
	].map((file) => readJson(path.join(EXAMPLES, file)));

	const schedule = nodeNamed(collect, 'Every 5 minutes').parameters;
	expect(schedule.rule.interval).toEqual([{ field: 'minutes', minutesInterval: 5 }]);
	schedule.rule.interval = [{ field: 'seconds', secondsInterval: SCHEDULE_SECONDS }];
	const [waiting, age] = nodeNamed(collect, 'Tasks still waiting after 10 minutes').parameters
		.filters.conditions;
	expect(waiting).toEqual({ keyName: 'status', condition: 'eq', keyValue: 'waiting' });
	expect(age).toEqual({
		keyName: 'createdAt',
		condition: 'lt',
		keyValue: '={{ $now.minus({ minutes: 10 }).toISO() }}',
	});
	age.keyValue = `={{ $now.minus({ seconds: ${AGE_SECONDS} }).toISO() }}`;

	const noDownload = JSON.parse(JSON.stringify(receive)) as Record<string, any>;
	noDownload.id = 'gptImgDupNoDwnld';
	noDownload.name = 'Duplicate deliveries: receive without downloading';
	const trigger = nodeNamed(noDownload, 'GPT Image Trigger');
	trigger.parameters.options = { output: 'url' };
	trigger.webhookId = NO_DOWNLOAD_WEBHOOK;
	return [submit, receive, collect, noDownload];
}

const EVOLINK_CREDENTIAL = { evoLinkApi: { id: 'gptImgEvoLink01', name: 'EvoLink account' } };

/**
 * Webhook (answers at once) -> [Code: one item per prompt] -> EvoLink Generate, waiting for the
 * images: a production run in the main process, whose log file the test reads.
 */
function traceWorkflow(id: string, webhookPath: string, webhookId: string, perPrompt: boolean) {
	const generate = {
		parameters: {
			resource: 'image',
			operation: 'generate',
			prompt: perPrompt ? '={{ $json.prompt }}' : '={{ $json.body.prompt }}',
			options: {},
		},
		id: 'generate',
		name: 'Generate with EvoLink',
		type: 'n8n-nodes-gpt-image.evoLink',
		typeVersion: 1,
		position: [480, 0],
		credentials: EVOLINK_CREDENTIAL,
	};
	const prompts = {
		parameters: { jsCode: 'return $json.body.prompts.map((prompt) => ({ json: { prompt } }));' },
		id: 'prompts',
		name: 'One item per prompt',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [240, 0],
	};
	const link = (node: string) => ({ main: [[{ node, type: 'main', index: 0 }]] });
	return {
		id,
		name: `Trace test: ${webhookPath}`,
		nodes: [
			{
				parameters: {
					httpMethod: 'POST',
					path: webhookPath,
					responseMode: 'onReceived',
					options: {},
				},
				id: 'webhook',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId,
			},
			...(perPrompt ? [prompts] : []),
			generate,
		],
		connections: perPrompt
			? { Webhook: link(prompts.name), [prompts.name]: link(generate.name) }
			: { Webhook: link(generate.name) },
		settings: { executionOrder: 'v1' },
		pinData: {},
		active: false,
	};
}

function output(run: ExecutionDetail, node: string, index = 0): ExecutionItem[] {
	const runs = run.data.resultData.runData[node];
	return runs?.[runs.length - 1].data?.main[index] ?? [];
}

/** The stored file behind a binary: real bytes, the right signature, the size n8n recorded. */
function storedBytes(binary: NonNullable<ExecutionItem['binary']>[string]): Buffer {
	expect(binary.id).toMatch(/^filesystem-v2:/);
	const file = path.join(user, '.n8n', 'storage', binary.id!.slice('filesystem-v2:'.length));
	const bytes = fs.readFileSync(file);
	expect(bytes.length).toBe(binary.bytes);
	return bytes;
}

async function rowOf(taskId: string): Promise<DataTableRow | undefined> {
	return (await api.dataTableRows(projectId, tableId)).find((row) => row.taskId === taskId);
}

/** Finished executions of a workflow since `since`, opened, for which `match` holds. */
async function runsWhere(
	workflowId: string,
	since: Date,
	match: (run: ExecutionDetail) => boolean,
): Promise<ExecutionDetail[]> {
	const finished = (await api.executions(workflowId, since)).filter((e) =>
		FINISHED.includes(e.status),
	);
	const runs = await Promise.all(finished.map(async (e) => await api.execution(e.id)));
	return runs.filter(match);
}

/**
 * The first finished run that matches, waiting for it: a run's Data Table update is visible
 * before n8n has saved that run as finished.
 */
async function finishedRun(
	workflowId: string,
	since: Date,
	match: (run: ExecutionDetail) => boolean,
): Promise<ExecutionDetail> {
	return await waitUntil(
		async () => (await runsWhere(workflowId, since, match))[0],
		`a finished run of ${workflowId}`,
	);
}

function triggerTaskId(run: ExecutionDetail): unknown {
	return output(run, 'GPT Image Trigger')[0]?.json.taskId;
}

function taskLines(taskId: string): string[] {
	return fs
		.readFileSync(logFile, 'utf8')
		.split('\n')
		.filter((line) => line.includes(`GPT Image: EvoLink task ${taskId} `));
}

/** A task made at the fake directly, without a callback, and its status text once it has ended. */
async function taskAtProvider(prompt: string): Promise<{ taskId: string; finalBody: string }> {
	const headers = { authorization: `Bearer ${evoLink.apiKey}`, 'content-type': 'application/json' };
	const created = await fetch(`${evoLink.baseUrl}/v1/images/generations`, {
		method: 'POST',
		headers,
		body: JSON.stringify({ model: 'gpt-image-1.5', prompt }),
	});
	expect(created.status).toBe(200);
	const taskId = ((await created.json()) as { id: string }).id;
	const finalBody = await waitUntil(async () => {
		const text = await (await fetch(`${evoLink.baseUrl}/v1/tasks/${taskId}`, { headers })).text();
		return /"status":\s*"(completed|failed)"/.test(text) ? text : undefined;
	}, `task ${taskId} at the fake`);
	return { taskId, finalBody };
}

/**
 * Workflow 1 as a user runs it from the editor; resolves with its finished execution. Not with
 * `n8n execute`: that command loads none of n8n's modules, so the Data Table node fails there
 * ("Attempted to use Data table node but the module is disabled").
 */
async function submitWithWorkflow1(): Promise<{ taskId: string; run: ExecutionDetail }> {
	const id = await api.runManually('gptImgSafetyNet1', 'When clicking Execute workflow');
	const run = await waitUntil(async () => {
		const execution = await api.execution(id);
		return FINISHED.includes(execution.status) ? execution : undefined;
	}, 'workflow 1');
	expect(run.status).toBe('success');
	const [task] = output(run, 'Submit to EvoLink');
	expect(task.json).toMatchObject({ provider: 'EvoLink', status: 'queued' });
	const [row] = output(run, 'Record the task as waiting');
	expect(row.json).toMatchObject({
		taskId: task.json.taskId,
		provider: 'EvoLink',
		status: 'waiting',
	});
	return { taskId: task.json.taskId as string, run };
}

beforeAll(async () => {
	user = tempUserFolder();
	logFile = path.join(user, 'n8n.log');
	evoLink = await startFakeProvider('evoLink', { taskDurationMs: 2000 });
	const tarball = await timed('pack', async () => await packProject(user));
	await timed('install tarball', async () => await installTarball(user, tarball));
	env = n8nEnv(user, await freePort(), await freePort());

	await timed('import', async () => {
		await importCredentials(env, { evoLink });
		const dir = path.join(user, 'workflows');
		fs.mkdirSync(dir, { recursive: true });
		const workflows = [
			...safetyNetWorkflows(),
			traceWorkflow(
				'gptImgTraceFail1',
				'gpt-image-trace-fail',
				'b7e2c9a4-1d3f-4a6b-8c5e-0f2a4b6c8d01',
				true,
			),
			traceWorkflow(
				'gptImgTraceSlow1',
				'gpt-image-trace-slow',
				'b7e2c9a4-1d3f-4a6b-8c5e-0f2a4b6c8d02',
				false,
			),
		];
		for (const workflow of workflows)
			fs.writeFileSync(path.join(dir, `${String(workflow.id)}.json`), JSON.stringify(workflow));
		await n8nCli(env, ['import:workflow', '--separate', `--input=${dir}`]);
	});
	// Published before n8n starts, so their webhooks and the schedule are registered at start.
	await timed('publish', async () => {
		for (const id of [
			'gptImgSafetyNet2',
			'gptImgSafetyNet3',
			'gptImgDupNoDwnld',
			'gptImgTraceFail1',
			'gptImgTraceSlow1',
		])
			await n8nCli(env, ['publish:workflow', `--id=${id}`]);
	});
	server = await timed('n8n start', async () => await startN8n(env, logFile));
	api = restClient(server.base, await setupOwner(server.base));
	// Until the table exists, workflow 3's runs fail ("Data table ... not found"); the tests only
	// look at runs that started after this.
	projectId = await api.personalProjectId();
	tableId = await api.createDataTable(projectId, TABLE, [
		{ name: 'taskId', type: 'string' },
		{ name: 'provider', type: 'string' },
		{ name: 'status', type: 'string' },
	]);
	// The workflows keep their public https URL (the provider's rules hold); the fake delivers to
	// this n8n, as DNS and a TLS proxy in front of n8n would. Same port after every restart.
	const base = server.base;
	evoLink.options.callbackRewrite = (url: string) => url.replace(PUBLIC_BASE, base);
});

afterAll(async () => {
	await server?.stop();
	await evoLink?.close();
	console.log(`safety net e2e timings (ms): ${JSON.stringify(timings)}\n${outcomes.join('\n')}`);
	if (user && !process.env.KEEP_E2E) fs.rmSync(user, { recursive: true, force: true });
});

describe('safety net for lost callbacks (examples/safety-net-*.json)', () => {
	afterAll(async () => {
		// Its runs every few seconds are noise for the tests below, and a process kill below should
		// not catch one of them.
		await api.post('/workflows/gptImgSafetyNet3/deactivate');
	});

	it('n8n up: the callback arrives, workflow 2 marks the row delivered with the image, workflow 3 leaves it alone', async () => {
		evoLink.reset();
		evoLink.options.taskDurationMs = 2000;
		const { taskId } = await submitWithWorkflow1();
		await evoLink.whenCallbacksIdle();
		expect(evoLink.callbacks.map((c) => [c.status, c.url])).toEqual([
			[200, `${server!.base}/webhook/${SAFETY_NET_WEBHOOK}/gpt-image`],
		]);

		const [received] = await waitUntil(async () => {
			const runs = await runsWhere(
				'gptImgSafetyNet2',
				new Date(0),
				(r) => triggerTaskId(r) === taskId,
			);
			return runs.length ? runs : undefined;
		}, 'the run of workflow 2');
		expect(received.status).toBe('success');
		const [image] = output(received, 'Use the image');
		expect(image.json).toMatchObject({ taskId, status: 'completed' });
		expect(storedBytes(image.binary!.data).subarray(0, 8)).toEqual(PNG);
		expect(output(received, 'Mark as delivered')[0].json).toMatchObject({
			taskId,
			status: 'delivered',
		});
		const row = (await rowOf(taskId))!;
		expect(row.status).toBe('delivered');

		// A run of workflow 3 that started once the row was old enough to be collected found nothing.
		const oldEnough = new Date(Date.parse(row.createdAt) + AGE_SECONDS * 1000);
		const later = await waitUntil(async () => {
			const runs = await runsWhere('gptImgSafetyNet3', oldEnough, () => true);
			return runs.length ? runs : undefined;
		}, 'a run of workflow 3 after the age limit');
		for (const run of later) {
			expect(run.status).toBe('success');
			expect(output(run, 'Tasks still waiting after 10 minutes')).toEqual([]);
			expect(run.data.resultData.runData['Wait for the task']).toBeUndefined();
		}
		expect((await rowOf(taskId))!.status).toBe('delivered');
		// The one status read is the trigger confirming the callback with EvoLink.
		expect(evoLink.counts).toMatchObject({ submissions: 1, downloads: 1, statusPolls: 1 });
		outcomes.push(
			`safety net, n8n up: callback 200 on attempt 1; workflow 2 ran once with the image; row "delivered"; ${later.length} later run(s) of workflow 3 collected nothing`,
		);
	});

	it('n8n down longer than the retry window: every delivery fails, workflow 3 still brings the paid image to a workflow', async () => {
		evoLink.reset();
		evoLink.options.taskDurationMs = LOST_TASK_MS;
		const { taskId } = await submitWithWorkflow1();
		expect((await rowOf(taskId))!.status).toBe('waiting');

		const downAt = Date.now();
		await server!.stop();
		// The premise: n8n was down before the task finished, so no delivery could reach it.
		expect(evoLink.callbacks).toEqual([]);
		expect(evoLink.tasks.get(taskId)!.doneAt!).toBeGreaterThan(Date.now());
		await evoLink.whenCallbacksIdle();
		const attempts = evoLink.callbacks;
		expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
			[1, null],
			[2, null],
			[3, null],
			[4, null],
		]);
		for (const attempt of attempts) {
			expect(attempt.url).toBe(`${server!.base}/webhook/${SAFETY_NET_WEBHOOK}/gpt-image`);
			expect(attempt.error).toMatch(/ECONNREFUSED/);
		}
		const retryWindowMs = attempts[3].at - attempts[0].at;

		const restartAt = new Date();
		server = await timed('n8n restart', async () => await startN8n(env, logFile));
		const upAt = Date.now();
		const collectedRow = await waitUntil(async () => {
			const row = await rowOf(taskId);
			return row?.status === 'collected' ? row : undefined;
		}, 'the row marked collected');
		const collectedAt = Date.now();
		expect(collectedRow).toMatchObject({ provider: 'EvoLink', status: 'collected' });

		const collecting = await finishedRun('gptImgSafetyNet3', restartAt, (run) =>
			output(run, 'Wait for the task').some((item) => item.json.taskId === taskId),
		);
		expect(collecting.status).toBe('success');
		const [image] = output(collecting, 'Use the image');
		expect(image.json).toMatchObject({ provider: 'EvoLink', taskId, status: 'completed' });
		expect(image.binary!.data.mimeType).toBe('image/png');
		expect(storedBytes(image.binary!.data).subarray(0, 8)).toEqual(PNG);
		expect(output(collecting, 'Mark as collected')[0].json).toMatchObject({
			taskId,
			status: 'collected',
		});
		expect(output(collecting, 'Wait for the task', 1)).toEqual([]);
		// Nothing reached workflow 2, and the task was paid once and downloaded once.
		expect(
			await runsWhere('gptImgSafetyNet2', restartAt, (r) => triggerTaskId(r) === taskId),
		).toEqual([]);
		expect(evoLink.counts).toMatchObject({ submissions: 1, downloads: 1 });

		const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
		outcomes.push(
			`safety net, n8n down ${s(upAt - downAt)} (stop to ready again): ${attempts.length} deliveries refused over ${s(retryWindowMs)}; workflow 3 (every ${SCHEDULE_SECONDS} s, rows older than ${AGE_SECONDS} s) collected the image ${s(collectedAt - upAt)} after n8n was ready; row "collected"; ${evoLink.counts.statusPolls} status poll(s), 1 download`,
		);
	});

	it('a task that failed at the provider leaves Wait for Task through the error output and its row is marked failed', async () => {
		evoLink.reset();
		evoLink.options.taskDurationMs = 1000;
		// A lost callback of a task that failed: the task at the provider and the row workflow 1 left.
		const { taskId } = await taskAtProvider('x [fail:content_policy_violation]');
		await api.post(`/projects/${projectId}/data-tables/${tableId}/insert`, {
			data: [{ taskId, provider: 'EvoLink', status: 'waiting' }],
		});
		const since = new Date();
		await waitUntil(
			async () => ((await rowOf(taskId))?.status === 'failed' ? true : undefined),
			'the row marked failed',
		);
		// On the error output n8n keeps only the message in json (it names the task); "Mark as
		// failed" reads the task ID from the paired row instead.
		const run = await finishedRun('gptImgSafetyNet3', since, (r) =>
			output(r, 'Wait for the task', 1).some((item) => String(item.json.error).includes(taskId)),
		);
		expect(run.status).toBe('success');
		const [failed] = output(run, 'Wait for the task', 1);
		expect(failed.json).toEqual({ error: expect.stringMatching(/content policy/i) });
		expect(output(run, 'Wait for the task')).toEqual([]);
		expect(output(run, 'Use the image')).toEqual([]);
		expect(output(run, 'Mark as failed')[0].json).toMatchObject({ taskId, status: 'failed' });
		expect(evoLink.counts.downloads).toBe(0);
		outcomes.push(
			`safety net, failed task: error output, row "failed" (${String(failed.json.error)})`,
		);
	});
});

describe('identical callbacks arriving at the same moment', () => {
	it.each([
		['binary output', 'gptImgSafetyNet2', SAFETY_NET_WEBHOOK, 1],
		['URLs only', 'gptImgDupNoDwnld', NO_DOWNLOAD_WEBHOOK, 0],
	] as const)('%s: five at once start one run', async (label, workflowId, webhookId, downloads) => {
		evoLink.reset();
		evoLink.options.taskDurationMs = 1000;
		const { taskId, finalBody } = await taskAtProvider(`five deliveries, ${label}`);
		const since = new Date();
		const answers = await Promise.all(
			Array.from({ length: 5 }, async () => {
				const response = await fetch(`${server!.base}/webhook/${webhookId}/gpt-image`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: finalBody,
				});
				return { status: response.status, text: await response.text() };
			}),
		);
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
		const duplicates = answers.filter(
			(a) => a.text === JSON.stringify({ received: true, started: false, duplicate: true }),
		);
		// A call that started a run is answered 200 with an empty body (the trigger's responseData
		// is 'noData'; providers only look at the 2xx).
		const started = answers.filter((a) => a.text === '');
		expect(started.length + duplicates.length).toBe(5);
		// Every answer is in, so every run that will ever exist for these calls has been started.
		const runs = await waitUntil(async () => {
			const found = await runsWhere(workflowId, since, (r) => triggerTaskId(r) === taskId);
			return found.length >= started.length ? found : undefined;
		}, 'the runs of the trigger');
		outcomes.push(
			`duplicates, ${label}: 5 identical callbacks at once -> ${runs.length} run(s); answers: ${started.length} started, ${duplicates.length} duplicate`,
		);
		expect(runs.length).toBeLessThanOrEqual(1);
		expect(runs).toHaveLength(1);
		expect(started).toHaveLength(1);
		expect(duplicates).toHaveLength(4);
		const [item] = output(runs[0], 'GPT Image Trigger');
		expect(item.json).toMatchObject({ taskId, status: 'completed' });
		expect(item.json.deliveryKey).toMatch(/^[0-9a-f]{32}$/);
		expect(Object.keys(item.binary ?? {})).toEqual(downloads ? ['data'] : []);
		expect(evoLink.counts.downloads).toBe(downloads);
	});
});

describe('a replay of a delivery after n8n restarts', () => {
	it('starts no second run: the task is read from the API, and a task created over an hour ago is not delivered any more', async () => {
		evoLink.reset();
		evoLink.options.taskDurationMs = 1000;
		const { taskId, finalBody } = await taskAtProvider('replayed after a restart');
		const url = () => `${server!.base}/webhook/${NO_DOWNLOAD_WEBHOOK}/gpt-image`;
		const deliver = async () => {
			const response = await fetch(url(), {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: finalBody,
			});
			return { status: response.status, text: await response.text() };
		};
		const since = new Date();
		expect(await deliver()).toEqual({ status: 200, text: '' });
		const runsOf = async () =>
			await runsWhere('gptImgDupNoDwnld', since, (r) => triggerTaskId(r) === taskId);
		await waitUntil(async () => ((await runsOf()).length === 1 ? true : undefined), 'the run');
		await server!.stop();
		server = await timed('n8n restart for the replay', async () => await startN8n(env, logFile));
		// After a restart n8n 2.x has not saved the trigger's memory of this delivery (it does not
		// save a trigger's static data for a call that starts a run): the provider's task decides.
		// The replay comes an hour after the task was made (the fake's clock for it is moved back).
		evoLink.tasks.get(taskId)!.createdAt -= 3600 * 1000 + 60 * 1000;
		const replay = await deliver();
		expect(replay).toEqual({
			status: 200,
			text: JSON.stringify({ received: true, started: false, stale: true }),
		});
		// The answer said so: a call that starts a run has its execution before it is answered.
		expect(await runsOf()).toHaveLength(1);
		outcomes.push(
			`replay after a restart (EvoLink, task over an hour old): answered ${replay.text}; ${(await runsOf()).length} run in all`,
		);
	});
});

describe("what n8n keeps of each paid task's trace (regular mode)", () => {
	it('a failed execution: custom data holds the task IDs (in its details, not in the list), and the log has one line per task', async () => {
		evoLink.reset();
		evoLink.options.taskDurationMs = 2000;
		const since = new Date();
		const prompts = ['A fox in the snow, woodcut', 'x [fail:content_policy_violation]'];
		const response = await fetch(`${server!.base}/webhook/gpt-image-trace-fail`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ prompts }),
		});
		expect(response.status).toBe(200);
		const summary = await waitUntil(async () => {
			const list = await api.executions('gptImgTraceFail1', since);
			return list.find((e) => FINISHED.includes(e.status));
		}, 'the failed execution');
		expect(summary.status).toBe('error');
		expect(summary).not.toHaveProperty('customData');

		const run = await api.execution(summary.id);
		const tasks = [...evoLink.tasks.values()];
		expect(tasks.map((t) => t.body.prompt).sort()).toEqual([...prompts].sort());
		expect(run.customData).toEqual({
			gptImageTasks: '2',
			gptImageTaskIds: expect.any(String),
		});
		expect(run.customData!.gptImageTaskIds.split(',').sort()).toEqual(
			tasks.map((t) => t.id).sort(),
		);
		const error = run.data.resultData.runData['Generate with EvoLink'][0].error!;
		expect(error.message).toMatch(/content/i);
		for (const task of tasks) {
			expect(taskLines(task.id)).toEqual([
				`GPT Image: EvoLink task ${task.id} submitted (execution ${summary.id}, node "Generate with EvoLink", item ${prompts.indexOf(task.body.prompt)})`,
			]);
		}
		outcomes.push(
			`trace, failed execution ${summary.id}: status "${summary.status}"; details customData ${JSON.stringify(run.customData)}; list item has no customData; log: one "submitted" line per task`,
		);
	});

	it('a crashed execution: n8n marks it crashed at the next start; its custom data is gone, the log line stays', async () => {
		evoLink.reset();
		const since = new Date();
		const response = await fetch(`${server!.base}/webhook/gpt-image-trace-slow`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: 'x [slow:60000]' }),
		});
		expect(response.status).toBe(200);
		const taskId = await waitUntil(() => [...evoLink.tasks.keys()][0], 'the slow task');
		const running = await waitUntil(async () => {
			const list = await api.executions('gptImgTraceSlow1', since);
			return list.find((e) => e.status === 'running');
		}, 'the running execution');
		// The node has submitted (its task is logged) and waits for the 60 s task.
		await waitUntil(() => (taskLines(taskId).length ? true : undefined), 'the log line');
		const whileRunning = await api.execution(running.id);
		expect(whileRunning.customData).toEqual({});

		await killN8n(server!);
		server = await timed('n8n restart after SIGKILL', async () => await startN8n(env, logFile));
		const after: ExecutionSummary = await waitUntil(async () => {
			const list = await api.executions('gptImgTraceSlow1', since);
			const execution = list.find((e) => e.id === running.id);
			return execution && execution.status !== 'running' ? execution : undefined;
		}, 'the execution after the restart');
		const crashed = await api.execution(after.id);
		expect(crashed.status).toBe('crashed');
		expect(crashed.customData).toEqual({});
		expect(crashed.data.resultData.runData['Generate with EvoLink'][0].executionStatus).toBe(
			'crashed',
		);
		expect(JSON.stringify(crashed.data)).not.toContain(taskId);
		expect(taskLines(taskId)).toEqual([
			`GPT Image: EvoLink task ${taskId} submitted (execution ${running.id}, node "Generate with EvoLink", item 0)`,
		]);
		// The paid task went on at the provider; only the log says which one it was.
		expect(evoLink.counts.submissions).toBe(1);
		outcomes.push(
			`trace, crashed execution ${running.id} (SIGKILL while waiting): status "${crashed.status}" after restart (${crashed.data.resultData.error?.message}); customData ${JSON.stringify(crashed.customData)}; task ID not in the execution; log line present`,
		);
	});
});
