/**
 * Page helpers for n8n 2.41's editor, driven by playwright-core in Debian's Chromium. Selectors
 * are n8n's own data-test-id attributes (the ones its Playwright suite uses), never CSS classes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { chromium } from 'playwright-core';
import type { BrowserContext, Locator, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, on a fresh profile, with everything that would reach for the
 * internet switched off (this machine's closed network refuses it, many times per start).
 */
export async function launchBrowser(
	base: string,
	cookie: string,
): Promise<{ context: BrowserContext; page: Page; profile: string }> {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-gpt-image-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		// Tall enough that the NDV shows every field of a node without scrolling (for the screenshots).
		viewport: { width: 1440, height: 1400 },
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	const [name] = cookie.split('=', 1);
	await context.addCookies([{ name, value: cookie.slice(name.length + 1), url: base }]);
	const page = context.pages()[0] ?? (await context.newPage());
	page.setDefaultTimeout(30000);
	return { context, page, profile };
}

export const byId = (id: string) => `[data-test-id="${id}"]`;

/** Saves a new workflow through the REST API, as the editor does; returns its ID. */
export async function createWorkflow(
	base: string,
	cookie: string,
	nodes: unknown[],
): Promise<string> {
	const response = await fetch(`${base}/rest/workflows`, {
		method: 'POST',
		headers: { cookie, 'content-type': 'application/json' },
		body: JSON.stringify({ name: `UI test ${Date.now()}`, nodes, connections: {}, settings: {} }),
	});
	if (response.status !== 200) throw new Error(`creating a workflow answered ${response.status}`);
	return ((await response.json()) as { data: { id: string } }).data.id;
}

/** Creates a workflow holding only a manual trigger (through the REST API) and opens it. */
export async function openNewWorkflow(page: Page, base: string, cookie: string): Promise<string> {
	const id = await createWorkflow(base, cookie, [
		{
			id: 'start',
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
	]);
	await openWorkflow(page, base, id);
	return id;
}

/**
 * Creates an empty workflow and opens it with the node panel showing ("Add first step"), as a
 * person starts a workflow whose first node is a trigger.
 */
export async function openEmptyWorkflow(page: Page, base: string, cookie: string): Promise<string> {
	const id = await createWorkflow(base, cookie, []);
	await page.goto(`${base}/workflow/${id}`, { waitUntil: 'domcontentloaded' });
	await page.click(byId('canvas-add-button'), { timeout: 90000 });
	await page.waitForSelector(byId('node-creator'));
	return id;
}

/** The editor is a single-page app: wait for the canvas, not for network idle. */
export async function openWorkflow(page: Page, base: string, id: string): Promise<void> {
	await page.goto(`${base}/workflow/${id}`, { waitUntil: 'domcontentloaded' });
	await page.waitForSelector(byId('canvas-node'), { timeout: 90000 });
}

/** Opens the node panel ("What happens next?") and types into its search box. */
export async function searchNodePanel(page: Page, text: string): Promise<void> {
	if (!(await page.locator(byId('node-creator')).isVisible()))
		await page.click(byId('node-creator-plus-button'));
	const bar = page.locator(byId('node-creator-search-bar'));
	const input =
		(await bar.evaluate((element) => element.tagName)) === 'INPUT' ? bar : bar.locator('input');
	await input.fill(text);
}

export interface PanelItem {
	name: string;
	description: string;
	iconSrc: string | null;
	/** The icon's image decoded (naturalWidth > 0), i.e. n8n served it and it is a valid SVG. */
	iconLoaded: boolean;
}

/**
 * Polls `read` until it returns something equal (as JSON) to `expected`, or `timeoutMs` passes;
 * returns the last reading for the test's own assertion (which then shows the difference).
 * For the editor's re-renders after a click: wait for the state, never for a fixed time.
 */
export async function eventually<T>(
	read: () => Promise<T>,
	expected: T,
	timeoutMs = 10000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (JSON.stringify(value) === JSON.stringify(expected) || Date.now() > deadline) return value;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** The node rows of the panel once every name in `expected` is listed (the search is debounced). */
export async function nodePanelItems(page: Page, expected: string[]): Promise<PanelItem[]> {
	const names = page.locator(`${byId('node-creator')} ${byId('node-creator-item-name')}`);
	const listed = async () => {
		const shown = (await names.allTextContents()).map((text) => text.trim());
		return expected.filter((name) => shown.includes(name));
	};
	const found = await eventually(listed, expected, 15000);
	if (found.length !== expected.length)
		throw new Error(
			`node panel: only [${found.join(', ')}] of [${expected.join(', ')}] were listed`,
		);
	const items = page.locator(
		`${byId('node-creator')} ${byId('item-iterator-item')}[data-keyboard-nav-type="node"]`,
	);
	// Icons load after the list renders: wait until every one has loaded or failed.
	await items.evaluateAll(async (elements) => {
		const images = elements.flatMap((element) => [...element.querySelectorAll('img')]);
		await Promise.all(
			images.map(async (image) =>
				image.complete
					? undefined
					: await new Promise((resolve) => {
							image.onload = image.onerror = resolve;
						}),
			),
		);
	});
	return await items.evaluateAll((elements) =>
		elements.map((element) => {
			const image = element.querySelector('img');
			return {
				name:
					element.querySelector('[data-test-id="node-creator-item-name"]')?.textContent?.trim() ??
					'',
				description:
					element
						.querySelector('[data-test-id="node-creator-item-description"]')
						?.textContent?.trim() ?? '',
				iconSrc: image?.getAttribute('src') ?? null,
				iconLoaded: Boolean(image && image.complete && image.naturalWidth > 0),
			};
		}),
	);
}

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/**
 * Adds a node from the panel search by its name and action (e.g. "GPT Image (EvoLink)",
 * "Generate image"); the NDV opens. A node without actions (a trigger) opens at once.
 */
export async function addNode(page: Page, name: string, action?: string): Promise<void> {
	await searchNodePanel(page, name);
	await page
		.locator(byId('node-creator-item-name'), { hasText: exactly(name) })
		.first()
		.click();
	if (action === undefined) {
		// A community node without actions opens its details page first.
		await page.getByRole('button', { name: 'Add to workflow' }).click();
		await page.waitForSelector(byId('ndv'));
		return;
	}
	await page
		.locator(`${byId('item-iterator-item')}[data-keyboard-nav-type="action"]`, { hasText: action })
		.first()
		.click();
	await page.waitForSelector(byId('ndv'));
}

/**
 * The node's own parameters visible in the NDV, in screen order (n8n's node settings such as
 * Retry On Fail, and nested collection options, are left out by passing the node's names).
 */
export async function visibleParameters(page: Page, known: string[]): Promise<string[]> {
	const suffix = '-parameter-input-options-container';
	const ids = await page
		.locator(`${byId('node-parameters')} [data-test-id$="${suffix}"]:visible`)
		.evaluateAll((elements) => elements.map((e) => e.getAttribute('data-test-id') ?? ''));
	return ids.map((id) => id.slice(0, -suffix.length)).filter((name) => known.includes(name));
}

/** Picks an option of an options parameter by its visible name (the first line of the item). */
export async function pick(page: Page, parameter: string, optionName: string): Promise<void> {
	await page.click(byId(`parameter-input-${parameter}`));
	const items = page.locator(`${byId('parameter-input-item')}:visible`);
	await items.first().waitFor();
	const names = await items.evaluateAll((elements) =>
		elements.map((e) => (e as unknown as { innerText: string }).innerText.split('\n')[0].trim()),
	);
	const index = names.indexOf(optionName);
	if (index < 0)
		throw new Error(`${parameter}: no option "${optionName}" (have ${names.join(', ')})`);
	await items.nth(index).click();
	await items.first().waitFor({ state: 'hidden' });
}

/** A PNG of `container` from its top down to the end of `last` (not the empty pane below). */
export async function screenshotDownTo(
	page: Page,
	container: string,
	last: string,
	file: string,
): Promise<void> {
	const box = await page.locator(container).boundingBox();
	const end = await page.locator(`${container} ${last}`).last().boundingBox();
	if (!box || !end) throw new Error(`${container} is not on screen`);
	const height = Math.min(box.height, end.y + end.height + 16 - box.y);
	await page.screenshot({
		path: file,
		clip: { x: box.x, y: box.y, width: box.width, height },
		animations: 'disabled',
	});
}

/** The node's parameter pane down to its Options collection. */
export async function screenshotParameters(page: Page, file: string): Promise<void> {
	await screenshotDownTo(page, byId('node-parameters'), byId('collection-parameter-add'), file);
}

/** The node on the canvas that is not the trigger (the test workflows hold one of each). */
export function addedNode(page: Page): Locator {
	return page
		.locator(byId('canvas-node'))
		.filter({ hasNot: page.locator(byId('canvas-trigger-node')) });
}

export async function closeNdv(page: Page): Promise<void> {
	await page.click(byId('ndv-close-button'));
	await page.waitForSelector(byId('ndv'), { state: 'hidden' });
}

/** Leaves a modal without saving, answering n8n's "close without saving?" question if it asks. */
export async function closeModalWithoutSaving(page: Page, modal: Locator): Promise<void> {
	await page.keyboard.press('Escape');
	const confirm = page.locator('.el-message-box:visible');
	if (await confirm.isVisible().catch(() => false))
		await confirm
			.getByRole('button', { name: /close|leave|discard|don't save/i })
			.first()
			.click();
	await modal.waitFor({ state: 'hidden' });
}
