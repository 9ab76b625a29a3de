/**
 * The packed tarball installed into a real n8n 2.41.1 (Node 24) the way n8n's community-package
 * installer does it, the example workflows imported and executed with `n8n execute`, and the
 * results checked against what the fake providers received. The same n8n also runs its own AI
 * Agent with the three nodes as tools, its OpenAI Chat Model pointed at a scripted fake model.
 */
import * as fs from 'fs';
import { nodeNameToToolName } from 'n8n-workflow';
import * as path from 'path';

import { startAllFakes } from '../fakes';
import type { FakeProvider } from '../fakes';
import { startFakeChatModel } from '../fakes/chat';
import type { FakeChatModel } from '../fakes/chat';
import {
	freePort,
	importCredentials,
	importExamples,
	installTarball,
	n8nCli,
	n8nEnv,
	packProject,
	setupOwner,
	startN8n,
	stopwatch,
	tempUserFolder,
} from './n8nHost';
import type { N8nServer } from './n8nHost';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');
const AGENT_WORKFLOW = path.join(__dirname, 'fixtures', 'agent-three-tools.json');
const PACKAGE = 'n8n-nodes-gpt-image';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Item {
	json: Record<string, unknown>;
	binary?: Record<
		string,
		{ mimeType: string; fileName: string; id?: string; bytes?: number; fileSize?: string }
	>;
	pairedItem?: unknown;
}
interface Run {
	status: string;
	data: {
		resultData: {
			error?: { message: string };
			runData: Record<string, Array<{ data: { main: Item[][] } }>>;
		};
	};
}

let user: string;
let env: NodeJS.ProcessEnv;
let server: N8nServer | undefined;
let fakes: Record<string, FakeProvider>;
let chat: FakeChatModel | undefined;
let cookie = '';
const { timings, timed } = stopwatch();

/** Runs one imported workflow with `n8n execute --rawOutput` and parses the IRun it prints. */
async function execute(workflowId: string): Promise<Run> {
	const cliEnv = { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
	const { stdout } = await timed(
		`execute ${workflowId}`,
		async () => await n8nCli(cliEnv, ['execute', `--id=${workflowId}`, '--rawOutput']),
	);
	const start = stdout.search(/^\{$/m);
	expect(start).toBeGreaterThanOrEqual(0);
	return JSON.parse(stdout.slice(start)) as Run;
}

function output(run: Run, node: string): Item[] {
	const runs = run.data.resultData.runData[node];
	expect(runs).toBeDefined();
	return runs[runs.length - 1].data.main[0];
}

/** The stored file behind a binary: real bytes, the right signature, the size n8n recorded. */
function storedBytes(binary: NonNullable<Item['binary']>[string]): Buffer {
	expect(binary.id).toMatch(/^filesystem-v2:/);
	const file = path.join(user, '.n8n', 'storage', binary.id!.slice('filesystem-v2:'.length));
	const bytes = fs.readFileSync(file);
	expect(bytes.length).toBeGreaterThan(0);
	expect(bytes.length).toBe(binary.bytes);
	return bytes;
}

function workflowFile(name: string): Record<string, unknown> {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'));
}

beforeAll(async () => {
	user = tempUserFolder();
	fakes = await startAllFakes({ taskDurationMs: 800 });
	chat = await startFakeChatModel();
	const tarball = await timed('pack', async () => await packProject(user));
	await timed('install tarball', async () => await installTarball(user, tarball));
	env = n8nEnv(user, await freePort(), await freePort());

	// The agent's fixture and its OpenAI credential ride along with the examples' imports.
	const openAi = { apiKey: chat.apiKey, url: chat.baseUrl };
	await timed(
		'import credentials',
		async () =>
			await importCredentials(env, fakes, [
				{ id: 'gptImgFakeChat1', name: 'Fake OpenAI', type: 'openAiApi', data: openAi },
			]),
	);
	await timed(
		'import workflows',
		async () => await importExamples(env, fakes.evoLink.baseUrl, [AGENT_WORKFLOW]),
	);
	// The trigger's workflow is published (active) before n8n starts, so its webhook is registered.
	await timed(
		'publish trigger workflow',
		async () => await n8nCli(env, ['publish:workflow', '--id=gptImgCbReceive1']),
	);
	server = await timed('n8n start', async () => await startN8n(env, path.join(user, 'n8n.log')));

	// An owner account, so the REST API (node and credential types) can be read like the editor does.
	cookie = await setupOwner(server.base);
});

afterAll(async () => {
	await server?.stop();
	await Promise.all(Object.values(fakes ?? {}).map(async (fake) => await fake.close()));
	await chat?.close();
	console.log(`e2e timings (ms): ${JSON.stringify(timings)}`);
	if (user && !process.env.KEEP_E2E) fs.rmSync(user, { recursive: true, force: true });
});

beforeEach(() => {
	Object.values(fakes).forEach((fake) => fake.reset());
	chat?.reset();
});

describe('n8n loads the package', () => {
	it('lists every node and credential of the package, with icons it serves', async () => {
		const get = async (url: string) =>
			await fetch(`${server!.base}${url}`, { headers: { cookie } });
		const nodes = (await (await get('/types/nodes.json')).json()) as Array<{
			name: string;
			iconUrl?: { light: string; dark: string };
			credentials?: Array<{ name: string }>;
		}>;
		const ours = nodes.filter((n) => n.name.startsWith(`${PACKAGE}.`));
		expect(ours.map((n) => n.name).sort()).toEqual(
			[
				`${PACKAGE}.apiframe`,
				`${PACKAGE}.apiframeTool`,
				`${PACKAGE}.evoLink`,
				`${PACKAGE}.evoLinkTool`,
				`${PACKAGE}.gptImageTrigger`,
				`${PACKAGE}.starMagic`,
				`${PACKAGE}.starMagicTool`,
			].sort(),
		);
		for (const node of ours) {
			for (const icon of [node.iconUrl!.light, node.iconUrl!.dark]) {
				const response = await get(`/${icon}`);
				expect(response.status).toBe(200);
				expect(response.headers.get('content-type')).toMatch(/image\/svg\+xml/);
				expect(await response.text()).toMatch(/^<svg /);
			}
		}
		const credentials = (await (await get('/types/credentials.json')).json()) as Array<{
			name: string;
			iconUrl?: { light: string; dark: string };
		}>;
		for (const name of ['starMagicApi', 'evoLinkApi', 'apiframeApi']) {
			const credential = credentials.find((c) => c.name === name);
			expect(credential?.iconUrl?.light).toMatch(
				new RegExp(`^icons/${PACKAGE}/dist/icons/.+\\.svg$`),
			);
		}
		const log = fs.readFileSync(path.join(user, 'n8n.log'), 'utf8');
		expect(log).not.toMatch(/Failed to load package|Cannot find module/);
	});
});

describe('example workflows run in n8n', () => {
	it.each([
		['text-to-image-starmagic.json', 'starMagic', 'Generate with StarMagic'],
		['text-to-image-evolink.json', 'evoLink', 'Generate with EvoLink'],
		['text-to-image-apiframe.json', 'apiframe', 'Generate with Apiframe'],
	] as const)("%s: one image as the workflow's binary output", async (file, provider, node) => {
		const run = await execute(workflowFile(file).id as string);
		expect(run.status).toBe('success');
		const [item, ...rest] = output(run, node);
		expect(rest).toHaveLength(0);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({ status: 'completed', model: 'gpt-image-1.5' });
		expect(item.binary!.data.mimeType).toBe('image/png');
		expect(storedBytes(item.binary!.data).subarray(0, 8)).toEqual(PNG);
		expect(fakes[provider].counts).toMatchObject({ submissions: 1, downloads: 1, uploads: 0 });
	});

	it('edit-binary-and-url-evolink.json: a downloaded binary is uploaded and edited with a URL image', async () => {
		const run = await execute('gptImgEditEvoLnk');
		expect(run.status).toBe('success');
		const [item] = output(run, 'Edit with EvoLink');
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.binary!.edited.mimeType).toBe('image/png');
		expect(storedBytes(item.binary!.edited).subarray(0, 8)).toEqual(PNG);
		const fake = fakes.evoLink;
		expect(fake.counts).toMatchObject({ uploads: 1, submissions: 1, downloads: 1 });
		const upload = fake.requests.find((r) => r.route === 'upload')!;
		expect(upload.body.files[0]).toMatchObject({ field: 'file', contentType: 'image/png' });
		const submit = fake.requests.find((r) => r.route === 'submit')!;
		expect(submit.body.image_urls[0]).toBe('https://images.example.com/style-reference.png');
		expect(submit.body.image_urls[1]).toMatch(new RegExp(`^${fake.baseUrl}/files/`));
	});

	it('submit-then-wait-apiframe.json: fire and forget, then Wait for Task collects both images', async () => {
		const run = await execute('gptImgSubmitWait');
		expect(run.status).toBe('success');
		const [task] = output(run, 'Submit with Apiframe');
		expect(task.json).toMatchObject({ status: 'queued', index: 0 });
		expect(task.binary).toBeUndefined();
		const images = output(run, 'Wait for Apiframe task');
		expect(images.map((i) => i.json.index)).toEqual([0, 1]);
		expect(images.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
		expect(images.every((i) => i.json.taskId === task.json.taskId)).toBe(true);
		for (const image of images) expect(storedBytes(image.binary!.data).subarray(0, 8)).toEqual(PNG);
		expect(fakes.apiframe.counts).toMatchObject({ submissions: 1, downloads: 2 });
	});

	it('many-prompts-starmagic.json: five prompts, five images, in order and paired', async () => {
		const run = await execute('gptImgManyPrmpts');
		expect(run.status).toBe('success');
		const prompts = output(run, 'Five prompts').map((i) => i.json.prompt);
		expect(prompts).toHaveLength(5);
		const images = output(run, 'Generate with StarMagic');
		expect(images.map((i) => i.json.prompt)).toEqual(prompts);
		expect(images.map((i) => i.pairedItem)).toEqual(prompts.map((_, item) => ({ item })));
		for (const image of images) expect(image.binary!.data.mimeType).toBe('image/png');
		expect(fakes.starMagic.counts).toMatchObject({ submissions: 5, downloads: 5 });
		const sent = fakes.starMagic.requests
			.filter((r) => r.route === 'submit')
			.map((r) => r.body.prompt);
		expect(sent.sort()).toEqual([...prompts].sort());
	});
});

describe('spend', () => {
	it('low-balance-alert-evolink.json: Get Credits feeds the If; the alert branch runs only below 100 credits', async () => {
		fakes.evoLink.options.balance = 40;
		const low = await execute('gptImgLowCredit');
		expect(low.status).toBe('success');
		const [credits] = output(low, 'Get EvoLink credits');
		expect(credits.json).toMatchObject({
			provider: 'EvoLink',
			credits: 40,
			unit: 'EvoLink credits',
		});
		expect(output(low, 'Send the alert (put Slack here)')[0].json.credits).toBe(40);
		expect(low.data.resultData.runData['Enough credits']).toBeUndefined();

		fakes.evoLink.options.balance = 5000;
		const enough = await execute('gptImgLowCredit');
		expect(output(enough, 'Enough credits')[0].json).toMatchObject({ credits: expect.any(Number) });
		expect(enough.data.resultData.runData['Send the alert (put Slack here)']).toBeUndefined();
		// Two balance reads, nothing submitted.
		expect(fakes.evoLink.counts).toMatchObject({ keyChecks: 2, submissions: 0 });
		delete fakes.evoLink.options.balance;
	});
});

describe('callbacks in n8n', () => {
	it("callback-1/2: the submitting run ends at once; the provider calls n8n and the trigger's workflow gets the image", async () => {
		// The workflow keeps its public https URL (the provider's rules hold); the fake delivers it to
		// the local n8n, as DNS and a TLS proxy in front of n8n would.
		fakes.evoLink.options.callbackRewrite = (url: string) =>
			url.replace('https://n8n.example.com', server!.base);
		const run = await execute('gptImgCbSubmit01');
		expect(run.status).toBe('success');
		const [task] = output(run, 'Submit to EvoLink');
		expect(task.json).toMatchObject({
			status: 'queued',
			taskId: expect.stringMatching(/^task-unified-/),
		});
		await fakes.evoLink.whenCallbacksIdle();
		expect(fakes.evoLink.callbacks.map((c) => c.status)).toEqual([200]);
		expect(fakes.evoLink.callbacks[0].url).toBe(
			`${server!.base}/webhook/6d1c8a52-4d7e-4b1a-9a8f-2f7d1c0e5b31/gpt-image`,
		);

		const received = await waitForExecution('gptImgCbReceive1');
		const [item] = received.resultData.runData['GPT Image Trigger'][0].data.main[0];
		expect(item.json).toMatchObject({
			provider: 'EvoLink',
			taskId: task.json.taskId,
			status: 'completed',
		});
		expect(item.binary!.data.mimeType).toBe('image/png');
		expect(storedBytes(item.binary!.data).subarray(0, 8)).toEqual(PNG);
		// One status read: the trigger confirming the callback with EvoLink before it starts the run.
		expect(fakes.evoLink.counts).toMatchObject({ submissions: 1, downloads: 1, statusPolls: 1 });
	});
});

/** The newest finished execution of a workflow, read through the REST API the editor uses. */
async function waitForExecution(workflowId: string): Promise<Run['data']> {
	const deadline = Date.now() + 60000;
	for (;;) {
		const list = await fetch(
			`${server!.base}/rest/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}`,
			{ headers: { cookie } },
		);
		const body = (await list.json()) as {
			data: { results: Array<{ id: string; status: string }> };
		};
		const done = body.data.results.find((e) => e.status === 'success' || e.status === 'error');
		if (done) {
			expect(done.status).toBe('success');
			const detail = (await (
				await fetch(`${server!.base}/rest/executions/${done.id}`, { headers: { cookie } })
			).json()) as { data: { data: string } };
			// Execution data comes in n8n's "flatted" encoding; n8n's own copy of flatted reads it.
			const flatted = require(
				require.resolve('flatted', { paths: [path.join(__dirname, 'n8n', 'node_modules', 'n8n')] }),
			) as { parse(text: string): Run['data'] };
			return flatted.parse(detail.data.data);
		}
		if (Date.now() > deadline) throw new Error(`no finished execution of ${workflowId}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

describe('provider failover', () => {
	it('failover-evolink-to-apiframe.json: EvoLink answers 402, the error output sends the item to Apiframe', async () => {
		fakes.evoLink.inject({ route: 'submit', status: 402 });
		const run = await execute('gptImgFailover01');
		expect(run.status).toBe('success');
		const [image] = output(run, 'Image (either provider)');
		expect(image.json).toMatchObject({
			provider: 'Apiframe',
			status: 'completed',
			prompt: 'A paper lantern floating over a lake at dusk',
		});
		expect(storedBytes(image.binary!.data).subarray(0, 8)).toEqual(PNG);
		expect(
			run.data.resultData.runData['Generate with EvoLink'][0].data.main[1][0].json.error,
		).toMatch(/^EvoLink: /);
		expect(fakes.evoLink.counts.submissions).toBe(0);
		expect(fakes.apiframe.counts.submissions).toBe(1);
	});
});

describe("as tools of n8n's AI Agent", () => {
	const TOOLS = {
		starMagic: 'GPT Image (StarMagic)',
		evoLink: 'GPT Image (EvoLink)',
		apiframe: 'GPT Image (Apiframe)',
	} as const;

	it("the model calls each tool once: its prompt ($fromAI) reaches the provider, the image URL comes back in the agent's answer", async () => {
		const run = await execute('gptImgAgentTools');
		expect(run.status).toBe('success');

		// Two turns over chat completions: the model asks for the three tools, then answers.
		const calls = chat!.requests;
		expect(calls.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
			'POST /v1/chat/completions 200',
			'POST /v1/chat/completions 200',
		]);
		const [ask, answer] = calls;
		const offered = ask.body!.tools!.map((t) => t.function);
		expect(offered.map((f) => f.name).sort()).toEqual(
			Object.values(TOOLS).map(nodeNameToToolName).sort(),
		);
		// The Prompt field's default, $fromAI('prompt', ...), is the one argument the model sees.
		for (const tool of offered)
			expect(tool.parameters).toMatchObject({
				properties: { prompt: { type: 'string' } },
				required: ['prompt'],
			});
		expect(ask.answer).toHaveProperty('toolCalls');
		const toolCalls = 'toolCalls' in ask.answer! ? ask.answer.toolCalls : [];
		expect(new Set(toolCalls.map((c) => c.prompt)).size).toBe(3);
		const toolMessages = answer.body!.messages!.filter((m) => m.role === 'tool');
		expect(toolMessages).toHaveLength(3);

		const final = output(run, 'AI Agent')[0].json.output as string;
		for (const [key, node] of Object.entries(TOOLS)) {
			const call = toolCalls.find((c) => c.name === nodeNameToToolName(node))!;
			// Exactly one paid submission per provider, with the prompt the model chose for it.
			const fake = fakes[key];
			expect(fake.counts.submissions).toBe(1);
			const submits = fake.requests.filter((r) => r.route === 'submit');
			expect(submits.map((r) => r.body.prompt)).toEqual([call.prompt]);
			// The tool node ran once in n8n and returned the image as a URL.
			const runs = run.data.resultData.runData[node] as unknown as Array<{
				data: { ai_tool: Item[][] };
			}>;
			expect(runs).toHaveLength(1);
			const [image, ...more] = runs[0].data.ai_tool[0];
			expect(more).toHaveLength(0);
			expect(image.json).toMatchObject({ status: 'completed', prompt: call.prompt });
			const imageUrl = image.json.imageUrl as string;
			expect(imageUrl.startsWith(`${fake.baseUrl}/`)).toBe(true);
			// The model got that URL back as the tool's result, and the agent's answer carries it.
			const result = toolMessages.find((m) => m.tool_call_id === call.id);
			expect(JSON.stringify(result?.content)).toContain(imageUrl);
			expect(final).toContain(imageUrl);
		}
	});
});
