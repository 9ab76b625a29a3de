/**
 * Where the providers' documents disagree, the node must work under both readings. The fakes
 * follow one reading or the other (test/fakes/README.md, "Readings"); every affected case runs
 * under both, and under the silent case where Apiframe accepts a body but drops a field it does
 * not know.
 */
import type { INodeParameters } from 'n8n-workflow';

import { PAGE_READING, pngBytes, SCHEMA_READING, UNIFIED_KO_READING } from '../fakes';
import type { ApiframeReading, FakeProvider } from '../fakes';
import { PUBLIC_ORIGIN, startBridge } from './bridge';
import type { TriggerBridge } from './bridge';
import { createTrigger, readBinary } from './harness';
import type { RunResult } from './harness';
import { credentialsFor, FAST, PNG_SIGNATURE, runImage, startFakes, stopFakes } from './setup';
import type { Fakes } from './setup';

let fakes: Fakes;
let bridge: TriggerBridge;
let apiframe: FakeProvider;

beforeAll(async () => {
	fakes = await startFakes();
	apiframe = fakes.apiframe;
	bridge = await startBridge();
	for (const fake of Object.values(fakes)) bridge.route(fake);
});
afterAll(async () => {
	await stopFakes(fakes);
	await bridge.close();
});
beforeEach(() => {
	for (const fake of Object.values(fakes)) {
		fake.reset();
		delete fake.options.apiframeReading;
		delete fake.options.unifiedReading;
	}
});

const CALLBACK_URL = `${PUBLIC_ORIGIN}gpt-image`;
/** Items run one after another, so the second item shows what the first one taught the node. */
const ONE_AT_A_TIME = { ...FAST, maxConcurrentTasks: 1 };

async function listen(parameters: INodeParameters = {}): Promise<void> {
	const trigger = await createTrigger({
		node: { name: 'GPT Image Trigger', type: 'gptImageTrigger', parameters },
		credentials: credentialsFor(fakes),
	});
	await trigger.lifecycle('create');
	bridge.use(trigger);
}

/** Apiframe Generate with Completion = Callback, one item per prompt, one after another. */
async function submitWithCallbacks(...prompts: string[]): Promise<RunResult> {
	return await runImage(
		fakes,
		'apiframe',
		{
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			completion: 'callback',
			callbackUrl: CALLBACK_URL,
			options: ONE_AT_A_TIME,
		},
		{ items: prompts.map((prompt) => ({ json: { prompt } })) },
	);
}

const submitRequests = (fake: FakeProvider) => fake.requests.filter((r) => r.route === 'submit');

const READINGS: Array<[string, ApiframeReading, number]> = [
	// [name, reading, submit requests for the first item: 1, or 2 after a 400 naming the field]
	['OpenAPI schema', SCHEMA_READING, 1],
	['model page', PAGE_READING, 2],
];

describe.each(READINGS)('Apiframe, %s reading', (_name, reading, firstTry) => {
	beforeEach(() => (apiframe.options.apiframeReading = { ...reading }));

	it('callback: the job records the webhook and the trigger starts the run; the next item sends the shape that worked', async () => {
		await listen({ provider: 'apiframe', options: { output: 'binary' } });
		const result = await submitWithCallbacks('a lighthouse', 'a harbour');
		expect(result.error).toBeUndefined();
		const items = result.output();
		expect(items.map((i) => i.json.callbackConfirmed)).toEqual([true, true]);
		expect(items.map((i) => i.json.callbackNote)).toEqual([undefined, undefined]);
		// Two paid jobs; a refused shape cost one request and no job.
		expect(apiframe.counts.submissions).toBe(2);
		expect(submitRequests(apiframe)).toHaveLength(firstTry + 1);
		await apiframe.whenCallbacksIdle();
		expect(bridge.started().map((c) => c.items![0].json.taskId)).toEqual(
			expect.arrayContaining(items.map((i) => i.json.taskId)),
		);
		const [run] = bridge.started();
		expect((await readBinary(run.items![0].binary!.data)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('edit with one image URL works in either shape of input_images', async () => {
		const result = await runImage(fakes, 'apiframe', {
			operation: 'edit',
			prompt: 'make it night',
			imageUrls: 'https://images.example.com/a.png',
			options: FAST,
		});
		expect(result.error).toBeUndefined();
		expect(result.output()).toHaveLength(1);
		expect(apiframe.counts.submissions).toBe(1);
		expect(submitRequests(apiframe)).toHaveLength(firstTry);
	});

	it('the chosen aspect ratio reaches the job', async () => {
		const result = await runImage(fakes, 'apiframe', {
			operation: 'generate',
			prompt: 'a tall tower',
			aspectRatio: '2:3',
			options: FAST,
		});
		expect(result.error).toBeUndefined();
		const [task] = [...apiframe.tasks.values()];
		expect(task.aspectRatio).toBe('2:3');
	});

	it('the output format is sent, so the two documented defaults do not matter', async () => {
		for (const outputFormat of ['png', 'webp']) {
			apiframe.reset();
			const result = await runImage(fakes, 'apiframe', {
				operation: 'generate',
				prompt: 'a red kite',
				outputFormat,
				options: FAST,
			});
			expect(result.error).toBeUndefined();
			expect(result.output()[0].binary!.data.mimeType).toBe(`image/${outputFormat}`);
		}
	});
});

describe('Apiframe, the readings that cannot be bridged or are silent', () => {
	it('several input images under the page reading: refused with both readings named, nothing billed', async () => {
		apiframe.options.apiframeReading = { ...PAGE_READING };
		const result = await runImage(fakes, 'apiframe', {
			operation: 'edit',
			prompt: 'merge',
			imageUrls: 'https://images.example.com/a.png\nhttps://images.example.com/b.png',
			options: FAST,
		});
		expect(result.error?.message).toMatch(/input_images/);
		expect(result.error?.description).toMatch(/one URL/);
		expect(result.error?.description).toMatch(/one input image per item/);
		expect(apiframe.counts.submissions).toBe(0);
	});

	it('webhook field silently dropped: the item says so; the next item sends the other field and is confirmed', async () => {
		apiframe.options.apiframeReading = { ...PAGE_READING, unknownKeys: 'ignore' };
		await listen({ provider: 'apiframe' });
		const result = await submitWithCallbacks('first', 'second');
		expect(result.error).toBeUndefined();
		const [first, second] = result.output();
		expect(first.json.callbackConfirmed).toBe(false);
		expect(first.json.callbackNote).toMatch(/did not record the Webhook URL.*Wait for Task/);
		expect(first.json.callbackNote).toContain(String(first.json.taskId));
		expect(second.json.callbackConfirmed).toBe(true);
		expect(apiframe.counts.submissions).toBe(2);
		await apiframe.whenCallbacksIdle();
		// Only the second job calls back; the first is collected with Wait for Task, as its note says.
		expect(bridge.started().map((c) => c.items![0].json.taskId)).toEqual([second.json.taskId]);
		const collected = await runImage(fakes, 'apiframe', {
			operation: 'waitForTask',
			taskId: String(first.json.taskId),
			options: FAST,
		});
		expect(collected.error).toBeUndefined();
		expect(collected.output()[0].json).toMatchObject({
			taskId: first.json.taskId,
			status: 'completed',
		});
	});

	it('the schema reading with unknown keys dropped: the node sends the schema field first, so nothing is lost', async () => {
		apiframe.options.apiframeReading = { ...SCHEMA_READING, unknownKeys: 'ignore' };
		const result = await runImage(fakes, 'apiframe', {
			operation: 'generate',
			prompt: 'a pier',
			completion: 'callback',
			callbackUrl: CALLBACK_URL,
		});
		expect(result.output()[0].json.callbackConfirmed).toBe(true);
	});

	it('webhooks signed with the hex text of the key digest, and "sent" as webhookStatus, are accepted', async () => {
		apiframe.options.apiframeReading = { signatureKey: 'hex', webhookStatusWords: 'docs' };
		await listen({ provider: 'apiframe' });
		const result = await runImage(fakes, 'apiframe', {
			operation: 'generate',
			prompt: 'a boat',
			completion: 'callback',
			callbackUrl: CALLBACK_URL,
		});
		const taskId = result.output()[0].json.taskId;
		await apiframe.whenCallbacksIdle();
		expect(apiframe.callbacks.map((c) => c.status)).toEqual([200]);
		expect(bridge.started().map((c) => c.items![0].json.taskId)).toEqual([taskId]);
		const collected = await runImage(fakes, 'apiframe', {
			operation: 'waitForTask',
			taskId: String(taskId),
			options: FAST,
		});
		expect(collected.error).toBeUndefined();
	});
});

describe.each(['starMagic', 'evoLink'])('%s, both readings of the limits', (node) => {
	it('the prompt limit read as 2,000 tokens (the page text): a 3,000-character English prompt is sent and made', async () => {
		const fake = fakes[node];
		fake.options.unifiedReading = { promptLimit: 'tokens' };
		const made = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'a fox '.repeat(500),
			options: FAST,
		});
		expect(made.error).toBeUndefined();
		expect(fake.counts.submissions).toBe(1);
	});

	it("the prompt limit read as 2,000 characters (the schema): the same prompt gets the provider's 400, which bills nothing, and the error names the limit", async () => {
		const fake = fakes[node];
		fake.options.unifiedReading = { promptLimit: 'characters' };
		const refused = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'a fox '.repeat(500),
			options: FAST,
		});
		expect(refused.error?.message).toMatch(
			/prompt is 3000 characters; the limit for this model is 2000/,
		);
		expect(refused.error?.description).toMatch(
			/takes GPT Image 1\.5 prompts of up to 2,000 tokens \(about 8,000 characters of English, fewer in other languages\); this one has 3,000 characters\. Shorten the prompt; the refusal cost nothing\./,
		);
		expect(fake.counts.submitRequests).toBe(1);
		expect(fake.counts.submissions).toBe(0);
		// No reading allows more than 32,000 characters: refused before any request.
		fake.reset();
		const tooLong = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'a'.repeat(32001),
		});
		expect(tooLong.error?.message).toMatch(/^Prompt has 32,001 characters/);
		expect(fake.counts.total).toBe(0);
	});

	it('callback: the item says the provider cannot confirm the callback URL', async () => {
		const result = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'a fox',
			completion: 'callback',
			callbackUrl: CALLBACK_URL,
		});
		expect(result.output()[0].json).toMatchObject({
			callbackConfirmed: null,
			callbackNote: expect.stringMatching(/do not show whether.*Wait for Task/),
		});
		expect(fakes[node].counts.statusPolls).toBe(0);
	});
});

describe('EvoLink input images: the stricter of its pages (10 MB)', () => {
	const image = (bytes: number) => {
		const png = pngBytes(32, 32, 1);
		return {
			buffer: Buffer.concat([png, Buffer.alloc(bytes - png.length)]),
			mimeType: 'image/png',
			fileName: 'big.png',
		};
	};

	it.each([
		['English pages (50 MB)', undefined],
		['Korean pages (10 MB)', UNIFIED_KO_READING],
	])('%s: 9 MB is uploaded and used; 11 MB is refused before any request', async (_n, reading) => {
		const fake = fakes.evoLink;
		fake.options.unifiedReading = reading && { ...reading };
		const ok = await runImage(
			fakes,
			'evoLink',
			{ operation: 'edit', prompt: 'brighter', binaryFields: 'data', options: FAST },
			{ items: [{ json: {}, binary: { data: image(9 * 1048576) } }] },
		);
		expect(ok.error).toBeUndefined();
		fake.reset();
		const big = await runImage(
			fakes,
			'evoLink',
			{ operation: 'edit', prompt: 'brighter', binaryFields: 'data' },
			{ items: [{ json: {}, binary: { data: image(11 * 1048576) } }] },
		);
		expect(big.error?.message).toMatch(/Input Binary Fields: "data" is 11 MB/);
		expect(big.error?.description).toMatch(/at most 10 MB \(EvoLink's limit per input image\)/);
		expect(fake.counts.total).toBe(0);
	});
});
