/**
 * Tests for the fake provider servers themselves, so engine and node tests can trust them: the
 * unified task API (EvoLink, StarMagic) over real HTTP. Apiframe, faults, callbacks, the
 * registry, the clock and the in-process transport have their own files.
 */
import * as zlib from 'zlib';

import { startFakeProvider, pngBytes } from './index';
import type { FakeProvider } from './index';
import { download, evo, fileForm, inspectPng, pollEvoTask } from './testHelpers';

const TASK_MS = 80;

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

describe('evoLink fake (unified task API)', () => {
	let fake: FakeProvider;
	beforeAll(async () => {
		fake = await startFakeProvider('evoLink', { taskDurationMs: TASK_MS });
	});
	afterEach(() => {
		fake.reset();
		fake.options.taskDurationMs = TASK_MS;
	});
	afterAll(() => fake.close());

	it('runs submit -> honest polling -> PNG download', async () => {
		// 1.5 s, so the first poll still sees an unfinished task even on a loaded machine.
		const res = await evo(fake).submit({
			model: 'gpt-image-2',
			prompt: 'a red fox [slow:1500]',
			n: 2,
			size: '1:1',
		});
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
			if (poll.body.status === 'completed')
				expect(poll.receivedAt).toBeGreaterThanOrEqual(task.doneAt!);
			else expect(poll.sentAt).toBeLessThan(task.doneAt!);
		}
		expect(seen[0].body.status).not.toBe('completed');
		expect(final).toMatchObject({
			status: 'completed',
			progress: 100,
			task_info: { can_cancel: false },
		});
		expect(final.results).toHaveLength(2);

		for (const url of final.results) {
			const image = await download(url);
			expect(image).toMatchObject({ status: 200, type: 'image/png', length: image.bytes.length });
			expect(inspectPng(image.bytes)).toMatchObject({ width: 64, height: 64 });
		}
		expect(fake.counts).toMatchObject({ submissions: 1, downloads: 2, statusPolls: seen.length });
	});

	it('does not serve result images before the task has completed', async () => {
		const created: any = await (
			await evo(fake).submit({ model: 'gpt-image-1.5', prompt: 'early' })
		).json();
		const early = await download(fake.tasks.get(created.id)!.images[0]);
		expect(early.status).toBe(404);
	});

	it('rejects missing or wrong keys with the documented envelopes', async () => {
		const noKey = await fetch(`${fake.baseUrl}/v1/images/generations`, {
			method: 'POST',
			body: '{}',
		});
		expect(noKey.status).toBe(401);
		expect(await noKey.json()).toEqual({
			error: {
				code: 'unauthorized',
				message: 'Invalid or missing API key',
				type: 'authentication_error',
			},
		});

		const badCredits = await fetch(`${fake.baseUrl}/v1/credits`, {
			headers: { authorization: 'Bearer nope' },
		});
		expect(badCredits.status).toBe(401);
		expect(((await badCredits.json()) as any).error.code).toBe(401);

		const credits: any = await (await evo(fake).get('/v1/credits')).json();
		expect(credits.data.token.remaining_credits).toBeGreaterThan(0);
		expect(fake.counts).toMatchObject({ keyChecks: 2, total: 3 });
		expect(fake.requests.map((r) => r.route)).toEqual(['submit', 'keycheck', 'keycheck']);
	});

	it('answers bad and unknown task ids like the docs', async () => {
		const bad = await evo(fake).task('abc');
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as any).error).toMatchObject({
			code: 'invalid_task_id',
			param: 'task_id',
		});
		const unknown = await evo(fake).task('task-unified-1-zzzzzzzz');
		expect(unknown.status).toBe(404);
		expect(((await unknown.json()) as any).error.code).toBe('task_not_found');
	});

	it('fails, delays or never finishes tasks on prompt directives', async () => {
		fake.options.taskDurationMs = 30;
		const ids = await Promise.all(
			['[fail:content_policy_violation] a', '[never] b', '[slow:120] c'].map(
				async (prompt) =>
					((await (await evo(fake).submit({ model: 'gpt-image-1.5', prompt })).json()) as any).id,
			),
		);
		const [failing, never, slow] = ids;

		const failed = (await pollEvoTask(fake, failing)).final;
		expect(failed).toMatchObject({
			status: 'failed',
			error: { code: 'content_policy_violation', type: 'task_error' },
		});
		expect(failed.error.message).toMatch(/safety/);
		expect(failed.results).toBeUndefined();

		expect(fake.tasks.get(slow)!.durationMs).toBe(120);
		const { seen } = await pollEvoTask(fake, slow);
		expect(seen[seen.length - 1].receivedAt).toBeGreaterThanOrEqual(
			fake.tasks.get(slow)!.createdAt + 120,
		);

		const stuck: any = await (await evo(fake).task(never)).json();
		expect(stuck).toMatchObject({ status: 'processing', progress: 99 });
		expect(fake.tasks.get(never)).toMatchObject({ outcome: 'never', doneAt: null });
	});

	it('uploads images through the files API and serves them back', async () => {
		const png = pngBytes(9, 9);
		const res = await evo(fake).post(
			'/api/v1/files/upload/stream',
			fileForm(png, 'image/png', 'in.png', { upload_path: 'refs' }),
		);
		expect(res.status).toBe(200);
		const json: any = await res.json();
		expect(json).toMatchObject({
			success: true,
			code: 200,
			data: {
				file_name: 'in.png',
				original_name: 'in.png',
				file_size: png.length,
				mime_type: 'image/png',
				upload_path: 'refs',
			},
		});
		expect(json.data.file_id).toMatch(/^file_/);
		expect(Date.parse(json.data.expires_at) - Date.parse(json.data.upload_time)).toBe(
			72 * 3600 * 1000,
		);
		for (const url of [json.data.file_url, json.data.download_url]) {
			const served = await download(url);
			expect(served.type).toBe('image/png');
			expect(served.bytes.equals(png)).toBe(true);
		}
		expect(fake.requests[0].body).toEqual({
			fields: { upload_path: 'refs' },
			files: [{ field: 'file', fileName: 'in.png', contentType: 'image/png', size: png.length }],
		});

		const fromBase64: any = await (
			await evo(fake).post(
				'/api/v1/files/upload/base64',
				JSON.stringify({
					base64_data: `data:image/png;base64,${png.toString('base64')}`,
					file_name: 'b.png',
				}),
				'application/json',
			)
		).json();
		expect(fromBase64.data).toMatchObject({
			file_name: 'b.png',
			mime_type: 'image/png',
			file_size: png.length,
		});
		expect(fake.counts.uploads).toBe(2);
	});

	it('refuses non-images and empty uploads with file-API business errors', async () => {
		const disguised = await evo(fake).post(
			'/api/v1/files/upload/stream',
			fileForm(Buffer.from('<html>not an image</html>'), 'image/png', 'x.png'),
		);
		expect(disguised.status).toBe(400);
		expect(await disguised.json()).toEqual({
			success: false,
			code: 40002,
			msg: 'File type not allowed',
		});

		const form = new FormData();
		form.append('upload_path', 'x');
		const missing: any = await (await evo(fake).post('/api/v1/files/upload/stream', form)).json();
		expect(missing).toMatchObject({ success: false, code: 40000 });

		fake.options.fileErrorStatus = 200; // the docs leave the HTTP status open
		const pdf = await evo(fake).post(
			'/api/v1/files/upload/stream',
			fileForm(Buffer.from('%PDF-1.7 ........'), 'application/pdf', 'x.pdf'),
		);
		expect(pdf.status).toBe(200);
		expect(((await pdf.json()) as any).success).toBe(false);
		delete fake.options.fileErrorStatus;
	});

	it('pads result images to resultBytes while keeping them valid PNGs', async () => {
		fake.options.taskDurationMs = 0;
		fake.options.resultBytes = 3 * 1024 * 1024 + 7;
		try {
			const created: any = await (
				await evo(fake).submit({ model: 'gpt-image-1.5', prompt: 'big' })
			).json();
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
