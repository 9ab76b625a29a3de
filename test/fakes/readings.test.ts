/**
 * Both documented readings of each provider, over real HTTP (README, "Readings"): Apiframe's
 * OpenAPI schema vs its GPT Image model page, and the unified task API's English vs Korean pages
 * and schema vs text.
 */
import * as crypto from 'crypto';

import {
	PAGE_READING,
	SCHEMA_READING,
	UNIFIED_KO_READING,
	UNIFIED_SCHEMA_READING,
	pngBytes,
	signApiframeBody,
	startFakeProvider,
} from './index';
import type { ApiframeReading, FakeProvider } from './index';
import { af, download, evo, fileForm, inspectPng, pollJob } from './testHelpers';
import { afJob, expectedSignature, PUBLIC_HOOK, receiverFixture } from './testReceiver';

const MB = 1024 * 1024;

/** The request example of Apiframe's GPT Image 1.5 model page (shared/seeds/002), verbatim. */
const SEED_PAGE_BODY = {
	prompt: 'a sleek silver sports car on a coastal highway at sunset, hyper-realistic',
	model: 'gpt-image-1.5',
	gptImageParams: {
		input_images: 'https://example.com/input.jpg',
		quality: 'auto',
		background: 'auto',
		number_of_images: 1,
	},
};

const body15 = (params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
	model: 'gpt-image-1.5',
	prompt: 'a fox',
	gptImageParams: params,
	...extra,
});

/** HMAC keyed by the hex text of SHA-256(key): the docs' other reading, written out here. */
function hexKeyedSignature(raw: string, key: string): string {
	const secret = crypto.createHash('sha256').update(key).digest('hex');
	return `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
}

describe('reading constants', () => {
	it('are the documented combinations, schema reading first', () => {
		expect(SCHEMA_READING).toEqual({
			webhookField: 'webhookUrl',
			inputImages: 'array',
			outputFormatDefault: 'webp',
			aspectRatio: 'params',
			unknownKeys: 'reject',
			signatureKey: 'digest',
			webhookStatusWords: 'schema',
		});
		expect(PAGE_READING).toEqual({
			webhookField: 'webhook_url',
			inputImages: 'string',
			outputFormatDefault: 'png',
			aspectRatio: 'top',
			unknownKeys: 'reject',
			signatureKey: 'digest',
			webhookStatusWords: 'schema',
		});
		expect(UNIFIED_SCHEMA_READING).toEqual({ promptLimit: 'characters', inputImageMaxMb: 50 });
		expect(UNIFIED_KO_READING).toEqual({ promptLimit: 'characters', inputImageMaxMb: 10 });
		expect(Object.isFrozen(SCHEMA_READING) && Object.isFrozen(PAGE_READING)).toBe(true);
	});
});

// ---------------------------------------------------------------- Apiframe requests

describe('apiframe fake: request readings', () => {
	let fake: FakeProvider;

	beforeAll(async () => {
		fake = await startFakeProvider('apiframe', { taskDurationMs: 60_000 });
	});
	afterEach(() => {
		fake.reset();
		fake.options.taskDurationMs = 60_000;
		delete fake.options.apiframeReading;
		delete fake.options.apiframeJobShowsInput;
	});
	afterAll(() => fake.close());

	async function submitUnder(
		reading: Partial<ApiframeReading> | undefined,
		body: unknown,
		headers: Record<string, string> = {},
	): Promise<Response> {
		fake.options.apiframeReading = reading;
		return await af(fake).submit(body, headers);
	}

	async function detailsOf(res: Response): Promise<Record<string, string[]>> {
		expect(res.status).toBe(400);
		const json: any = await res.json();
		expect(json.error).toBe('Validation failed');
		expect(Object.keys(json)).toEqual(['error', 'details']);
		return json.details;
	}

	it('page reading: accepts the model page example body, PNG by default', async () => {
		const res = await submitUnder(PAGE_READING, SEED_PAGE_BODY);
		expect(res.status).toBe(202);
		const { jobId } = (await res.json()) as any;
		expect(fake.counts.submissions).toBe(1);
		const task = fake.tasks.get(jobId)!;
		expect(task).toMatchObject({ outputFormat: 'png', aspectRatio: '1:1', webhookUrl: null });
		expect(task.images[0]).toMatch(/-1\.png$/);
	});

	it('schema reading: rejects the model page example body (input_images is a string)', async () => {
		const details = await detailsOf(await submitUnder(undefined, SEED_PAGE_BODY));
		expect(details).toEqual({ 'gptImageParams.input_images': ['Expected array, received string'] });
		expect(fake.counts).toMatchObject({ submissions: 0, submitRequests: 1 });
	});

	it.each([
		['page', PAGE_READING, { webhookUrl: 'https://hooks.example.com/x' }, ['webhookUrl']],
		[
			'page',
			PAGE_READING,
			{ webhookUrl: 'https://hooks.example.com/x', webhookEvents: ['completed'] },
			['webhookUrl', 'webhookEvents'],
		],
		['schema', SCHEMA_READING, { webhook_url: 'https://hooks.example.com/x' }, ['webhook_url']],
	])(
		'%s reading: rejects the other webhook field with Unrecognized key',
		async (_name, reading, extra, paths) => {
			const details = await detailsOf(await submitUnder(reading, body15({}, extra)));
			expect(details).toEqual(Object.fromEntries(paths.map((p) => [p, ['Unrecognized key']])));
			expect(fake.tasks.size).toBe(0);
		},
	);

	it.each([
		['page', PAGE_READING, { webhook_url: 'https://hooks.example.com/x' }],
		['schema', SCHEMA_READING, { webhookUrl: 'https://hooks.example.com/x' }],
	])('%s reading: takes its own webhook field as the job webhook', async (_n, reading, extra) => {
		const res = await submitUnder(reading, body15({}, extra));
		expect(res.status).toBe(202);
		const { jobId } = (await res.json()) as any;
		expect(fake.tasks.get(jobId)!.webhookUrl).toBe('https://hooks.example.com/x');
		expect((await afJob(fake, jobId)).webhookStatus).toBe('pending');
		const bad = await submitUnder(reading, body15({}, { [Object.keys(extra)[0]]: 'not a url' }));
		expect(Object.values(await detailsOf(bad))).toEqual([['Invalid url']]);
	});

	it.each([
		['string', 'https://e.x/a.png', 202, null],
		['string', ['https://e.x/a.png'], 400, 'Expected string, received array'],
		['string', null, 400, 'Expected string, received null'],
		['string', 'not a url', 400, 'Invalid url'],
		['array', ['https://e.x/a.png'], 202, null],
		['array', null, 202, null],
		['array', 'https://e.x/a.png', 400, 'Expected array, received string'],
	] as const)(
		'inputImages %s: input_images %j -> %i',
		async (inputImages, value, status, message) => {
			const res = await submitUnder({ inputImages }, body15({ input_images: value }));
			expect(res.status).toBe(status);
			if (message)
				expect(await detailsOf(res)).toEqual({ 'gptImageParams.input_images': [message] });
		},
	);

	it('input_images follows the reading for gpt-image-2 too', async () => {
		const body = { model: 'gpt-image-2', prompt: 'x', gptImage2Params: { input_images: 'u' } };
		expect(await detailsOf(await submitUnder(PAGE_READING, body))).toEqual({
			'gptImage2Params.input_images': ['Invalid url'],
		});
		body.gptImage2Params.input_images = 'https://e.x/a.png';
		expect((await submitUnder(PAGE_READING, body)).status).toBe(202);
	});

	it('aspectRatio top: read at the top level, unknown inside the params', async () => {
		const top = await submitUnder({ aspectRatio: 'top' }, body15({}, { aspect_ratio: '3:2' }));
		expect(top.status).toBe(202);
		expect(fake.tasks.get(((await top.json()) as any).jobId)!.aspectRatio).toBe('3:2');

		const inside = await submitUnder({ aspectRatio: 'top' }, body15({ aspect_ratio: '3:2' }));
		expect(await detailsOf(inside)).toEqual({
			'gptImageParams.aspect_ratio': ['Unrecognized key'],
		});
		const bad = await submitUnder({ aspectRatio: 'top' }, body15({}, { aspect_ratio: '16:9' }));
		expect((await detailsOf(bad)).aspect_ratio[0]).toMatch(/^Invalid enum value/);
	});

	it('aspectRatio params: read inside the params, unknown at the top level', async () => {
		const inside = await submitUnder({ aspectRatio: 'params' }, body15({ aspect_ratio: '2:3' }));
		expect(inside.status).toBe(202);
		expect(fake.tasks.get(((await inside.json()) as any).jobId)!.aspectRatio).toBe('2:3');

		const top = await submitUnder(undefined, body15({}, { aspect_ratio: '2:3' }));
		expect(await detailsOf(top)).toEqual({ aspect_ratio: ['Unrecognized key'] });
	});

	it.each([
		['webp', 'image/webp'],
		['png', 'image/png'],
	] as const)(
		'outputFormatDefault %s sets the result URL extension and bytes',
		async (format, type) => {
			fake.options.taskDurationMs = 0;
			const res = await submitUnder({ outputFormatDefault: format }, body15());
			const { final } = await pollJob(fake, ((await res.json()) as any).jobId);
			const url: string = final.result.images[0];
			expect(url.endsWith(`-1.${format}`)).toBe(true);
			const image = await download(url);
			expect([image.status, image.type]).toEqual([200, type]);
			if (format === 'png') inspectPng(image.bytes);
			else expect(image.bytes.toString('latin1', 8, 12)).toBe('WEBP');

			const explicit = await submitUnder(
				{ outputFormatDefault: format },
				body15({ output_format: 'jpeg' }),
			);
			expect(fake.tasks.get(((await explicit.json()) as any).jobId)!.outputFormat).toBe('jpeg');
		},
	);

	it('a partial reading keeps the schema values for the fields it leaves out', async () => {
		const res = await submitUnder({ outputFormatDefault: 'png' }, body15({}, {}));
		expect(fake.tasks.get(((await res.json()) as any).jobId)!.apiframeReading).toEqual({
			...SCHEMA_READING,
			outputFormatDefault: 'png',
		});
		const undefinedField = await submitUnder({ webhookField: undefined }, body15());
		expect(undefinedField.status).toBe(202);
	});

	it("unknownKeys 'ignore' drops unknown keys (top level and params) before the job is made", async () => {
		fake.options.apiframeJobShowsInput = true;
		const reading = { ...PAGE_READING, unknownKeys: 'ignore' } as const;
		const sent = body15(
			{ aspect_ratio: '3:2', input_images: 'https://e.x/a.png', sizee: 1 },
			{ webhookUrl: 'https://hooks.example.com/x', webhookEvents: ['progress'], n: 2 },
		);
		const res = await submitUnder(reading, sent);
		expect(res.status).toBe(202);
		const { jobId } = (await res.json()) as any;
		const job = await afJob(fake, jobId);
		expect(job.webhookStatus).toBeNull();
		expect(job.input).toEqual(body15({ input_images: 'https://e.x/a.png' }));
		expect(fake.tasks.get(jobId)).toMatchObject({ aspectRatio: '1:1', webhookUrl: null });
		expect(fake.requests[0].body).toEqual(sent); // the log keeps what was sent

		// Known keys are still checked; a bad value is a 400 even when ignoring unknown keys.
		const bad = await submitUnder(reading, body15({ quality: 'ultra', extra: 1 }));
		expect(Object.keys(await detailsOf(bad))).toEqual(['gptImageParams.quality']);
		expect(fake.counts.submissions).toBe(1);
	});

	it("unknownKeys 'reject' reports every unknown key by path", async () => {
		const res = await submitUnder(
			PAGE_READING,
			body15({ sizee: 1 }, { webhookUrl: 'https://hooks.example.com/x', n: 2 }),
		);
		expect(await detailsOf(res)).toEqual({
			webhookUrl: ['Unrecognized key'],
			n: ['Unrecognized key'],
			'gptImageParams.sizee': ['Unrecognized key'],
		});
	});

	it('shows input on the job only with apiframeJobShowsInput', async () => {
		const res = await submitUnder(undefined, body15({ quality: 'low' }), {
			'idempotency-key': 'k-input',
		});
		const { jobId } = (await res.json()) as any;
		expect(await afJob(fake, jobId)).not.toHaveProperty('input');
		fake.options.apiframeJobShowsInput = true;
		const job = await afJob(fake, jobId);
		expect(job.input).toEqual(body15({ quality: 'low' }));
		expect(JSON.stringify(job.input)).not.toContain(fake.apiKey);
		const listed: any = await (await af(fake).get('/v2/jobs')).json();
		expect(listed.jobs[0].input).toEqual(job.input);
	});

	it('idempotency: a 400 stores nothing for the key; a replay and a 409 work under any reading', async () => {
		const key = { 'idempotency-key': 'order-7' };
		expect((await submitUnder(SCHEMA_READING, SEED_PAGE_BODY, key)).status).toBe(400);
		const created = await submitUnder(PAGE_READING, SEED_PAGE_BODY, key);
		expect(created.status).toBe(202);
		const { jobId } = (await created.json()) as any;
		expect(fake.counts).toMatchObject({ submissions: 1, replays: 0 });

		const replay = await submitUnder(SCHEMA_READING, SEED_PAGE_BODY, key);
		expect([replay.status, ((await replay.json()) as any).jobId]).toEqual([202, jobId]);
		const changed = await submitUnder(PAGE_READING, { ...SEED_PAGE_BODY, prompt: 'other' }, key);
		expect(changed.status).toBe(409);
		expect(fake.counts).toMatchObject({ submissions: 1, replays: 1, submitRequests: 4 });
	});
});

// ---------------------------------------------------------------- Apiframe webhooks

describe('apiframe fake: webhook readings', () => {
	const { setup } = receiverFixture();

	async function submit(fake: FakeProvider, body: Record<string, unknown>): Promise<string> {
		const res = await af(fake).submit(body);
		expect(res.status).toBe(202);
		return ((await res.json()) as { jobId: string }).jobId;
	}

	it("unknownKeys 'ignore': a misspelt webhook field gives a billed job and no callback", async () => {
		const { fake, receiver } = await setup('apiframe', undefined, {
			apiframeReading: { ...PAGE_READING, unknownKeys: 'ignore' },
		});
		const id = await submit(fake, body15({}, { webhookUrl: PUBLIC_HOOK }));
		expect(fake.counts.submissions).toBe(1);
		expect((await afJob(fake, id)).webhookStatus).toBeNull();
		const { final } = await pollJob(fake, id);
		expect(final).toMatchObject({ status: 'COMPLETED', webhookStatus: null });
		await fake.whenCallbacksIdle();
		expect(receiver.hits).toEqual([]);
		expect(fake.callbacks).toEqual([]);
	});

	it('page reading: delivers to webhook_url, and the job keeps its reading', async () => {
		const { fake, receiver } = await setup('apiframe', undefined, {
			apiframeReading: PAGE_READING,
		});
		const id = await submit(fake, body15({}, { webhook_url: PUBLIC_HOOK }));
		expect((await afJob(fake, id)).webhookStatus).toBe('pending');
		delete fake.options.apiframeReading; // later requests: schema reading; this job: page
		await fake.whenCallbacksIdle();
		expect(receiver.hits.map((h) => [h.json.event, h.json.jobId])).toEqual([['completed', id]]);
		expect(receiver.hits[0].json.result.images[0]).toMatch(/-1\.png$/);
		expect((await afJob(fake, id)).webhookStatus).toBe('delivered');
	});

	it.each(['digest', 'hex'] as const)(
		"signatureKey '%s': the signature verifies with that key form only",
		async (form) => {
			const { fake, receiver } = await setup('apiframe', undefined, {
				apiframeReading: { signatureKey: form },
			});
			await submit(fake, body15({}, { webhookUrl: PUBLIC_HOOK }));
			await fake.whenCallbacksIdle();
			const { raw, headers } = receiver.hits[0];
			const signature = headers['x-webhook-signature'];
			const digestKeyed = expectedSignature(raw, fake.apiKey);
			const hexKeyed = hexKeyedSignature(raw, fake.apiKey);
			expect(digestKeyed).not.toBe(hexKeyed);
			expect(signature).toBe(form === 'digest' ? digestKeyed : hexKeyed);
			expect(signature).not.toBe(form === 'digest' ? hexKeyed : digestKeyed);
			expect(signApiframeBody(raw, fake.apiKey, form)).toBe(signature);
			expect(signApiframeBody(raw, fake.apiKey, form === 'digest' ? 'hex' : 'digest')).not.toBe(
				signature,
			);
		},
	);

	it("signatureKey 'hex' still signs with callbackSignatureKey when set", async () => {
		const { fake, receiver } = await setup('apiframe', undefined, {
			apiframeReading: { signatureKey: 'hex' },
			callbackSignatureKey: 'afk_other',
		});
		await submit(fake, body15({}, { webhookUrl: PUBLIC_HOOK }));
		await fake.whenCallbacksIdle();
		const { raw, headers } = receiver.hits[0];
		expect(headers['x-webhook-signature']).toBe(hexKeyedSignature(raw, 'afk_other'));
	});

	it("webhookStatusWords 'docs': 'sent' once delivered", async () => {
		const { fake } = await setup('apiframe', undefined, {
			apiframeReading: { webhookStatusWords: 'docs' },
		});
		const id = await submit(fake, body15({}, { webhookUrl: PUBLIC_HOOK }));
		expect((await afJob(fake, id)).webhookStatus).toBe('pending');
		await fake.whenCallbacksIdle();
		expect((await afJob(fake, id)).webhookStatus).toBe('sent');
		expect(fake.tasks.get(id)!.webhookStatus).toBe('sent');
	});

	it.each(['schema', 'docs'] as const)(
		"webhookStatusWords '%s': a delivery that never succeeds ends 'failed'",
		async (words) => {
			const { fake } = await setup('apiframe', () => 500, {
				apiframeReading: { webhookStatusWords: words },
				callbackRetryDelaysMs: [],
			});
			const id = await submit(fake, body15({}, { webhookUrl: PUBLIC_HOOK }));
			await fake.whenCallbacksIdle();
			expect((await afJob(fake, id)).webhookStatus).toBe('failed');
		},
	);
});

// ---------------------------------------------------------------- unified task API

describe('unified task fakes: readings', () => {
	let fake: FakeProvider;
	beforeAll(async () => {
		fake = await startFakeProvider('evoLink', { taskDurationMs: 60_000 });
	});
	afterEach(() => {
		fake.reset();
		delete fake.options.unifiedReading;
	});
	afterAll(() => fake.close());

	async function expectInvalid(res: Response, message: RegExp): Promise<void> {
		expect(res.status).toBe(400);
		const json: any = await res.json();
		expect(Object.keys(json)).toEqual(['error']);
		expect(json.error).toEqual({
			code: 'invalid_request',
			message: expect.stringMatching(message),
			type: 'invalid_request_error',
		});
	}

	it("promptLimit: 2001 ASCII characters fail as 'characters' and pass as 'tokens'", async () => {
		const body = { model: 'gpt-image-1.5', prompt: 'p'.repeat(2001) };
		await expectInvalid(
			await evo(fake).submit(body),
			/^prompt is 2001 characters; the limit for this model is 2000$/,
		);
		fake.options.unifiedReading = { promptLimit: 'tokens' };
		expect((await evo(fake).submit(body)).status).toBe(200);
		expect((await evo(fake).submit({ ...body, model: 'gpt-image-1' })).status).toBe(200);
		expect(fake.counts.submissions).toBe(2);
	});

	it("promptLimit 'tokens': ceil(utf8 bytes / 4) over 2000 fails; gpt-image-2 still counts characters", async () => {
		fake.options.unifiedReading = { promptLimit: 'tokens' };
		expect(
			(await evo(fake).submit({ model: 'gpt-image-1.5', prompt: 'p'.repeat(8000) })).status,
		).toBe(200);
		await expectInvalid(
			await evo(fake).submit({ model: 'gpt-image-1.5', prompt: 'p'.repeat(8001) }),
			/^prompt is about 2001 tokens; the limit for this model is 2000 tokens$/,
		);
		// 2001 three-byte characters: 1501 tokens, fine as tokens, too long as characters
		const korean = { model: 'gpt-image-1.5', prompt: '\ud55c'.repeat(2001) };
		expect((await evo(fake).submit(korean)).status).toBe(200);
		fake.options.unifiedReading = UNIFIED_SCHEMA_READING;
		await expectInvalid(await evo(fake).submit(korean), /2001 characters/);

		fake.options.unifiedReading = { promptLimit: 'tokens' };
		await expectInvalid(
			await evo(fake).submit({ model: 'gpt-image-2', prompt: 'p'.repeat(32001) }),
			/^prompt is 32001 characters/,
		);
	});

	it('inputImageMaxMb: an 11 MB uploaded file fails under 10 and passes under 50', async () => {
		const big = Buffer.concat([pngBytes(2, 2), Buffer.alloc(11 * MB)]);
		const upload: any = await (
			await evo(fake).post('/api/v1/files/upload/stream', fileForm(big, 'image/png', 'big.png'))
		).json();
		expect(upload).toMatchObject({ success: true, data: { file_size: big.length } });
		const { file_url: fileUrl, download_url: downloadUrl } = upload.data;

		fake.options.unifiedReading = UNIFIED_KO_READING;
		for (const url of [fileUrl, downloadUrl]) {
			await expectInvalid(
				await evo(fake).submit({
					model: 'gpt-image-2',
					prompt: 'x',
					image_urls: ['https://e.x/small.png', url],
				}),
				/^image_urls\[1\] is 11\.0 MB; each image may be at most 10 MB$/,
			);
		}
		expect(fake.counts.submissions).toBe(0);

		// Not checked: other hosts and unknown files; small own files pass.
		const others = [
			'https://e.x/huge.png',
			`${fake.baseUrl}/files/file_unknown/a.png`,
			`${fake.baseUrl}/samples/photo.png`,
		];
		const fine = await evo(fake).submit({
			model: 'gpt-image-1.5',
			prompt: 'x',
			image_urls: others,
		});
		expect(fine.status).toBe(200);

		fake.options.unifiedReading = { inputImageMaxMb: 50 };
		const accepted = await evo(fake).submit({
			model: 'gpt-image-1.5',
			prompt: 'x',
			image_urls: [fileUrl],
		});
		expect(accepted.status).toBe(200);
		delete fake.options.unifiedReading; // default: 50
		const byDefault = await evo(fake).submit({
			model: 'gpt-image-2',
			prompt: 'x',
			image_urls: [downloadUrl],
		});
		expect(byDefault.status).toBe(200);
		expect(fake.counts.submissions).toBe(3);
	});
});
