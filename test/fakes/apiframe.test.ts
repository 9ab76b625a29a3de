/** Tests for the Apiframe v2 fake over real HTTP (docs/providers.md, "Apiframe"). */
import { startFakeProvider, pngBytes } from './index';
import type { FakeProvider } from './index';
import { af, download, fileForm, inspectPng, pollJob, UUID } from './testHelpers';

const TASK_MS = 80;

// ---------------------------------------------------------------- Apiframe

describe('apiframe fake', () => {
	let fake: FakeProvider;
	const body15 = (params: Record<string, unknown> = {}, prompt = 'a fox') => ({
		model: 'gpt-image-1.5',
		prompt,
		gptImageParams: params,
	});

	beforeAll(async () => {
		fake = await startFakeProvider('apiframe', { taskDurationMs: TASK_MS });
	});
	afterEach(() => {
		fake.reset();
		fake.options.taskDurationMs = TASK_MS;
	});
	afterAll(() => fake.close());

	it('checks X-API-Key', async () => {
		const missing = await fetch(`${fake.baseUrl}/v2/me`);
		expect(missing.status).toBe(401);
		expect(await missing.json()).toEqual({ error: 'API key is required' });
		const wrong = await fetch(`${fake.baseUrl}/v2/me`, { headers: { 'x-api-key': 'afk_wrong' } });
		expect(await wrong.json()).toEqual({ error: 'Invalid API key' });
		const me: any = await (await af(fake).get('/v2/me')).json();
		expect(me).toMatchObject({
			user: { role: 'OWNER' },
			team: { credits: 1000, plan: 'pro', customerId: null },
			apiKey: { prefix: 'afk_' },
		});
		expect(fake.counts.keyChecks).toBe(3);
	});

	it('runs generate (202) -> job polling -> WebP download by default', async () => {
		const res = await af(fake).submit(body15({ quality: 'high', number_of_images: 2 }));
		expect(res.status).toBe(202);
		expect(res.headers.get('x-request-id')).toMatch(UUID);
		const accepted: any = await res.json();
		expect(accepted).toEqual({ jobId: expect.stringMatching(UUID), status: 'QUEUED' });

		const { final, seen } = await pollJob(fake, accepted.jobId);
		expect(seen).toContain('PROCESSING');
		expect(final).toMatchObject({
			status: 'COMPLETED',
			progress: 100,
			error: null,
			creditCost: 48,
			webhookStatus: null,
			model: 'gpt-image-1.5',
		});
		expect(Date.parse(final.completedAt) - Date.parse(final.createdAt)).toBe(TASK_MS);
		expect(final.result.images).toHaveLength(2);
		const image = await download(final.result.images[0]);
		expect(final.result.images[0]).toMatch(/-1\.webp$/);
		expect(image.type).toBe('image/webp');
		expect(image.bytes.toString('latin1', 0, 4) + image.bytes.toString('latin1', 8, 12)).toBe(
			'RIFFWEBP',
		);
	});

	it('serves png and jpeg results with matching content types, and the string result shape', async () => {
		fake.options.taskDurationMs = 0;
		fake.options.apiframeResultShape = 'string';
		try {
			const jobs = await Promise.all(
				['png', 'jpeg'].map(
					async (format) =>
						((await (await af(fake).submit(body15({ output_format: format }))).json()) as any)
							.jobId,
				),
			);
			const [png, jpeg] = await Promise.all(
				jobs.map(async (id) => (await pollJob(fake, id)).final),
			);
			expect(typeof png.result).toBe('string');
			const pngImage = await download(png.result);
			expect(pngImage.type).toBe('image/png');
			inspectPng(pngImage.bytes);
			const jpegImage = await download(jpeg.result);
			expect(jpegImage.type).toBe('image/jpeg');
			expect(jpegImage.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
		} finally {
			delete fake.options.apiframeResultShape;
		}
	});

	it.each([
		['an unknown top-level field', { ...body15(), n: 2 }, 'n', /Unrecognized/],
		[
			'the other model params object',
			{ model: 'gpt-image-1.5', prompt: 'x', gptImage2Params: {} },
			'gptImage2Params',
			/Unrecognized/,
		],
		[
			'a bad aspect ratio',
			body15({ aspect_ratio: '16:9' }),
			'gptImageParams.aspect_ratio',
			/Invalid enum value/,
		],
		[
			'moderation on 1.5',
			body15({ moderation: 'low' }),
			'gptImageParams.moderation',
			/Unrecognized/,
		],
		[
			'transparent background on 2',
			{ model: 'gpt-image-2', prompt: 'x', gptImage2Params: { background: 'transparent' } },
			'gptImage2Params.background',
			/Invalid enum/,
		],
		[
			'11 images',
			body15({ number_of_images: 11 }),
			'gptImageParams.number_of_images',
			/less than or equal to 10/,
		],
		[
			'input_images as a string',
			body15({ input_images: 'https://e.x/a.png' }),
			'gptImageParams.input_images',
			/Expected array/,
		],
		['an empty prompt', body15({}, ''), 'prompt', /at least 1/],
		['a long prompt', body15({}, 'p'.repeat(2001)), 'prompt', /at most 2000/],
		[
			'an empty webhookEvents',
			{ ...body15(), webhookUrl: 'https://hooks.example.com', webhookEvents: [] },
			'webhookEvents',
			/at least 1/,
		],
		['gpt-image-1', { model: 'gpt-image-1', prompt: 'x' }, 'model', /discriminator/],
	])('rejects %s with Validation failed details', async (_name, body, path, message) => {
		const res = await af(fake).submit(body);
		expect(res.status).toBe(400);
		const json: any = await res.json();
		expect(json.error).toBe('Validation failed');
		expect(json.details[path][0]).toMatch(message);
		expect(fake.counts.submissions).toBe(0);
	});

	it('replays an idempotent submission without billing again and refuses a changed body', async () => {
		const key = { 'idempotency-key': 'order-42' };
		const first: any = await (await af(fake).submit(body15({ quality: 'low' }), key)).json();
		const replay = await af(fake).submit(
			'{"gptImageParams":{"quality":"low"},"prompt":"a fox","model":"gpt-image-1.5"}',
			key,
		);
		expect(replay.status).toBe(202);
		expect(((await replay.json()) as any).jobId).toBe(first.jobId);
		expect(fake.counts).toMatchObject({ submissions: 1, replays: 1, submitRequests: 2 });

		const changed = await af(fake).submit(body15({ quality: 'high' }), key);
		expect(changed.status).toBe(409);
		expect(await changed.json()).toEqual({
			error: 'Idempotency key reused with a different request body',
		});
		expect(fake.tasks.size).toBe(1);
	});

	it('answers bad and unknown job ids', async () => {
		const bad = await af(fake).get('/v2/jobs/not-a-uuid');
		expect([bad.status, await bad.json()]).toEqual([400, { error: 'Invalid job id' }]);
		const unknown = await af(fake).get('/v2/jobs/00000000-0000-4000-8000-000000000000');
		expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'Job not found' }]);
	});

	it('lists jobs newest first with cursor paging, filters and limit checks', async () => {
		fake.options.taskDurationMs = 60_000;
		const ids: string[] = [];
		for (const prompt of ['one', 'two', 'three'])
			ids.push(((await (await af(fake).submit(body15({}, prompt))).json()) as any).jobId);

		const page1: any = await (await af(fake).get('/v2/jobs?limit=2')).json();
		expect(page1.jobs.map((j: any) => j.id)).toEqual([ids[2], ids[1]]);
		expect(page1).toMatchObject({ hasMore: true, nextCursor: ids[1] });
		const page2: any = await (
			await af(fake).get(`/v2/jobs?limit=2&cursor=${page1.nextCursor}`)
		).json();
		expect(page2).toMatchObject({ jobs: [{ id: ids[0] }], hasMore: false, nextCursor: null });

		const found: any = await (await af(fake).get(`/v2/jobs?search=${ids[1]}`)).json();
		expect(found.jobs.map((j: any) => j.id)).toEqual([ids[1]]);
		const done: any = await (await af(fake).get('/v2/jobs?status=COMPLETED')).json();
		expect(done.jobs).toEqual([]);
		const badLimit = await af(fake).get('/v2/jobs?limit=0');
		expect(badLimit.status).toBe(400);
		expect(fake.counts.listPolls).toBe(5);
	});

	it('reports prompt-driven failures as FAILED jobs with a refund', async () => {
		fake.options.taskDurationMs = 20;
		const { jobId } = (await (
			await af(fake).submit(body15({ quality: 'high' }, '[fail:content_policy_violation] x'))
		).json()) as any;
		const { final } = await pollJob(fake, jobId);
		expect(final).toMatchObject({
			status: 'FAILED',
			progress: 0,
			result: null,
			error: 'Provider returned an error: content policy violation',
			creditCost: 0,
		});
		expect(final.completedAt).not.toBeNull();
	});

	it('accepts uploads by magic bytes and serves them from the CDN', async () => {
		const png = pngBytes(4, 4);
		const res = await af(fake).upload(fileForm(png, 'application/octet-stream', 'whatever.bin'));
		expect(res.status).toBe(201);
		const json: any = await res.json();
		expect(json).toMatchObject({
			id: expect.stringMatching(UUID),
			kind: 'image',
			contentType: 'image/png',
			byteSize: png.length,
		});
		const served = await download(json.url);
		expect(served.type).toBe('image/png');
		expect(served.bytes.equals(png)).toBe(true);

		const text = await af(fake).upload(
			fileForm(Buffer.from('just some text, no magic'), 'image/png', 'a.png'),
		);
		expect(text.status).toBe(400);
		expect(((await text.json()) as any).details.file).toEqual(['Unsupported file type']);
		const none = await af(fake).upload(new FormData());
		expect(none.status).toBe(400);
		expect(fake.counts.uploads).toBe(3);
	});
});
