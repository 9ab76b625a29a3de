/**
 * The nodes as a person meets them: n8n 2.41.1 (the e2e install, our packed tarball inside) with
 * its editor in Debian's Chromium. Search the node panel, add each node, switch its operations
 * and models, open each credential form, and run an imported example from the editor against the
 * fake providers. Screenshots go to $UI_SCREENSHOT_DIR (docs/images for the README).
 */
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
	{ displayName: string; icon: string; credential: string; keyPage: string; baseUrl: string }
> = {
	starMagic: {
		displayName: 'StarMagic',
		icon: 'starmagic',
		credential: 'StarMagic API',
		keyPage: 'https://starmagic.ai/app/api-keys',
		baseUrl: 'https://api.starmagic.ai',
	},
	evoLink: {
		displayName: 'EvoLink',
		icon: 'evolink',
		credential: 'EvoLink API',
		keyPage: 'https://evolink.ai/dashboard/keys',
		baseUrl: 'https://api.evolink.ai',
	},
	apiframe: {
		displayName: 'Apiframe',
		icon: 'apiframe',
		credential: 'Apiframe API',
		keyPage: 'https://console.apiframe.ai',
		baseUrl: 'https://api.apiframe.ai',
	},
};

/** Parameter names of each node, from the built package (to tell them from n8n's own settings). */
function parameterNames(provider: Provider): string[] {
	const file = path.join(
		REPO,
		'dist',
		'nodes',
		NODES[provider].displayName,
		`${NODES[provider].displayName}.node.js`,
	);
	const module = require(file) as Record<
		string,
		new () => { description: { properties: Array<{ name: string }> } }
	>;
	return new module[NODES[provider].displayName]().description.properties.map((p) => p.name);
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
	const env = n8nEnv(user, await freePort(), await freePort());
	await timed('import credentials', async () => await importCredentials(env, fakes));
	await timed('import workflows', async () => await importExamples(env, fakes.evoLink.baseUrl));
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

describe('node panel', () => {
	it.each([
		['GPT Image', ['StarMagic', 'EvoLink', 'Apiframe']],
		['StarMagic', ['StarMagic']],
		['EvoLink', ['EvoLink']],
		['Apiframe', ['Apiframe']],
	])('searching "%s" shows %j, each with its icon', async (term, expected) => {
		await timed(`search ${term}`, async () => {
			await openNewWorkflow(page, server!.base, cookie);
			await searchNodePanel(page, term);
			const items = await nodePanelItems(
				page,
				term === 'GPT Image' ? [...expected, 'GPT Image Trigger'] : expected,
			);
			for (const name of expected) {
				const item = items.find((i) => i.name === name);
				expect({ name, found: Boolean(item) }).toEqual({ name, found: true });
				const icon = Object.values(NODES).find((n) => n.displayName === name)!.icon;
				expect(item!.iconSrc).toBe(`/icons/n8n-nodes-gpt-image/dist/icons/${icon}.svg`);
				expect(item!.iconLoaded).toBe(true);
				expect(item!.description).toBe(
					`Generate and edit images with OpenAI GPT Image models through ${name}`,
				);
			}
			if (term === 'GPT Image') {
				// The trigger is found by the same words, with its own icon.
				const trigger = items.find((i) => i.name === 'GPT Image Trigger');
				expect(trigger).toEqual(
					expect.objectContaining({
						iconSrc: '/icons/n8n-nodes-gpt-image/dist/icons/gptimage.svg',
						iconLoaded: true,
					}),
				);
				await screenshotDownTo(
					page,
					byId('node-creator'),
					byId('item-iterator-item'),
					path.join(SHOTS, 'node-panel-search.png'),
				);
			}
		});
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
				await addNode(page, node.displayName, 'Generate an image');
				expect(await visible(expected.generate15)).toEqual(expected.generate15);
				// The imported credential is picked for a new node.
				await expect(
					page.locator(`${byId('node-credentials-select')} input`).inputValue(),
				).resolves.toBe(`${node.displayName} account`);
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
				await addNode(page, node.displayName, 'Generate an image');
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
