/**
 * The nodes as a person meets them: n8n 2.41.1 (the e2e install, our packed tarball inside) with
 * its editor in Debian's Chromium. Search the node panel, add each node, switch its operations
 * and models, open each credential form, and run an imported example from the editor against the
 * fake providers. Screenshots go to $UI_SCREENSHOT_DIR (docs/images for the README).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import type { BrowserContext, Page } from 'playwright-core';

import { startAllFakes } from '../fakes';
import type { FakeProvider } from '../fakes';
import {
	freePort,
	importCredentials,
	importExamples,
	installTarball,
	n8nEnv,
	packProject,
	REPO,
	restClient,
	setupOwner,
	startN8n,
	stopwatch,
	tempUserFolder,
} from '../e2e/n8nHost';
import type { N8nServer } from '../e2e/n8nHost';
import {
	addedNode,
	addNode,
	byId,
	closeModalWithoutSaving,
	closeNdv,
	eventually,
	launchBrowser,
	nodePanelItems,
	openEmptyWorkflow,
	openNewWorkflow,
	openWorkflow,
	pick,
	screenshotDownTo,
	screenshotParameters,
	searchNodePanel,
	visibleParameters,
} from './editor';

type Provider = 'starMagic' | 'evoLink' | 'apiframe';

const NODES: Record<
	Provider,
	{
		/** The node's folder and class under dist/nodes. */
		className: string;
		displayName: string;
		icon: string;
		credential: string;
		keyPage: string;
		baseUrl: string;
	}
> = {
	starMagic: {
		className: 'StarMagic',
		displayName: 'GPT Image (StarMagic)',
		icon: 'starmagic',
		credential: 'StarMagic API',
		keyPage: 'https://starmagic.ai/app/api-keys',
		baseUrl: 'https://api.starmagic.ai',
	},
	evoLink: {
		className: 'EvoLink',
		displayName: 'GPT Image (EvoLink)',
		icon: 'evolink',
		credential: 'EvoLink API',
		keyPage: 'https://evolink.ai/dashboard/keys',
		baseUrl: 'https://api.evolink.ai',
	},
	apiframe: {
		className: 'Apiframe',
		displayName: 'GPT Image (Apiframe)',
		icon: 'apiframe',
		credential: 'Apiframe API',
		keyPage: 'https://console.apiframe.ai',
		baseUrl: 'https://api.apiframe.ai',
	},
};
const TRIGGER = 'GPT Image Callback Trigger';
/** Twenty prompts into EvoLink under Max Credits per Execution = 15 (six tasks at 2.5 each). */
const CAP_WORKFLOW = path.join(__dirname, 'fixtures', 'cap-twenty-prompts.json');
/** A prompt expression that names a field the input items do not have. */
const TYPO_WORKFLOW = path.join(__dirname, 'fixtures', 'prompt-field-typo.json');
const PUBLIC_URL = 'https://n8n.example.com';

interface BuiltNode {
	description: { description: string; properties: Array<{ name: string }> };
}

/** A node of the built package, as n8n loads it. */
function builtNode(folder: string, className: string): BuiltNode {
	const file = path.join(REPO, 'dist', 'nodes', folder, `${className}.node.js`);
	const module = require(file) as Record<string, new () => BuiltNode>;
	return new module[className]();
}

/** Parameter names of each node, from the built package (to tell them from n8n's own settings). */
function parameterNames(provider: Provider): string[] {
	const { className } = NODES[provider];
	return builtNode(className, className).description.properties.map((p) => p.name);
}

const SHOTS = path.resolve(
	process.env.UI_SCREENSHOT_DIR ?? path.join(tempUserFolder(), 'screenshots'),
);

let user: string;
let server: N8nServer | undefined;
let fakes: Record<Provider, FakeProvider>;
let cookie = '';
let context: BrowserContext | undefined;
let page: Page;
let profile = '';
const { timings, timed } = stopwatch();

async function shot(
	name: string,
	target: Page | ReturnType<Page['locator']> = page,
): Promise<void> {
	await target.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}

beforeAll(async () => {
	fs.mkdirSync(SHOTS, { recursive: true });
	user = tempUserFolder();
	fakes = await startAllFakes({ taskDurationMs: 800 });
	const tarball = await timed('pack', async () => await packProject(user));
	await timed('install tarball', async () => await installTarball(user, tarball));
	// n8n behind a TLS proxy at a public name, as the providers require (https, not a private host):
	// the editor shows that URL, and the fake provider delivers calls to it to this n8n.
	const env = n8nEnv(user, await freePort(), await freePort(), {
		WEBHOOK_URL: `${PUBLIC_URL}/`,
		N8N_WEBHOOK_URL: `${PUBLIC_URL}/`,
	});
	await timed('import credentials', async () => await importCredentials(env, fakes));
	await timed(
		'import workflows',
		async () => await importExamples(env, fakes.evoLink.baseUrl, [CAP_WORKFLOW, TYPO_WORKFLOW]),
	);
	server = await timed('n8n start', async () => await startN8n(env, path.join(user, 'n8n.log')));
	cookie = await setupOwner(server.base);
	({ context, page, profile } = await timed(
		'chromium start',
		async () => await launchBrowser(server!.base, cookie),
	));
}, 300000);

afterAll(async () => {
	await context?.close();
	await server?.stop();
	await Promise.all(Object.values(fakes ?? {}).map(async (fake) => await fake.close()));
	console.log(`ui timings (ms): ${JSON.stringify(timings)}`);
	if (profile) fs.rmSync(profile, { recursive: true, force: true });
	if (user && !process.env.KEEP_E2E) fs.rmSync(user, { recursive: true, force: true });
});

beforeEach(() => Object.values(fakes).forEach((fake) => fake.reset()));

/** Where our nodes come in the panel's list for a search (1 = first), after the Manual Trigger. */
async function ranks(term: string, expected: string[]): Promise<Record<string, number>> {
	await openNewWorkflow(page, server!.base, cookie);
	await searchNodePanel(page, term);
	const items = await nodePanelItems(page, expected);
	return Object.fromEntries(
		expected.map((name) => [name, items.findIndex((i) => i.name === name) + 1]),
	);
}

describe('node panel', () => {
	const actionNodes = Object.values(NODES).map((n) => n.displayName);

	it.each(['image', 'gpt image'])(
		'searching "%s" lists the three GPT Image nodes before the trigger',
		async (term) => {
			await timed(`search ${term}`, async () => {
				const found = await ranks(term, [...actionNodes, TRIGGER]);
				console.log(`node panel, "${term}": ${JSON.stringify(found)}`);
				for (const name of actionNodes) expect(found[name]).toBeLessThan(found[TRIGGER]);
				if (term === 'gpt image') {
					// Enter takes the first row: an action node, not the trigger.
					expect(Math.min(...actionNodes.map((name) => found[name]))).toBe(1);
					await screenshotDownTo(
						page,
						byId('node-creator'),
						byId('item-iterator-item'),
						path.join(SHOTS, 'node-panel-search.png'),
					);
				}
			});
		},
	);

	it.each(Object.entries(NODES))(
		'searching the provider name finds %s with its icon, and a description naming models and account',
		async (_provider, node) => {
			await timed(`search ${node.className}`, async () => {
				await openNewWorkflow(page, server!.base, cookie);
				await searchNodePanel(page, node.className);
				const items = await nodePanelItems(page, [node.displayName]);
				const item = items.find((i) => i.name === node.displayName)!;
				expect(item.iconSrc).toBe(`/icons/n8n-nodes-gpt-image/dist/icons/${node.icon}.svg`);
				expect(item.iconLoaded).toBe(true);
				expect(item.description).toBe(
					builtNode(node.className, node.className).description.description,
				);
				expect(item.description).toContain(`billed to your ${node.className} account`);
			});
		},
	);

	it('shows the trigger with its own icon', async () => {
		await openNewWorkflow(page, server!.base, cookie);
		await searchNodePanel(page, 'callback');
		const [trigger] = (await nodePanelItems(page, [TRIGGER])).filter((i) => i.name === TRIGGER);
		expect(trigger).toEqual(
			expect.objectContaining({
				iconSrc: '/icons/n8n-nodes-gpt-image/dist/icons/gptimage-trigger.svg',
				iconLoaded: true,
			}),
		);
	});
});

/** What must be on screen, in order, for each operation and model (and nothing else of ours). */
const UNIFIED = {
	generate15: [
		'resource',
		'operation',
		'prompt',
		'model',
		'size',
		'quality',
		'numberOfImages',
		'completion',
	],
	generate2: [
		'resource',
		'operation',
		'prompt',
		'model',
		'sizeV2',
		'qualityV2',
		'background',
		'numberOfImages',
		'completion',
	],
	generate2Ratio: [
		'resource',
		'operation',
		'prompt',
		'model',
		'sizeV2',
		'resolution',
		'qualityV2',
		'background',
		'numberOfImages',
		'completion',
	],
	generate2Custom: [
		'resource',
		'operation',
		'prompt',
		'model',
		'sizeV2',
		'customSize',
		'qualityV2',
		'background',
		'numberOfImages',
		'completion',
	],
	edit2: [
		'resource',
		'operation',
		'prompt',
		'model',
		'imageUrls',
		'binaryFields',
		'maskUrl',
		'maskBinaryField',
		'sizeV2',
		'qualityV2',
		'background',
		'numberOfImages',
		'completion',
	],
	edit15: [
		'resource',
		'operation',
		'prompt',
		'model',
		'imageUrls',
		'binaryFields',
		'size',
		'quality',
		'numberOfImages',
		'completion',
	],
	callback15: [
		'resource',
		'operation',
		'prompt',
		'model',
		'imageUrls',
		'binaryFields',
		'size',
		'quality',
		'numberOfImages',
		'completion',
		'callbackUrl',
	],
	waitForTask: ['resource', 'operation', 'taskId'],
};
const APIFRAME = {
	generate15: [
		'resource',
		'operation',
		'prompt',
		'model',
		'aspectRatio',
		'quality',
		'outputFormat',
		'background',
		'numberOfImages',
		'completion',
	],
	generate2: [
		'resource',
		'operation',
		'prompt',
		'model',
		'aspectRatio',
		'quality',
		'outputFormat',
		'backgroundV2',
		'moderation',
		'numberOfImages',
		'completion',
	],
	edit2: [
		'resource',
		'operation',
		'prompt',
		'model',
		'imageUrls',
		'binaryFields',
		'aspectRatio',
		'quality',
		'outputFormat',
		'backgroundV2',
		'moderation',
		'numberOfImages',
		'completion',
	],
	edit15: [
		'resource',
		'operation',
		'prompt',
		'model',
		'imageUrls',
		'binaryFields',
		'aspectRatio',
		'quality',
		'outputFormat',
		'background',
		'inputFidelity',
		'numberOfImages',
		'completion',
	],
	callback15: [
		'resource',
		'operation',
		'prompt',
		'model',
		'imageUrls',
		'binaryFields',
		'aspectRatio',
		'quality',
		'outputFormat',
		'background',
		'inputFidelity',
		'numberOfImages',
		'completion',
		'callbackUrl',
		'webhookEvents',
	],
	waitForTask: ['resource', 'operation', 'taskId'],
};

describe.each(['starMagic', 'evoLink', 'apiframe'] as Provider[])(
	'%s in the editor',
	(provider) => {
		const node = NODES[provider];
		const known = parameterNames(provider);
		const expected = provider === 'apiframe' ? APIFRAME : UNIFIED;
		/** The visible fields once they match `fields` (the NDV re-renders after each pick), else the last reading. */
		const visible = async (fields: string[]) =>
			await eventually(async () => await visibleParameters(page, known), fields);

		it('adds from the panel, and shows the right fields per operation and model', async () => {
			await timed(`${provider} fields`, async () => {
				await openNewWorkflow(page, server!.base, cookie);
				await addNode(page, node.displayName, 'Generate image');
				expect(await visible(expected.generate15)).toEqual(expected.generate15);
				// The imported credential is picked for a new node.
				await expect(
					page.locator(`${byId('node-credentials-select')} input`).inputValue(),
				).resolves.toBe(`${node.className} account`);
				await screenshotParameters(page, path.join(SHOTS, `${node.icon}-generate.png`));

				if (provider === 'evoLink') {
					await pick(page, 'model', 'GPT Image 1');
					expect(await visible(expected.generate15)).toEqual(expected.generate15);
				}
				await pick(page, 'model', 'GPT Image 2');
				expect(await visible(expected.generate2)).toEqual(expected.generate2);
				if (provider !== 'apiframe') {
					// Resolution belongs to a ratio, custom pixels to Custom; Auto needs neither.
					await pick(page, 'sizeV2', '16:9');
					expect(await visible(UNIFIED.generate2Ratio)).toEqual(UNIFIED.generate2Ratio);
					await pick(page, 'sizeV2', 'Custom (Width x Height)');
					expect(await visible(UNIFIED.generate2Custom)).toEqual(UNIFIED.generate2Custom);
					await pick(page, 'sizeV2', 'Auto');
				}

				await pick(page, 'operation', 'Edit');
				expect(await visible(expected.edit2)).toEqual(expected.edit2);
				if (provider === 'evoLink')
					await screenshotParameters(page, path.join(SHOTS, 'evolink-edit-gpt-image-2.png'));
				await pick(page, 'model', 'GPT Image 1.5');
				expect(await visible(expected.edit15)).toEqual(expected.edit15);
				await pick(page, 'completion', 'Callback to a Trigger');
				expect(await visible(expected.callback15)).toEqual(expected.callback15);

				await pick(page, 'operation', 'Wait for Task');
				expect(await visible(expected.waitForTask)).toEqual(expected.waitForTask);
				await closeNdv(page);
				// The subtitle under the node names the operation.
				const subtitle = async () => (await addedNode(page).innerText()).includes('Wait for Task');
				expect(await eventually(subtitle, true)).toBe(true);
			});
		});

		it('opens a new credential form with its fields, defaults and a link to the key page', async () => {
			await timed(`${provider} credential`, async () => {
				await openNewWorkflow(page, server!.base, cookie);
				await addNode(page, node.displayName, 'Generate image');
				await page.click(byId('node-credentials-select'));
				await page.click(byId('node-credentials-select-item-new'));
				const modal = page.locator(byId('credential-edit-dialog'));
				await modal.waitFor();
				const header = page.locator(byId('editCredential-modal'));
				await expect(header.innerText()).resolves.toContain(node.credential);
				await expect(
					modal.locator(`${byId('parameter-input-apiKey')} input`).getAttribute('type'),
				).resolves.toBe('password');
				await expect(
					modal.locator(`${byId('parameter-input-baseUrl')} input`).inputValue(),
				).resolves.toBe(node.baseUrl);
				if (provider === 'evoLink')
					await expect(
						modal.locator(`${byId('parameter-input-fileBaseUrl')} input`).inputValue(),
					).resolves.toBe('https://files-api.evolink.ai');
				else
					await expect(modal.locator(byId('parameter-input-fileBaseUrl')).count()).resolves.toBe(0);
				const link = modal.locator(`a[href="${node.keyPage}"]`);
				await expect(link.isVisible()).resolves.toBe(true);
				await expect(link.getAttribute('target')).resolves.toBe('_blank');
				await shot(`${node.icon}-credential`, header);
				await closeModalWithoutSaving(page, modal);
			});
		});
	},
);

/** The text under the added node on the canvas (its subtitle). */
async function addedNodeSubtitle(): Promise<string> {
	return await page.locator(byId('canvas-node')).first().innerText();
}

/** The labels of the credential selects the trigger shows ("Credential for EvoLink API", ...). */
async function credentialLabels(): Promise<string[]> {
	return await page.locator(`${byId('ndv')} ${byId('credentials-label')}`).allInnerTexts();
}

/** Opens the publish dialog and publishes the open workflow. */
async function publish(): Promise<void> {
	await page.click(byId('workflow-open-publish-modal-button'));
	await page.click(byId('workflow-publish-button'));
}

describe('the callback trigger, wired as a newcomer does it', () => {
	const TRIGGER_FIELDS = ['provider', 'verification', 'sharedSecret'];
	// What a newcomer types: 13 characters with a dash (the URL carries its SHA-256, not the text).
	const SECRET = 'my-secret-123';
	const IN_URL = createHash('sha256').update(SECRET).digest('hex').slice(0, 40);
	let triggerWorkflow = '';
	let productionUrl = '';

	it('starts a new workflow; Provider is visible and picks which credential is asked for; the URL carries the secret', async () => {
		await timed('trigger panel', async () => {
			triggerWorkflow = await openEmptyWorkflow(page, server!.base, cookie);
			await addNode(page, TRIGGER);
			const known = builtNode('GptImageTrigger', 'GptImageTrigger').description.properties.map(
				(p) => p.name,
			);
			expect(
				await eventually(async () => await visibleParameters(page, known), TRIGGER_FIELDS),
			).toEqual(TRIGGER_FIELDS);
			// Its own words where n8n would say "Pull in events from GPT Image Callback".
			await expect(page.locator(byId('ndv')).innerText()).resolves.toContain(
				'Listen for a callback from StarMagic, EvoLink or Apiframe',
			);
			expect(await credentialLabels()).toEqual([
				'Credential for StarMagic API',
				'Credential for EvoLink API',
				'Credential for Apiframe API',
			]);

			await pick(page, 'provider', 'EvoLink');
			expect(await eventually(credentialLabels, ['Credential for EvoLink API'])).toEqual([
				'Credential for EvoLink API',
			]);
			// Only the notice that names the providers Provider accepts: EvoLink alone now.
			const ndvText = async () => await page.locator(byId('ndv')).innerText();
			expect(await ndvText()).toContain(
				'The EvoLink credential above is used only to confirm callbacks',
			);
			expect(await ndvText()).not.toContain('StarMagic and EvoLink callbacks');
			// The secret goes into the URL the editor shows: that URL is all the other node needs.
			await page.locator(`${byId('parameter-input-sharedSecret')} input`).fill(SECRET);
			await page.getByText('Webhook URLs', { exact: true }).click();
			await page.click(byId('radio-button-production'));
			const url = page.locator(byId('node-parameters')).getByText(`${PUBLIC_URL}/webhook/`);
			productionUrl = (await url.innerText()).trim();
			expect(productionUrl).toMatch(
				new RegExp(`^${PUBLIC_URL}/webhook/[0-9a-f-]{36}/gpt-image/${IN_URL}$`),
			);
			await closeNdv(page);
			expect(await addedNodeSubtitle()).toContain('from EvoLink');
		});
	});

	it('will not publish while the credential that confirms callbacks is missing, and says which', async () => {
		await timed('publish without credential', async () => {
			await publish();
			const toast = page
				.getByText('Select the EvoLink credential in the GPT Image Callback Trigger')
				.first();
			await toast.waitFor({ timeout: 90000 });
			await expect(
				page.getByText('Workflow could not be published').first().isVisible(),
			).resolves.toBe(true);
			await shot('trigger-publish-refused');
			// Dismiss the message (n8n's toasts have no test ID; Element Plus's close button).
			const toasts = page.getByRole('alert').filter({ hasText: 'could not be published' });
			await toasts.locator('.el-notification__closeBtn').first().click();
			await toasts.first().waitFor({ state: 'hidden' });
		});
	});

	it("keeps Provider when the credential is picked, publishes; a GPT Image (EvoLink) node with the pasted URL starts the trigger's workflow with the image", async () => {
		await timed('two-workflow callback', async () => {
			const rest = restClient(server!.base, cookie);
			await page.locator(byId('canvas-node')).first().dblclick();
			// Picking the credential leaves Provider alone (n8n once took it for an auth selector).
			await page.click(byId('node-credentials-select'));
			await page
				.locator('[data-test-id^="node-credentials-select-item"]:visible', {
					hasText: 'EvoLink account',
				})
				.first()
				.click();
			await expect(
				page.locator(`${byId('parameter-input-provider')} input`).inputValue(),
			).resolves.toBe('EvoLink');
			await expect(
				page.locator(`${byId('node-credentials-select')} input`).inputValue(),
			).resolves.toBe('EvoLink account');

			await page.getByText('Webhook URLs', { exact: true }).click();
			await page.click(byId('radio-button-production'));
			await page.locator(byId('node-parameters')).getByText(productionUrl).waitFor();
			await shot('trigger-panel', page.locator(byId('ndv')));
			await closeNdv(page);
			await publish();
			const active = async () =>
				(await rest.get<{ active: boolean }>(`/workflows/${triggerWorkflow}`)).active;
			expect(await eventually(active, true, 90000)).toBe(true);

			// The second workflow: Manual Trigger -> GPT Image (EvoLink), Completion: Callback to a Trigger.
			fakes.evoLink.options.callbackRewrite = (url: string) =>
				url.replace(PUBLIC_URL, server!.base);
			const submitWorkflow = await openNewWorkflow(page, server!.base, cookie);
			// The + after the Manual Trigger, so the new node is connected to it.
			await page.click(byId('canvas-handle-plus'));
			await addNode(page, NODES.evoLink.displayName, 'Generate image');
			await page
				.locator(
					`${byId('parameter-input-prompt')} textarea, ${byId('parameter-input-prompt')} input`,
				)
				.first()
				.fill('A lighthouse at dusk, oil painting');
			await pick(page, 'completion', 'Callback to a Trigger');
			// The field says where its URL comes from, with the trigger's one name.
			await page
				.getByText('copy its Production URL (under Webhook URLs at the top of its panel)')
				.first()
				.waitFor();
			await page.locator(`${byId('parameter-input-callbackUrl')} input`).fill(productionUrl);
			await shot('callback-url-hint', page.locator(byId('ndv')));
			await closeNdv(page);
			await page.click(byId('execute-workflow-button'));
			await addedNode(page).locator(byId('canvas-node-status-success')).waitFor({ timeout: 60000 });
			expect(submitWorkflow).not.toBe(triggerWorkflow);

			const [submission] = fakes.evoLink.requests.filter((r) => r.route === 'submit');
			expect((submission.body as { callback_url?: string }).callback_url).toBe(productionUrl);
			await fakes.evoLink.whenCallbacksIdle();
			expect(fakes.evoLink.callbacks.map((c) => c.status)).toEqual([200]);

			const finished = async () =>
				(await rest.executions(triggerWorkflow)).filter((e) => e.status === 'success').length;
			expect(await eventually(finished, 1, 60000)).toBe(1);
			const [run] = await rest.executions(triggerWorkflow);
			const detail = await rest.execution(run.id);
			const [item] = detail.data.resultData.runData[TRIGGER][0].data!.main[0];
			expect(item.json).toMatchObject({
				provider: 'EvoLink',
				status: 'completed',
				imageUrl: expect.stringContaining(fakes.evoLink.baseUrl),
			});
		});
	});
});

describe('running an example from the editor', () => {
	it('runs "text to image (EvoLink)" against the fake and shows the image in the output panel', async () => {
		await timed('run example', async () => {
			await openWorkflow(page, server!.base, 'gptImgTextEvoLnk');
			await page.click(byId('execute-workflow-button'));
			const nodeOnCanvas = page.locator(
				`${byId('canvas-node')}[data-node-name="Generate with EvoLink"]`,
			);
			await nodeOnCanvas.locator(byId('canvas-node-status-success')).waitFor({ timeout: 60000 });
			expect(fakes.evoLink.requests.filter((r) => r.route === 'submit')).toHaveLength(1);

			await nodeOnCanvas.dblclick();
			const output = page.locator(byId('output-panel'));
			await output.locator(byId('radio-button-binary')).click();
			const card = output.locator(byId('ndv-binary-data_0'));
			await expect(card.innerText()).resolves.toMatch(/image\/png/);

			// "View" renders the stored file: a real, decodable 64 x 64 PNG from the fake.
			await card.locator(byId('ndv-view-binary-data')).click();
			const image = page.locator('img[src*="/rest/binary-data"]').first();
			await image.waitFor();
			await expect(
				image.evaluate((element) => {
					const img = element as unknown as { complete: boolean; naturalWidth: number };
					return img.complete && img.naturalWidth;
				}),
			).resolves.toBe(64);
			await shot('run-output');
		});
	});
});

describe('a spend cap, as a new user meets it', () => {
	it('20 prompts with Max Credits 15: the paid images and 14 items marked notSubmitted, with a hint above them', async () => {
		await timed('cap walk', async () => {
			await openWorkflow(page, server!.base, 'gptImgCapTwenty');
			await page.click(byId('execute-workflow-button'));
			const nodeOnCanvas = page.locator(
				`${byId('canvas-node')}[data-node-name="Generate under a cap"]`,
			);
			await nodeOnCanvas.locator(byId('canvas-node-status-success')).waitFor({ timeout: 60000 });
			// 15 credits at 2.5 a task: six paid tasks, never a seventh.
			expect(fakes.evoLink.counts.submissions).toBe(6);

			await nodeOnCanvas.dblclick();
			const output = page.locator(byId('output-panel'));
			await output.getByText('20 items', { exact: false }).first().waitFor();
			const json = output.locator(byId('radio-button-json'));
			if (await json.count()) await json.click();
			const text = await output.innerText();
			expect(text).toMatch(/Max Credits per Execution: 14 task\(s\) were not submitted/);
			expect(text).toMatch(/notSubmitted/);
			await shot('cap-twenty-prompts');
		});
	});
});

describe('a mistake in an expression, as a new user makes it', () => {
	it('Prompt {{ $json.title }} on items without title: the error names the expression and the fields the input has', async () => {
		await timed('expression error', async () => {
			const rest = restClient(server!.base, cookie);
			await openWorkflow(page, server!.base, 'gptImgPromptTypo');
			await page.click(byId('execute-workflow-button'));
			const failed = async () =>
				(await rest.executions('gptImgPromptTypo')).some((e) => e.status === 'error');
			expect(await eventually(failed, true, 60000)).toBe(true);
			expect(fakes.evoLink.counts.total).toBe(0);
			const nodeOnCanvas = page.locator(
				`${byId('canvas-node')}[data-node-name="Generate from a title"]`,
			);
			await nodeOnCanvas.dblclick();
			const output = page.locator(byId('output-panel'));
			await output
				.getByText('Prompt is empty: the expression {{ $json.title }} gave nothing')
				.first()
				.waitFor();
			await expect(output.innerText()).resolves.toContain(
				'The input item has the fields prompt, id. Check the field name in the expression.',
			);
			await shot('prompt-expression-error');
		});
	});
});
