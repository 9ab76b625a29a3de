/**
 * Tests for the fake provider servers themselves, so engine and node tests can trust them.
 * Everything talks real HTTP through Node's global fetch.
 */
import * as zlib from 'zlib';
import { startFakeProvider, pngBytes, FakeProvider } from './index';

const PNG_SIGNATURE = '89504e470d0a1a0a';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TASK_MS = 80;

// ---------------------------------------------------------------- helpers

/** Polls `probe` until it returns something other than undefined. */
async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 2000, everyMs = 10): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error('waitFor timed out');
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}

/** Walks a PNG: checks the signature and every chunk CRC, returns chunk types and size. */
function inspectPng(bytes: Buffer): { width: number; height: number; chunks: string[] } {
	expect(bytes.subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);
	const chunks: string[] = [];
	let offset = 8;
	while (offset < bytes.length) {
		const length = bytes.readUInt32BE(offset);
		const typeAndData = bytes.subarray(offset + 4, offset + 8 + length);
		expect(zlib.crc32(typeAndData)).toBe(bytes.readUInt32BE(offset + 8 + length));
		chunks.push(typeAndData.subarray(0, 4).toString('ascii'));
		offset += 12 + length;
	}
	expect(offset).toBe(bytes.length);
	return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), chunks };
}

async function download(url: string): Promise<{ status: number; type: string | null; length: number; bytes: Buffer }> {
	const res = await fetch(url);
	const bytes = Buffer.from(await res.arrayBuffer());
	return { status: res.status, type: res.headers.get('content-type'), length: Number(res.headers.get('content-length')), bytes };
}

function evo(fake: FakeProvider) {
	const headers = { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' };
	return {
		submit: (body: unknown, extra: Record<string, string> = {}) =>
			fetch(`${fake.baseUrl}/v1/images/generations`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) }),
		task: (id: string) => fetch(`${fake.baseUrl}/v1/tasks/${id}`, { headers }),
		get: (path: string) => fetch(`${fake.baseUrl}${path}`, { headers }),
		post: (path: string, body: FormData | string, contentType?: string) =>
			fetch(`${fake.baseUrl}${path}`, {
				method: 'POST',
				headers: contentType ? { authorization: headers.authorization, 'content-type': contentType } : { authorization: headers.authorization },
				body,
			}),
	};
}

function af(fake: FakeProvider) {
	const headers = { 'x-api-key': fake.apiKey, 'content-type': 'application/json' };
	return {
		submit: (body: unknown, extra: Record<string, string> = {}) =>
			fetch(`${fake.baseUrl}/v2/images/generate`, { method: 'POST', headers: { ...headers, ...extra }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
		get: (path: string) => fetch(`${fake.baseUrl}${path}`, { headers }),
		upload: (form: FormData) => fetch(`${fake.baseUrl}/v2/uploads`, { method: 'POST', headers: { 'x-api-key': fake.apiKey }, body: form }),
	};
}

function fileForm(bytes: Buffer, type: string, name: string, fields: Record<string, string> = {}): FormData {
	const form = new FormData();
	for (const [key, value] of Object.entries(fields)) form.append(key, value);
	form.append('file', new Blob([bytes], { type }), name);
	return form;
}

/** Polls an EvoLink-style task until it stops running, logging what each poll saw. */
async function pollEvoTask(fake: FakeProvider, id: string) {
	const seen: Array<{ sentAt: number; receivedAt: number; body: any }> = [];
	const final = await waitFor(async () => {
		const sentAt = Date.now();
		const body: any = await (await evo(fake).task(id)).json();
		seen.push({ sentAt, receivedAt: Date.now(), body });
		return body.status === 'completed' || body.status === 'failed' ? body : undefined;
	});
	return { final, seen };
}

async function pollJob(fake: FakeProvider, id: string) {
	const seen: string[] = [];
	const final = await waitFor(async () => {
		const job: any = await (await af(fake).get(`/v2/jobs/${id}`)).json();
		seen.push(job.status);
		return job.status === 'COMPLETED' || job.status === 'FAILED' ? job : undefined;
	});
	return { final, seen };
}

// ---------------------------------------------------------------- pngBytes

describe('pngBytes', () => {
	it('builds a valid RGB PNG of the requested size', () => {
		const png = pngBytes(7, 5);
		expect(inspectPng(png)).toEqual({ width: 7, height: 5, chunks: ['IHDR', 'IDAT', 'IEND'] });
		const idat = png.subarray(8 + 25 + 8, 8 + 25 + 8 + png.readUInt32BE(8 + 25));
		expect(zlib.inflateSync(idat).length).toBe(5 * (1 + 7 * 3));
	});
});

// ---------------------------------------------------------------- EvoLink

describe('evolink fake', () => {
	let fake: FakeProvider;
	beforeAll(async () => {
		fake = await startFakeProvider('evolink', { taskDurationMs: TASK_MS });
	});
	afterEach(() => {
		fake.reset();
		fake.options.taskDurationMs = TASK_MS;
	});
	afterAll(() => fake.close());

	it('runs submit -> honest polling -> PNG download', async () => {
		// 1.5 s, so the first poll still sees an unfinished task even on a loaded machine.
		const res = await evo(fake).submit({ model: 'gpt-image-2', prompt: 'a red fox [slow:1500]', n: 2, size: '1:1' });
		expect(res.status).toBe(200);
		const created: any = await res.json();
		expect(created).toMatchObject({
			id: expect.stringMatching(/^task-unified-\d+-[a-z0-9]{8}$/),
			model: 'gpt-image-2',
			object: 'image.generation.task',
			progress: 0,
			status: 'pending',
			task_info: { can_cancel: true, estimated_time: expect.any(Number) },
			type: 'image',
			usage: { billing_rule: 'per_call', credits_reserved: 5, user_group: 'default' },
		});

		const { final, seen } = await pollEvoTask(fake, created.id);
		const task = fake.tasks.get(created.id)!;
		for (const poll of seen) {
			if (poll.body.status === 'completed') expect(poll.receivedAt).toBeGreaterThanOrEqual(task.doneAt!);
			else expect(poll.sentAt).toBeLessThan(task.doneAt!);
		}
		expect(seen[0].body.status).not.toBe('completed');
		expect(final).toMatchObject({ status: 'completed', progress: 100, task_info: { can_cancel: false } });
		expect(final.results).toHaveLength(2);

		for (const url of final.results) {
			const image = await download(url);
			expect(image).toMatchObject({ status: 200, type: 'image/png', length: image.bytes.length });
			expect(inspectPng(image.bytes)).toMatchObject({ width: 64, height: 64 });
		}
		expect(fake.counts).toMatchObject({ submissions: 1, downloads: 2, statusPolls: seen.length });
	});

	it('does not serve result images before the task has completed', async () => {
		const created: any = await (await evo(fake).submit({ model: 'gpt-image-1.5', prompt: 'early' })).json();
		const early = await download(fake.tasks.get(created.id)!.images[0]);
		expect(early.status).toBe(404);
	});

	it('rejects missing or wrong keys with the documented envelopes', async () => {
		const noKey = await fetch(`${fake.baseUrl}/v1/images/generations`, { method: 'POST', body: '{}' });
		expect(noKey.status).toBe(401);
		expect(await noKey.json()).toEqual({ error: { code: 'unauthorized', message: 'Invalid or missing API key', type: 'authentication_error' } });

		const badCredits = await fetch(`${fake.baseUrl}/v1/credits`, { headers: { authorization: 'Bearer nope' } });
		expect(badCredits.status).toBe(401);
		expect(((await badCredits.json()) as any).error.code).toBe(401);

		const credits: any = await (await evo(fake).get('/v1/credits')).json();
		expect(credits.data.token.remaining_credits).toBeGreaterThan(0);
		expect(fake.counts).toMatchObject({ keyChecks: 2, total: 3 });
		expect(fake.requests.map((r) => r.route)).toEqual(['submit', 'keycheck', 'keycheck']);
	});

	it.each([
		['n > 1 on gpt-image-1.5', { model: 'gpt-image-1.5', prompt: 'x', n: 2 }, /\bn\b/],
		['an unknown field', { model: 'gpt-image-1.5', prompt: 'x', sizee: '1:1' }, /sizee/],
		['a missing prompt', { model: 'gpt-image-1.5' }, /prompt/],
		['a too long prompt for 1.5', { model: 'gpt-image-1.5', prompt: 'p'.repeat(2001) }, /2000/],
		['a ratio size on 1.5', { model: 'gpt-image-1.5', prompt: 'x', size: '16:9' }, /size/],
		['pixels not multiple of 16', { model: 'gpt-image-2', prompt: 'x', size: '1000x1000' }, /multiples of 16/],
		['too few pixels', { model: 'gpt-image-2', prompt: 'x', size: '512x512' }, /total pixels/],
		['a ratio above 3', { model: 'gpt-image-2', prompt: 'x', size: '3840x1264' }, /3 times/],
		['resolution on 1.5', { model: 'gpt-image-1.5', prompt: 'x', resolution: '1K' }, /not supported/],
		['an unknown quality', { model: 'gpt-image-1', prompt: 'x', quality: 'ultra' }, /quality/],
		['n = 11', { model: 'gpt-image-1', prompt: 'x', n: 11 }, /between 1 and 10/],
		['17 input images', { model: 'gpt-image-2', prompt: 'x', image_urls: Array(17).fill('https://e.x/a.png') }, /1 to 16/],
		['a non-http image URL', { model: 'gpt-image-2', prompt: 'x', image_urls: ['ftp://e.x/a.png'] }, /image_urls\[0\]/],
		['mask_url without image_urls', { model: 'gpt-image-2', prompt: 'x', mask_url: 'https://e.x/m.png' }, /requires image_urls/],
		['mask_url on 1.5', { model: 'gpt-image-1.5', prompt: 'x', image_urls: ['https://e.x/a.png'], mask_url: 'https://e.x/m.png' }, /not supported/],
		['background on 1.5', { model: 'gpt-image-1.5', prompt: 'x', background: 'opaque' }, /not supported/],
		['an http callback', { model: 'gpt-image-1.5', prompt: 'x', callback_url: 'http://hooks.example.com/x' }, /HTTPS/],
		['a loopback callback', { model: 'gpt-image-1.5', prompt: 'x', callback_url: 'https://127.0.0.1/x' }, /private/],
		['a private callback', { model: 'gpt-image-1.5', prompt: 'x', callback_url: 'https://192.168.1.20/x' }, /private/],
		['a localhost callback', { model: 'gpt-image-1.5', prompt: 'x', callback_url: 'https://localhost:8443/x' }, /private/],
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
		{ model: 'gpt-image-2', prompt: 'x', size: '16:9', resolution: '2k', background: 'transparent' },
		{ model: 'gpt-image-2', prompt: 'p'.repeat(5000), image_urls: ['https://e.x/a.png'], mask_url: 'https://e.x/m.png' },
		{ model: 'gpt-image-1', prompt: 'x', n: 10, size: '1024x1536' },
		{ model: 'gpt-image-1.5', prompt: 'x', n: 1, callback_url: 'https://hooks.example.com/done' },
	])('accepts valid request %#', async (body) => {
		expect((await evo(fake).submit(body)).status).toBe(200);
		expect(fake.counts.submissions).toBe(1);
	});

	it('answers bad and unknown task ids like the docs', async () => {
		const bad = await evo(fake).task('abc');
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as any).error).toMatchObject({ code: 'invalid_task_id', param: 'task_id' });
		const unknown = await evo(fake).task('task-unified-1-zzzzzzzz');
		expect(unknown.status).toBe(404);
		expect(((await unknown.json()) as any).error.code).toBe('task_not_found');
	});

	it('fails, delays or never finishes tasks on prompt directives', async () => {
		fake.options.taskDurationMs = 30;
		const ids = await Promise.all(
			['[fail:content_policy_violation] a', '[never] b', '[slow:120] c'].map(async (prompt) => ((await (await evo(fake).submit({ model: 'gpt-image-1.5', prompt })).json()) as any).id),
		);
		const [failing, never, slow] = ids;

		const failed = (await pollEvoTask(fake, failing)).final;
		expect(failed).toMatchObject({ status: 'failed', error: { code: 'content_policy_violation', type: 'task_error' } });
		expect(failed.error.message).toMatch(/safety/);
		expect(failed.results).toBeUndefined();

		expect(fake.tasks.get(slow)!.durationMs).toBe(120);
		const { seen } = await pollEvoTask(fake, slow);
		expect(seen[seen.length - 1].receivedAt).toBeGreaterThanOrEqual(fake.tasks.get(slow)!.createdAt + 120);

		const stuck: any = await (await evo(fake).task(never)).json();
		expect(stuck).toMatchObject({ status: 'processing', progress: 99 });
		expect(fake.tasks.get(never)).toMatchObject({ outcome: 'never', doneAt: null });
	});

	it('uploads images through the files API and serves them back', async () => {
		const png = pngBytes(9, 9);
		const res = await evo(fake).post('/api/v1/files/upload/stream', fileForm(png, 'image/png', 'in.png', { upload_path: 'refs' }));
		expect(res.status).toBe(200);
		const json: any = await res.json();
		expect(json).toMatchObject({ success: true, code: 200, data: { file_name: 'in.png', original_name: 'in.png', file_size: png.length, mime_type: 'image/png', upload_path: 'refs' } });
		expect(json.data.file_id).toMatch(/^file_/);
		expect(Date.parse(json.data.expires_at) - Date.parse(json.data.upload_time)).toBe(72 * 3600 * 1000);
		for (const url of [json.data.file_url, json.data.download_url]) {
			const served = await download(url);
			expect(served.type).toBe('image/png');
			expect(served.bytes.equals(png)).toBe(true);
		}
		expect(fake.requests[0].body).toEqual({ fields: { upload_path: 'refs' }, files: [{ field: 'file', fileName: 'in.png', contentType: 'image/png', size: png.length }] });

		const fromBase64: any = await (await evo(fake).post('/api/v1/files/upload/base64', JSON.stringify({ base64_data: `data:image/png;base64,${png.toString('base64')}`, file_name: 'b.png' }), 'application/json')).json();
		expect(fromBase64.data).toMatchObject({ file_name: 'b.png', mime_type: 'image/png', file_size: png.length });
		expect(fake.counts.uploads).toBe(2);
	});

	it('refuses non-images and empty uploads with file-API business errors', async () => {
		const disguised = await evo(fake).post('/api/v1/files/upload/stream', fileForm(Buffer.from('<html>not an image</html>'), 'image/png', 'x.png'));
		expect(disguised.status).toBe(400);
		expect(await disguised.json()).toEqual({ success: false, code: 40002, msg: 'File type not allowed' });

		const form = new FormData();
		form.append('upload_path', 'x');
		const missing: any = await (await evo(fake).post('/api/v1/files/upload/stream', form)).json();
		expect(missing).toMatchObject({ success: false, code: 40000 });

		fake.options.fileErrorStatus = 200; // the docs leave the HTTP status open
		const pdf = await evo(fake).post('/api/v1/files/upload/stream', fileForm(Buffer.from('%PDF-1.7 ........'), 'application/pdf', 'x.pdf'));
		expect(pdf.status).toBe(200);
		expect(((await pdf.json()) as any).success).toBe(false);
		delete fake.options.fileErrorStatus;
	});

	it('pads result images to resultBytes while keeping them valid PNGs', async () => {
		fake.options.taskDurationMs = 0;
		fake.options.resultBytes = 3 * 1024 * 1024 + 7;
		try {
			const created: any = await (await evo(fake).submit({ model: 'gpt-image-1.5', prompt: 'big' })).json();
			const done = (await pollEvoTask(fake, created.id)).final;
			const image = await download(done.results[0]);
			expect(image.bytes.length).toBe(3 * 1024 * 1024 + 7);
			expect(image.length).toBe(image.bytes.length);
			expect(inspectPng(image.bytes).chunks).toEqual(['IHDR', 'IDAT', 'pdLd', 'IEND']);
		} finally {
			delete fake.options.resultBytes;
		}
	});
});

// ---------------------------------------------------------------- StarMagic

describe('starmagic fake', () => {
	let fake: FakeProvider;
	beforeAll(async () => {
		fake = await startFakeProvider('starmagic', { taskDurationMs: 20, apiKey: 'sk-star' });
	});
	afterAll(() => fake.close());

	it('speaks the EvoLink format without gpt-image-1 and without a files API', async () => {
		expect(fake.apiKey).toBe('sk-star');
		const legacy = await evo(fake).submit({ model: 'gpt-image-1', prompt: 'x' });
		expect(legacy.status).toBe(403);
		expect(((await legacy.json()) as any).error.code).toBe('model_access_denied');

		const created: any = await (await evo(fake).submit({ model: 'gpt-image-2', prompt: 'x' })).json();
		const done = (await pollEvoTask(fake, created.id)).final;
		expect(done.status).toBe('completed');
		expect(inspectPng((await download(done.results[0])).bytes).width).toBe(64);

		const upload = await evo(fake).post('/api/v1/files/upload/stream', fileForm(pngBytes(2, 2), 'image/png', 'a.png'));
		expect(upload.status).toBe(404);
		expect(((await upload.json()) as any).error.code).toBe('not_found');
		expect(fake.counts).toMatchObject({ submissions: 1, uploads: 1 });
	});
});

// ---------------------------------------------------------------- Apiframe

describe('apiframe fake', () => {
	let fake: FakeProvider;
	const body15 = (params: Record<string, unknown> = {}, prompt = 'a fox') => ({ model: 'gpt-image-1.5', prompt, gptImageParams: params });

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
		expect(me).toMatchObject({ user: { role: 'OWNER' }, team: { credits: 1000, plan: 'pro', customerId: null }, apiKey: { prefix: 'afk_' } });
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
		expect(final).toMatchObject({ status: 'COMPLETED', progress: 100, error: null, creditCost: 48, webhookStatus: null, model: 'gpt-image-1.5' });
		expect(Date.parse(final.completedAt) - Date.parse(final.createdAt)).toBe(TASK_MS);
		expect(final.result.images).toHaveLength(2);
		const image = await download(final.result.images[0]);
		expect(final.result.images[0]).toMatch(/-1\.webp$/);
		expect(image.type).toBe('image/webp');
		expect(image.bytes.toString('latin1', 0, 4) + image.bytes.toString('latin1', 8, 12)).toBe('RIFFWEBP');
	});

	it('serves png and jpeg results with matching content types, and the string result shape', async () => {
		fake.options.taskDurationMs = 0;
		fake.options.apiframeResultShape = 'string';
		try {
			const jobs = await Promise.all(
				['png', 'jpeg'].map(async (format) => ((await (await af(fake).submit(body15({ output_format: format }))).json()) as any).jobId),
			);
			const [png, jpeg] = await Promise.all(jobs.map(async (id) => (await pollJob(fake, id)).final));
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
		['the other model params object', { model: 'gpt-image-1.5', prompt: 'x', gptImage2Params: {} }, 'gptImage2Params', /Unrecognized/],
		['a bad aspect ratio', body15({ aspect_ratio: '16:9' }), 'gptImageParams.aspect_ratio', /Invalid enum value/],
		['moderation on 1.5', body15({ moderation: 'low' }), 'gptImageParams.moderation', /Unrecognized/],
		['transparent background on 2', { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { background: 'transparent' } }, 'gptImage2Params.background', /Invalid enum/],
		['11 images', body15({ number_of_images: 11 }), 'gptImageParams.number_of_images', /less than or equal to 10/],
		['input_images as a string', body15({ input_images: 'https://e.x/a.png' }), 'gptImageParams.input_images', /Expected array/],
		['an empty prompt', body15({}, ''), 'prompt', /at least 1/],
		['a long prompt', body15({}, 'p'.repeat(2001)), 'prompt', /at most 2000/],
		['an empty webhookEvents', { ...body15(), webhookUrl: 'https://hooks.example.com', webhookEvents: [] }, 'webhookEvents', /at least 1/],
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
		const replay = await af(fake).submit('{"gptImageParams":{"quality":"low"},"prompt":"a fox","model":"gpt-image-1.5"}', key);
		expect(replay.status).toBe(202);
		expect(((await replay.json()) as any).jobId).toBe(first.jobId);
		expect(fake.counts).toMatchObject({ submissions: 1, replays: 1, submitRequests: 2 });

		const changed = await af(fake).submit(body15({ quality: 'high' }), key);
		expect(changed.status).toBe(409);
		expect(await changed.json()).toEqual({ error: 'Idempotency key reused with a different request body' });
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
		for (const prompt of ['one', 'two', 'three']) ids.push(((await (await af(fake).submit(body15({}, prompt))).json()) as any).jobId);

		const page1: any = await (await af(fake).get('/v2/jobs?limit=2')).json();
		expect(page1.jobs.map((j: any) => j.id)).toEqual([ids[2], ids[1]]);
		expect(page1).toMatchObject({ hasMore: true, nextCursor: ids[1] });
		const page2: any = await (await af(fake).get(`/v2/jobs?limit=2&cursor=${page1.nextCursor}`)).json();
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
		const { jobId } = (await (await af(fake).submit(body15({ quality: 'high' }, '[fail:content_policy_violation] x'))).json()) as any;
		const { final } = await pollJob(fake, jobId);
		expect(final).toMatchObject({ status: 'FAILED', progress: 0, result: null, error: 'Provider returned an error: content policy violation', creditCost: 0 });
		expect(final.completedAt).not.toBeNull();
	});

	it('accepts uploads by magic bytes and serves them from the CDN', async () => {
		const png = pngBytes(4, 4);
		const res = await af(fake).upload(fileForm(png, 'application/octet-stream', 'whatever.bin'));
		expect(res.status).toBe(201);
		const json: any = await res.json();
		expect(json).toMatchObject({ id: expect.stringMatching(UUID), kind: 'image', contentType: 'image/png', byteSize: png.length });
		const served = await download(json.url);
		expect(served.type).toBe('image/png');
		expect(served.bytes.equals(png)).toBe(true);

		const text = await af(fake).upload(fileForm(Buffer.from('just some text, no magic'), 'image/png', 'a.png'));
		expect(text.status).toBe(400);
		expect(((await text.json()) as any).details.file).toEqual(['Unsupported file type']);
		const none = await af(fake).upload(new FormData());
		expect(none.status).toBe(400);
		expect(fake.counts.uploads).toBe(3);
	});
});

// ---------------------------------------------------------------- faults

describe('fault injection', () => {
	let evolink: FakeProvider;
	let apiframe: FakeProvider;
	beforeAll(async () => {
		[evolink, apiframe] = await Promise.all([startFakeProvider('evolink', { taskDurationMs: 0 }), startFakeProvider('apiframe', { taskDurationMs: 0 })]);
	});
	afterEach(() => {
		evolink.reset();
		apiframe.reset();
	});
	afterAll(() => Promise.all([evolink.close(), apiframe.close()]));

	const evoTask = async () => ((await (await evo(evolink).submit({ model: 'gpt-image-1.5', prompt: 'x' })).json()) as any).id as string;

	it('answers with provider envelopes by default and consumes faults in order', async () => {
		apiframe.inject({ route: 'submit', status: 503, times: 2 });
		apiframe.inject({ route: 'submit', status: 429, headers: { 'Retry-After': '2' } });
		apiframe.inject({ route: 'submit', status: 402 });
		const statuses: number[] = [];
		const bodies: unknown[] = [];
		for (let i = 0; i < 5; i++) {
			const res = await af(apiframe).submit({ model: 'gpt-image-1.5', prompt: 'x' });
			statuses.push(res.status);
			bodies.push(await res.json());
			if (res.status === 429) expect(res.headers.get('retry-after')).toBe('2');
		}
		expect(statuses).toEqual([503, 503, 429, 402, 202]);
		expect(bodies.slice(1, 4)).toEqual([{ error: 'Internal server error' }, { error: 'Too many requests' }, { error: 'Insufficient credits', creditsRequired: 24, creditsAvailable: 3 }]);
		expect(apiframe.counts).toMatchObject({ submissions: 1, submitRequests: 5 });
		expect(apiframe.pendingFaults).toEqual([]);

		evolink.inject({ route: 'status', status: 429 });
		const limited = await evo(evolink).task('task-unified-1-abcdefgh');
		expect(((await limited.json()) as any).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'evo_api_error' });
	});

	it('bills the task behind a failed submit only with createTask', async () => {
		evolink.inject({ route: 'submit', status: 500 });
		evolink.inject({ route: 'submit', status: 502, createTask: true });
		const plain = await evo(evolink).submit({ model: 'gpt-image-1.5', prompt: 'x' });
		expect([plain.status, ((await plain.json()) as any).error.code]).toEqual([500, 'internal_error']);
		expect(evolink.counts.submissions).toBe(0);
		const ambiguous = await evo(evolink).submit({ model: 'gpt-image-1.5', prompt: 'x' });
		expect(ambiguous.status).toBe(502);
		expect(evolink.counts.submissions).toBe(1);
		expect(evolink.tasks.size).toBe(1);
	});

	it('resets the connection, with or without a partial body', async () => {
		evolink.inject({ route: 'any', mode: 'reset' });
		await expect(evo(evolink).get('/v1/credits')).rejects.toThrow();
		expect(evolink.requests).toHaveLength(1);

		const id = await evoTask();
		evolink.inject({ route: 'status', mode: 'resetMidBody' });
		const res = await evo(evolink).task(id);
		expect(res.status).toBe(200);
		await expect(res.text()).rejects.toThrow();
	});

	it('delays, then answers normally', async () => {
		evolink.inject({ route: 'keycheck', mode: 'delay', delayMs: 150 });
		const started = Date.now();
		const res = await evo(evolink).get('/v1/credits');
		expect(res.status).toBe(200);
		expect(((await res.json()) as any).success).toBe(true);
		expect(Date.now() - started).toBeGreaterThanOrEqual(145);
	});

	it('sends truncated JSON for malformed', async () => {
		const id = await evoTask();
		evolink.inject({ route: 'status', mode: 'malformed' });
		const text = await (await evo(evolink).task(id)).text();
		expect(() => JSON.parse(text)).toThrow();
		expect(text.startsWith('{"created":')).toBe(true);
	});

	it('truncates downloads and serves HTML instead of images', async () => {
		const id = await evoTask();
		const url = ((await (await evo(evolink).task(id)).json()) as any).results[0];
		evolink.inject({ route: 'download', mode: 'truncate' });
		const cut = await fetch(url);
		expect(Number(cut.headers.get('content-length'))).toBeGreaterThan(1000);
		await expect(cut.arrayBuffer()).rejects.toThrow();

		evolink.inject({ route: 'download', mode: 'wrongType' });
		const html = await download(url);
		expect(html.type).toMatch(/^text\/html/);
		expect(html.bytes.toString()).toMatch(/<html>/);
		expect((await download(url)).type).toBe('image/png');
	});

	it('drifts the result field and reports unknown statuses', async () => {
		evolink.options.taskDurationMs = 60_000;
		const id = await evoTask();
		evolink.inject({ route: 'status', mode: 'drift' });
		const drifted: any = await (await evo(evolink).task(id)).json();
		expect(drifted.status).toBe('completed');
		expect(drifted.results).toBeUndefined();
		expect(drifted.result_urls).toHaveLength(1);
		evolink.inject({ route: 'status', mode: 'unknownStatus' });
		expect(((await (await evo(evolink).task(id)).json()) as any).status).toBe('weird_state');
		expect(((await (await evo(evolink).task(id)).json()) as any).status).toBe('pending');
		evolink.options.taskDurationMs = 0;

		const { jobId } = (await (await af(apiframe).submit({ model: 'gpt-image-2', prompt: 'x' })).json()) as any;
		apiframe.inject({ route: 'status', mode: 'drift' });
		const job: any = await (await af(apiframe).get(`/v2/jobs/${jobId}`)).json();
		expect(job).toMatchObject({ status: 'COMPLETED', result_urls: { images: [expect.stringMatching(/\.webp$/)] } });
		expect('result' in job).toBe(false);
	});

	it('rejects malformed fault descriptions', () => {
		expect(() => evolink.inject({ route: 'nope' as any })).toThrow(/route/);
		expect(() => evolink.inject({ route: 'submit', mode: 'explode' as any })).toThrow(/mode/);
		expect(() => evolink.inject({ route: 'submit', mode: 'delay' })).toThrow(/delayMs/);
	});
});

// ---------------------------------------------------------------- lifecycle

describe('lifecycle', () => {
	it('reset() clears requests, tasks, counters and faults', async () => {
		const fake = await startFakeProvider('evolink');
		try {
			await evo(fake).submit({ model: 'gpt-image-1.5', prompt: 'x' });
			fake.inject({ route: 'status', status: 500, times: 3 });
			fake.reset();
			expect(fake.requests).toEqual([]);
			expect(fake.tasks.size).toBe(0);
			expect(fake.counts.total).toBe(0);
			expect(fake.pendingFaults).toEqual([]);
		} finally {
			await fake.close();
		}
	});

	it('close() drops keep-alive connections and pending delays promptly', async () => {
		const fake = await startFakeProvider('apiframe');
		expect(fake.baseUrl).toBe(`http://127.0.0.1:${fake.port}`);
		await (await af(fake).get('/v2/me')).json(); // leaves a keep-alive socket open
		fake.inject({ route: 'keycheck', mode: 'delay', delayMs: 10_000 });
		const hanging = af(fake).get('/v2/me').then(
			() => 'answered',
			() => 'failed',
		);
		await waitFor(() => (fake.requests.length === 2 ? true : undefined));
		const started = Date.now();
		await fake.close();
		expect(Date.now() - started).toBeLessThan(1000);
		expect(await hanging).toBe('failed');
		await expect(fetch(`${fake.baseUrl}/v2/me`)).rejects.toThrow();
	});
});
