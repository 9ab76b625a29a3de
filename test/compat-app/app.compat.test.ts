/**
 * The packed tarball in the real n8n application of an older line (COMPAT_APP_LINE, see
 * ./lines.ts; `npm run test:compat:app` runs each): installed the way that line's own
 * community-package installer does it, then loaded by `n8n start` and run against the fake
 * providers. The credential test goes through n8n's REST API as the credential dialog's
 * "Retry"/"Save" does; workflows run with `n8n execute`; the callback arrives over HTTP.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { startAllFakes } from '../fakes';
import type { FakeProvider } from '../fakes';
import {
	freePort,
	packProject,
	restClient,
	setupOwner,
	stopwatch,
	tempUserFolder,
} from '../e2e/n8nHost';
import type { N8nServer } from '../e2e/n8nHost';
import { appCli, appEnv, lineFlatted, startApp } from './appHost';
import { installedPackages, installLikeN8n } from './installer';
import type { Installed } from './installer';
import { appLine } from './lines';

const line = appLine(process.env.COMPAT_APP_LINE ?? '');
const REPO = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.join(REPO, 'examples');
const PACKAGE = 'n8n-nodes-gpt-image';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The examples this test runs, each imported as a user imports it. */
const WORKFLOWS = [
	'text-to-image-starmagic.json',
	'edit-binary-and-url-evolink.json',
	'submit-then-wait-apiframe.json',
	'callback-1-submit-evolink.json',
	'callback-2-receive-trigger.json',
];

interface Binary {
	mimeType: string;
	id?: string;
	data?: string;
}
interface Item {
	json: Record<string, unknown>;
	binary?: Record<string, Binary>;
	pairedItem?: unknown;
}
interface RunData {
	resultData: {
		error?: { message: string };
		runData: Record<string, Array<{ data: { main: Item[][] } }>>;
	};
}
interface Run {
	status?: string;
	finished?: boolean;
	data: RunData;
}

let user: string;
let env: NodeJS.ProcessEnv;
let installed: Installed;
let server: N8nServer | undefined;
let fakes: Record<string, FakeProvider>;
let cookie = '';
const { timings, timed } = stopwatch();

/** Credentials with the IDs the examples name, pointing at the fakes, imported with the CLI. */
async function importCredentials(): Promise<void> {
	const credentials = [
		{ id: 'gptImgStarMagic', name: 'StarMagic account', type: 'starMagicApi', fake: 'starMagic' },
		{ id: 'gptImgEvoLink01', name: 'EvoLink account', type: 'evoLinkApi', fake: 'evoLink' },
		{ id: 'gptImgApiframe1', name: 'Apiframe account', type: 'apiframeApi', fake: 'apiframe' },
	].map(({ fake, ...credential }) => ({
		...credential,
		data: {
			apiKey: fakes[fake].apiKey,
			baseUrl: fakes[fake].baseUrl,
			...(fake === 'evoLink' ? { fileBaseUrl: fakes[fake].baseUrl } : {}),
		},
	}));
	const file = path.join(user, 'credentials.json');
	fs.writeFileSync(file, JSON.stringify(credentials));
	await appCli(line, env, ['import:credentials', `--input=${file}`]);
}

/** The examples above, the public sample photo pointed at the EvoLink fake's /samples/. */
async function importWorkflows(): Promise<void> {
	const dir = path.join(user, 'workflows');
	fs.mkdirSync(dir);
	for (const file of WORKFLOWS) {
		const text = fs
			.readFileSync(path.join(EXAMPLES, file), 'utf8')
			.replace(
				/https:\/\/upload\.wikimedia\.org\/[^"]+\.png/,
				`${fakes.evoLink.baseUrl}/samples/photo.png`,
			);
		fs.writeFileSync(path.join(dir, file), text);
	}
	await appCli(line, env, ['import:workflow', '--separate', `--input=${dir}`]);
}

/** Runs one imported workflow with `n8n execute --rawOutput` and parses the run it prints. */
async function execute(workflowId: string): Promise<Run> {
	const cliEnv = { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
	const { stdout } = await timed(
		`execute ${workflowId}`,
		async () => await appCli(line, cliEnv, ['execute', `--id=${workflowId}`, '--rawOutput']),
	);
	const start = stdout.search(/^\{$/m);
	expect(start).toBeGreaterThanOrEqual(0);
	return JSON.parse(stdout.slice(start)) as Run;
}

function output(data: RunData, node: string): Item[] {
	const runs = data.resultData.runData[node];
	expect(runs).toBeDefined();
	return runs[runs.length - 1].data.main[0];
}

/**
 * A binary's bytes wherever this line kept them: inline base64 (1.x's default in-memory mode) or
 * a file of the filesystem mode, under .n8n/binaryData (1.x) or .n8n/storage (2.x).
 */
function binaryBytes(binary: Binary): Buffer {
	if (!binary.id) return Buffer.from(binary.data ?? '', 'base64');
	const [mode, ...rest] = binary.id.split(':');
	expect(mode).toMatch(/^filesystem(-v2)?$/);
	const file = ['binaryData', 'storage']
		.map((folder) => path.join(user, '.n8n', folder, rest.join(':')))
		.find((candidate) => fs.existsSync(candidate));
	expect(file).toBeDefined();
	return fs.readFileSync(file!);
}

function expectPng(binary: Binary | undefined): void {
	expect(binary?.mimeType).toBe('image/png');
	const bytes = binaryBytes(binary!);
	expect(bytes.length).toBeGreaterThan(PNG.length);
	expect(bytes.subarray(0, 8)).toEqual(PNG);
}

beforeAll(async () => {
	user = tempUserFolder();
	fakes = await startAllFakes({ taskDurationMs: 800 });
	env = appEnv(line, user, await freePort(), await freePort());
	const tarball = await timed('pack', async () => await packProject(user));
	installed = await timed('install like n8n', async () => await installLikeN8n(line, env, tarball));
	await timed('import credentials', importCredentials);
	await timed('import workflows', importWorkflows);
	// The trigger's workflow is activated before n8n starts, so its webhook is registered (1.x CLI).
	await timed(
		'activate trigger workflow',
		async () =>
			await appCli(line, env, ['update:workflow', '--id=gptImgCbReceive1', '--active=true']),
	);
	server = await timed(
		'n8n start',
		async () => await startApp(line, env, path.join(user, 'n8n.log')),
	);
	cookie = await setupOwner(server.base);
});

afterAll(async () => {
	await server?.stop();
	await Promise.all(Object.values(fakes ?? {}).map(async (fake) => await fake.close()));
	console.log(
		`n8n ${line.n8nVersion} on Node ${line.nodeVersion}` +
			`\ninstaller commands:\n  ${installed?.commands.join('\n  ')}` +
			`\ntimings (ms): ${JSON.stringify(timings)}`,
	);
	if (user && !process.env.KEEP_E2E) fs.rmSync(user, { recursive: true, force: true });
});

beforeEach(() => Object.values(fakes).forEach((fake) => fake.reset()));

describe(`n8n ${line.n8nVersion}: its community-package installer`, () => {
	it('installs the package alone: no peer dependency pulled in, nothing to build', () => {
		// Only our package on disk, so no n8n-workflow (and its isolated-vm) beside it.
		expect(installedPackages(installed.nodesDir)).toEqual([`node_modules/${PACKAGE}`]);
		const manifest = JSON.parse(
			fs.readFileSync(path.join(installed.packageDir, 'package.json'), 'utf8'),
		) as { name: string; dependencies?: Record<string, string> };
		expect(manifest.name).toBe(PACKAGE);
		expect(manifest.dependencies ?? {}).toEqual({});
		const nodesManifest = JSON.parse(
			fs.readFileSync(path.join(installed.nodesDir, 'package.json'), 'utf8'),
		) as { dependencies: Record<string, string> };
		expect(Object.keys(nodesManifest.dependencies)).toEqual([PACKAGE]);
	});
});

describe(`n8n ${line.n8nVersion} loads the package`, () => {
	const get = async (url: string) => await fetch(`${server!.base}${url}`, { headers: { cookie } });

	async function expectSvg(icon: string | { light: string; dark: string } | undefined) {
		expect(icon).toBeDefined();
		const urls = typeof icon === 'string' ? [icon] : [icon!.light, icon!.dark];
		for (const url of urls) {
			const response = await get(`/${url}`);
			expect(response.status).toBe(200);
			expect(response.headers.get('content-type')).toMatch(/image\/svg\+xml/);
			expect(await response.text()).toMatch(/^<svg /);
		}
	}

	it('lists the 4 nodes and 3 credentials with the icons it serves, and logs no load error', async () => {
		type Icon = string | { light: string; dark: string };
		const nodes = (await (await get('/types/nodes.json')).json()) as Array<{
			name: string;
			iconUrl?: Icon;
		}>;
		const ours = nodes.filter((n) => n.name.startsWith(`${PACKAGE}.`));
		// Tool variants (…Tool) appear where the line turns usableAsTool nodes into AI tools.
		expect(
			ours
				.map((n) => n.name)
				.filter((name) => !name.endsWith('Tool'))
				.sort(),
		).toEqual(
			['apiframe', 'evoLink', 'gptImageTrigger', 'starMagic'].map((n) => `${PACKAGE}.${n}`),
		);
		for (const node of ours) await expectSvg(node.iconUrl);

		const credentials = (await (await get('/types/credentials.json')).json()) as Array<{
			name: string;
			iconUrl?: Icon;
		}>;
		for (const name of ['apiframeApi', 'evoLinkApi', 'starMagicApi']) {
			const credential = credentials.find((c) => c.name === name);
			expect(credential).toBeDefined();
			await expectSvg(credential!.iconUrl);
		}
		const log = fs.readFileSync(path.join(user, 'n8n.log'), 'utf8');
		expect(log).not.toMatch(/Failed to load|Error loading package|Cannot find module/);
		expect(log).not.toMatch(new RegExp(`${PACKAGE}.*(error|Error)`));
	});

	it('tests a credential as the credential dialog does: the right key passes, a wrong one is refused', async () => {
		const rest = restClient(server!.base, cookie);
		const credential = {
			id: 'gptImgEvoLink01',
			name: 'EvoLink account',
			type: 'evoLinkApi',
			data: { apiKey: fakes.evoLink.apiKey, baseUrl: fakes.evoLink.baseUrl },
		};
		const good = await rest.post<{ status: string; message: string }>('/credentials/test', {
			credentials: credential,
		});
		expect(good).toMatchObject({ status: 'OK' });
		const bad = await rest.post<{ status: string; message: string }>('/credentials/test', {
			credentials: { ...credential, data: { ...credential.data, apiKey: 'sk-wrong-key' } },
		});
		expect(bad.status).toBe('Error');
		expect(bad.message).not.toContain('sk-wrong-key');
		expect(fakes.evoLink.counts.keyChecks).toBe(2);
	});
});

describe(`n8n ${line.n8nVersion} runs the nodes`, () => {
	it('Generate (StarMagic): one image as binary output', async () => {
		const run = await execute('gptImgTextStarMg');
		expect(run.data.resultData.error).toBeUndefined();
		const [item, ...rest] = output(run.data, 'Generate with StarMagic');
		expect(rest).toHaveLength(0);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({ status: 'completed', model: 'gpt-image-1.5' });
		expectPng(item.binary?.data);
		expect(fakes.starMagic.counts).toMatchObject({ submissions: 1, downloads: 1 });
	});

	it('Edit (EvoLink): a downloaded binary is uploaded and edited', async () => {
		const run = await execute('gptImgEditEvoLnk');
		expect(run.data.resultData.error).toBeUndefined();
		const [item] = output(run.data, 'Edit with EvoLink');
		expectPng(item.binary?.edited);
		expect(fakes.evoLink.counts).toMatchObject({ uploads: 1, submissions: 1, downloads: 1 });
		const upload = fakes.evoLink.requests.find((r) => r.route === 'upload')!;
		expect(upload.body.files[0]).toMatchObject({ field: 'file', contentType: 'image/png' });
	});

	it('Wait for Task (Apiframe): submit without waiting, then collect both images', async () => {
		const run = await execute('gptImgSubmitWait');
		expect(run.data.resultData.error).toBeUndefined();
		const [task] = output(run.data, 'Submit with Apiframe');
		expect(task.json).toMatchObject({ status: 'queued' });
		expect(task.binary).toBeUndefined();
		const images = output(run.data, 'Wait for Apiframe task');
		expect(images.map((i) => i.json.taskId)).toEqual([task.json.taskId, task.json.taskId]);
		for (const image of images) expectPng(image.binary?.data);
		expect(fakes.apiframe.counts).toMatchObject({ submissions: 1, downloads: 2 });
	});

	it("callback: the provider calls n8n and the GPT Image Callback Trigger's workflow gets the image", async () => {
		// The workflow keeps its public URL; the fake delivers to the local n8n, as DNS would.
		fakes.evoLink.options.callbackRewrite = (url: string) =>
			url.replace('https://n8n.example.com', server!.base);
		const run = await execute('gptImgCbSubmit01');
		expect(run.data.resultData.error).toBeUndefined();
		const [task] = output(run.data, 'Submit to EvoLink');
		expect(task.json).toMatchObject({ status: 'queued' });
		await fakes.evoLink.whenCallbacksIdle();
		expect(fakes.evoLink.callbacks.map((c) => c.status)).toEqual([200]);

		const received = await waitForExecution('gptImgCbReceive1');
		const [item] = output(received, 'GPT Image Trigger');
		expect(item.json).toMatchObject({
			provider: 'EvoLink',
			taskId: task.json.taskId,
			status: 'completed',
		});
		expectPng(item.binary?.data);
		// The trigger confirmed the callback with EvoLink (one status read) before starting the run.
		expect(fakes.evoLink.counts).toMatchObject({ submissions: 1, downloads: 1, statusPolls: 1 });
	});
});

/** The first finished execution of a workflow, read through the REST API the editor uses. */
async function waitForExecution(workflowId: string): Promise<RunData> {
	const rest = restClient(server!.base, cookie);
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const deadline = Date.now() + 60000;
	for (;;) {
		const { results } = await rest.get<{ results: Array<{ id: string; status: string }> }>(
			`/executions?filter=${filter}`,
		);
		const done = results.find((e) => e.status === 'success' || e.status === 'error');
		if (done) {
			expect(done.status).toBe('success');
			const detail = await rest.get<{ data: string }>(`/executions/${done.id}`);
			return lineFlatted(line).parse(detail.data) as RunData;
		}
		if (Date.now() > deadline) throw new Error(`no finished execution of ${workflowId}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}
