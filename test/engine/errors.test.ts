import type { INodeParameters } from 'n8n-workflow';

import { pngBytes } from '../fakes';
import { testCredential } from './harness';
import { credentialsFor, FAST, runImage, SECRET, startFakes, stopFakes } from './setup';
import type { Fakes, NodeName } from './setup';

let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

const gen = (extra: INodeParameters): INodeParameters => ({ operation: 'generate', prompt: 'a fox', ...extra });

/** Bad inputs: [node, parameters, expected message start, binary of the item]. */
const BAD_INPUTS: Array<[string, NodeName, INodeParameters, RegExp]> = [
	['empty prompt', 'evoLink', gen({ prompt: '  ' }), /^Prompt: is empty/],
	['prompt over 2000 for gpt-image-1.5', 'starMagic', gen({ prompt: 'x'.repeat(2001) }), /^Prompt: has 2001 characters; GPT Image 1.5 takes at most 2000/],
	['prompt over 2000 on Apiframe gpt-image-2', 'apiframe', gen({ model: 'gpt-image-2', prompt: 'x'.repeat(2001) }), /^Prompt: has 2001/],
	['11 images', 'apiframe', gen({ numberOfImages: 11 }), /^Number of Images: is 11/],
	['bad custom size', 'evoLink', gen({ model: 'gpt-image-2', sizeV2: 'custom', customSize: '1000x1000' }), /^Custom Size: 1000x1000 is not in multiples of 16/],
	['edit without images', 'evoLink', { operation: 'edit', prompt: 'x' }, /^Image URLs: no input image was given/],
	['17 images', 'apiframe', { operation: 'edit', prompt: 'x', imageUrls: Array.from({ length: 17 }, (_, i) => `https://a.example/${i}.png`).join('\n') }, /^Image URLs: 17 input images/],
	['ftp image URL', 'starMagic', { operation: 'edit', prompt: 'x', imageUrls: 'ftp://a.example/x.png' }, /^Image URLs: "ftp:\/\/a.example\/x.png" is not an http\(s\) URL/],
	['gif on EvoLink', 'evoLink', { operation: 'edit', prompt: 'x', imageUrls: 'https://a.example/x.gif' }, /^Image URLs: "x.gif" is a .gif file/],
	['missing binary field', 'evoLink', { operation: 'edit', prompt: 'x', binaryFields: 'photo' }, /^Binary Fields: the input item has no binary field "photo"/],
	['JPEG mask', 'evoLink', { operation: 'edit', model: 'gpt-image-2', prompt: 'x', imageUrls: 'https://a.example/x.png', maskUrl: 'https://a.example/m.jpg' }, /^Mask URL: "m.jpg" is a .jpg file/],
	['quality the model does not take', 'apiframe', gen({ quality: 'ultra' }), /^Quality: "ultra" is not offered by GPT Image 1.5/],
	['background the model does not take', 'apiframe', gen({ model: 'gpt-image-2', backgroundV2: 'transparent' }), /^Background: "transparent" is not offered by GPT Image 2/],
	['http callback', 'evoLink', gen({ options: { callbackUrl: 'http://n8n.example.com/hook' } }), /^Callback URL: must use https/],
	['loopback callback', 'starMagic', gen({ options: { callbackUrl: 'https://127.0.0.1/hook' } }), /^Callback URL: points to a private or local address/],
	['private callback', 'evoLink', gen({ options: { callbackUrl: 'https://192.168.0.10/hook' } }), /^Callback URL: points to a private/],
	['long callback', 'evoLink', gen({ options: { callbackUrl: `https://n8n.example.com/${'x'.repeat(2050)}` } }), /^Callback URL: is 2074 characters long/],
	['bad webhook URL', 'apiframe', gen({ options: { callbackUrl: 'hook' } }), /^Webhook URL: "hook" is not a URL/],
	['Apiframe ID on EvoLink', 'evoLink', { operation: 'waitForTask', taskId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890' }, /^Task ID: "a1b2c3d4-.*" is not a EvoLink task ID/],
	['EvoLink ID on Apiframe', 'apiframe', { operation: 'waitForTask', taskId: 'task-unified-1757156493-imcg5zqt' }, /^Task ID: .* is not a Apiframe task ID/],
	// A literal empty Task ID is stopped by n8n itself (required field); an expression can still be empty.
	['empty task ID from an expression', 'starMagic', { operation: 'waitForTask', taskId: '={{ $json.missing ?? "" }}' }, /^Task ID: is empty/],
];

describe('bad input fails before any request', () => {
	it.each(BAD_INPUTS)('%s', async (_name, node, parameters, message) => {
		const result = await runImage(fakes, node, parameters);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(message);
		expect(result.error?.description).toEqual(expect.any(String));
		expect(fakes[node].requests).toHaveLength(0);
	});

	it('a bad second item stops the node before the first is submitted', async () => {
		const result = await runImage(fakes, 'evoLink', gen({ prompt: '={{ $json.prompt }}' }), { items: [{ json: { prompt: 'good' } }, { json: { prompt: '' } }] });
		expect(result.error?.message).toMatch(/^Prompt: is empty/);
		expect(fakes.evoLink.requests).toHaveLength(0);
	});

	it('a binary of a type the provider does not read is refused before upload', async () => {
		const result = await runImage(fakes, 'evoLink', { operation: 'edit', prompt: 'x', binaryFields: 'data' }, { items: [{ json: {}, binary: { data: { buffer: Buffer.from('%PDF-1.4'), mimeType: 'application/pdf', fileName: 'a.pdf' } } }] });
		expect(result.error?.message).toMatch(/^Binary Fields: "data" is application\/pdf/);
		expect(fakes.evoLink.requests).toHaveLength(0);
	});
});

describe('provider failures', () => {
	it.each(['starMagic', 'evoLink', 'apiframe'] as NodeName[])('%s: an HTTP error carries the provider message', async (node) => {
		fakes[node].inject({ route: 'submit', status: 402 });
		const result = await runImage(fakes, node, gen({}));
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(node === 'apiframe' ? /^Apiframe: Insufficient credits/ : /: .*(quota|credit)/i);
		expect(fakes[node].counts.submissions).toBe(0);
	});

	it.each(['starMagic', 'evoLink', 'apiframe'] as NodeName[])('%s: a failed task reports its code and message', async (node) => {
		const result = await runImage(fakes, node, gen({ prompt: 'forbidden [fail:content_policy_violation]', options: FAST }));
		expect(result.error?.message).toMatch(/Task .* failed: /);
		expect(result.error?.description).toMatch(/safety filter/);
		if (node !== 'apiframe') expect(result.error?.description).toMatch(/Code: content_policy_violation/);
	});

	it('a wrong key is reported without echoing it', async () => {
		const credentials = credentialsFor(fakes);
		const result = await runImage(fakes, 'evoLink', gen({}), {});
		expect(result.status).toBe('success');
		fakes.evoLink.options.apiKey = 'sk-other';
		try {
			const denied = await runImage(fakes, 'evoLink', gen({}));
			expect(denied.error?.message).toMatch(/^EvoLink: /);
			expect(denied.error?.description).toMatch(/API key/);
			expect(JSON.stringify(denied.run)).not.toContain(SECRET.evoLink);
		} finally {
			fakes.evoLink.options.apiKey = String(credentials.evoLinkApi.apiKey);
		}
	});

	it('Max Wait ends with the task ID and the next step', async () => {
		const result = await runImage(fakes, 'apiframe', gen({ prompt: 'slow [never]', options: { ...FAST, maxWaitSeconds: 2 } }));
		const taskId = [...fakes.apiframe.tasks.keys()][0];
		expect(result.error?.message).toMatch(new RegExp(`^Apiframe: Task ${taskId} did not finish within 2 s \\(last status: processing, \\d+%\\)$`));
		expect(result.error?.description).toMatch(/Wait for Task operation and task ID/);
		expect(fakes.apiframe.counts.statusPolls).toBeLessThanOrEqual(3);
	});

	it('Continue On Fail: the failing item yields one paired error item, the others go on', async () => {
		const prompts = ['one', 'two [fail:generation_timeout]', 'three'];
		const result = await runImage(fakes, 'evoLink', gen({ prompt: '={{ $json.prompt }}', options: FAST }), { items: prompts.map((prompt) => ({ json: { prompt } })), continueOnFail: true });
		expect(result.status).toBe('success');
		const out = result.output();
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json.prompt).toBe('one');
		expect(out[1].json.error).toMatch(/failed: /);
		expect(out[1].json.description).toMatch(/temporary provider problem/);
		expect(out[2].json.prompt).toBe('three');
	});

	it('Continue On Fail also covers bad input: the bad item errors, nothing is sent for it', async () => {
		const result = await runImage(fakes, 'apiframe', gen({ prompt: '={{ $json.prompt }}', options: FAST }), {
			items: [{ json: { prompt: 'ok' } }, { json: { prompt: '' } }],
			continueOnFail: true,
		});
		const out = result.output();
		expect(out[0].json.status).toBe('completed');
		expect(out[1]).toEqual({ json: { error: 'Prompt: is empty', description: expect.any(String) }, pairedItem: { item: 1 } });
		expect(fakes.apiframe.counts.submissions).toBe(1);
	});

	it('StarMagic/EvoLink: a 500 after submit is not retried and says a task may exist', async () => {
		fakes.evoLink.inject({ route: 'submit', status: 500, createTask: true });
		const result = await runImage(fakes, 'evoLink', gen({}));
		expect(result.error?.description).toMatch(/may have created \(and billed\) a task/);
		expect(fakes.evoLink.counts.submitRequests).toBe(1);
	});

	it('Apiframe: a 502 on submit is retried with the same Idempotency-Key, billed once', async () => {
		fakes.apiframe.inject({ route: 'submit', status: 502, createTask: true });
		const result = await runImage(fakes, 'apiframe', gen({ options: FAST }));
		expect(result.status).toBe('success');
		const keys = fakes.apiframe.requests.filter((r) => r.route === 'submit').map((r) => r.headers['idempotency-key']);
		expect(keys).toHaveLength(2);
		expect(keys[0]).toBe(keys[1]);
		expect(fakes.apiframe.counts.submissions).toBe(1);
	});

	it('a status poll answered 429 is retried', async () => {
		fakes.starMagic.inject({ route: 'status', status: 429, headers: { 'Retry-After': '1' } });
		const result = await runImage(fakes, 'starMagic', gen({ options: FAST }));
		expect(result.status).toBe('success');
	});

	it('an expired result URL says so', async () => {
		fakes.evoLink.inject({ route: 'download', status: 404, body: { error: { code: 'not_found', message: 'gone' } } });
		const result = await runImage(fakes, 'evoLink', gen({ options: FAST }));
		expect(result.error?.message).toMatch(/Could not download the result image: the image URL answered 404/);
		expect(result.error?.description).toMatch(/expire about 24 hours/);
	});
});

describe('credential tests', () => {
	it.each([
		['starMagicApi', 'starMagic'],
		['evoLinkApi', 'evoLink'],
		['apiframeApi', 'apiframe'],
	] as Array<[string, NodeName]>)('%s: OK with the right key, Error with a wrong one', async (type, node) => {
		const data = credentialsFor(fakes)[type];
		expect((await testCredential(type, data)).status).toBe('OK');
		const bad = await testCredential(type, { ...data, apiKey: 'wrong' });
		expect(bad.status).toBe('Error');
		expect(bad.httpStatus).toBe(401);
		expect(fakes[node].counts.keyChecks).toBe(2);
	});
});

describe('secrets', () => {
	it('the API key appears in no output or error, whatever happened', async () => {
		const runs = await Promise.all([
			runImage(fakes, 'evoLink', gen({ options: FAST })),
			runImage(fakes, 'apiframe', { operation: 'edit', prompt: 'x', binaryFields: 'data', options: FAST }, { items: [{ json: {}, binary: { data: { buffer: pngBytes(8, 8), mimeType: 'image/png', fileName: 'a.png' } } }] }),
			runImage(fakes, 'starMagic', gen({ prompt: 'bad [fail:content_policy_violation]', options: FAST })),
			runImage(fakes, 'starMagic', { operation: 'waitForTask', taskId: 'task-unified-1-missing' }),
		]);
		const text = JSON.stringify(runs.map((r) => r.run));
		for (const key of Object.values(SECRET)) expect(text).not.toContain(key);
	});
});
