/**
 * What the unified-task fakes accept: the documented per-model rules (docs/providers.md,
 * "Create task") and the models each registry provider offers.
 */
import { startFakeProvider, pngBytes } from './index';
import type { FakeProvider } from './index';
import { download, evo, fileForm, inspectPng, pollEvoTask } from './testHelpers';

describe('evoLink fake: request validation', () => {
	let fake: FakeProvider;
	beforeAll(async () => {
		fake = await startFakeProvider('evoLink', { taskDurationMs: 60_000 });
	});
	afterEach(() => fake.reset());
	afterAll(() => fake.close());

	it.each([
		['n > 1 on gpt-image-1.5', { model: 'gpt-image-1.5', prompt: 'x', n: 2 }, /\bn\b/],
		['an unknown field', { model: 'gpt-image-1.5', prompt: 'x', sizee: '1:1' }, /sizee/],
		['a missing prompt', { model: 'gpt-image-1.5' }, /prompt/],
		['a too long prompt for 1.5', { model: 'gpt-image-1.5', prompt: 'p'.repeat(2001) }, /2000/],
		['a ratio size on 1.5', { model: 'gpt-image-1.5', prompt: 'x', size: '16:9' }, /size/],
		[
			'pixels not multiple of 16',
			{ model: 'gpt-image-2', prompt: 'x', size: '1000x1000' },
			/multiples of 16/,
		],
		['too few pixels', { model: 'gpt-image-2', prompt: 'x', size: '512x512' }, /total pixels/],
		['a ratio above 3', { model: 'gpt-image-2', prompt: 'x', size: '3840x1264' }, /3 times/],
		[
			'resolution on 1.5',
			{ model: 'gpt-image-1.5', prompt: 'x', resolution: '1K' },
			/not supported/,
		],
		['an unknown quality', { model: 'gpt-image-1', prompt: 'x', quality: 'ultra' }, /quality/],
		['n = 11', { model: 'gpt-image-1', prompt: 'x', n: 11 }, /between 1 and 10/],
		[
			'17 input images',
			{ model: 'gpt-image-2', prompt: 'x', image_urls: Array(17).fill('https://e.x/a.png') },
			/1 to 16/,
		],
		[
			'a non-http image URL',
			{ model: 'gpt-image-2', prompt: 'x', image_urls: ['ftp://e.x/a.png'] },
			/image_urls\[0\]/,
		],
		[
			'mask_url without image_urls',
			{ model: 'gpt-image-2', prompt: 'x', mask_url: 'https://e.x/m.png' },
			/requires image_urls/,
		],
		[
			'mask_url on 1.5',
			{
				model: 'gpt-image-1.5',
				prompt: 'x',
				image_urls: ['https://e.x/a.png'],
				mask_url: 'https://e.x/m.png',
			},
			/not supported/,
		],
		[
			'background on 1.5',
			{ model: 'gpt-image-1.5', prompt: 'x', background: 'opaque' },
			/not supported/,
		],
		[
			'an http callback',
			{ model: 'gpt-image-1.5', prompt: 'x', callback_url: 'http://hooks.example.com/x' },
			/HTTPS/,
		],
		[
			'a loopback callback',
			{ model: 'gpt-image-1.5', prompt: 'x', callback_url: 'https://127.0.0.1/x' },
			/private/,
		],
		[
			'a private callback',
			{ model: 'gpt-image-1.5', prompt: 'x', callback_url: 'https://192.168.1.20/x' },
			/private/,
		],
		[
			'a localhost callback',
			{ model: 'gpt-image-1.5', prompt: 'x', callback_url: 'https://localhost:8443/x' },
			/private/,
		],
	])('rejects %s with 400 invalid_request', async (_name, body, message) => {
		const res = await evo(fake).submit(body);
		expect(res.status).toBe(400);
		const json: any = await res.json();
		expect(json.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
		expect(json.error.message).toMatch(message);
		expect(fake.counts).toMatchObject({ submissions: 0, submitRequests: 1 });
		expect(fake.tasks.size).toBe(0);
	});

	it('refuses models it does not offer with 403 model_access_denied', async () => {
		const res = await evo(fake).submit({ model: 'dall-e-3', prompt: 'x' });
		expect(res.status).toBe(403);
		expect(((await res.json()) as any).error.code).toBe('model_access_denied');
	});

	it.each([
		{ model: 'gpt-image-2', prompt: 'x', size: 'auto', quality: 'low' },
		{ model: 'gpt-image-2', prompt: 'x', size: '1536\u00d71024' },
		{
			model: 'gpt-image-2',
			prompt: 'x',
			size: '16:9',
			resolution: '2k',
			background: 'transparent',
		},
		{
			model: 'gpt-image-2',
			prompt: 'p'.repeat(5000),
			image_urls: ['https://e.x/a.png'],
			mask_url: 'https://e.x/m.png',
		},
		{ model: 'gpt-image-1', prompt: 'x', n: 10, size: '1024x1536' },
		{ model: 'gpt-image-1.5', prompt: 'x', n: 1, callback_url: 'https://hooks.example.com/done' },
	])('accepts valid request %#', async (body) => {
		expect((await evo(fake).submit(body)).status).toBe(200);
		expect(fake.counts.submissions).toBe(1);
	});
});

// ---------------------------------------------------------------- StarMagic

describe('starMagic fake (unified task API, registry: no files API)', () => {
	let fake: FakeProvider;
	beforeAll(async () => {
		fake = await startFakeProvider('starMagic', { taskDurationMs: 20, apiKey: 'sk-star' });
	});
	afterAll(() => fake.close());

	it('speaks the EvoLink format without gpt-image-1 and without a files API', async () => {
		expect(fake.apiKey).toBe('sk-star');
		const legacy = await evo(fake).submit({ model: 'gpt-image-1', prompt: 'x' });
		expect(legacy.status).toBe(403);
		expect(((await legacy.json()) as any).error.code).toBe('model_access_denied');

		const created: any = await (
			await evo(fake).submit({ model: 'gpt-image-2', prompt: 'x' })
		).json();
		const done = (await pollEvoTask(fake, created.id)).final;
		expect(done.status).toBe('completed');
		expect(inspectPng((await download(done.results[0])).bytes).width).toBe(64);

		const upload = await evo(fake).post(
			'/api/v1/files/upload/stream',
			fileForm(pngBytes(2, 2), 'image/png', 'a.png'),
		);
		expect(upload.status).toBe(404);
		expect(((await upload.json()) as any).error.code).toBe('not_found');
		expect(fake.counts).toMatchObject({ submissions: 1, uploads: 1 });
	});
});
