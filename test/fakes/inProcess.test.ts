/**
 * The in-process transport: `fake.request()` goes through the same dispatch as the HTTP server
 * (routes, auth, counters, request log, faults, handlers) without a socket.
 */
import type { Readable } from 'stream';

import { VirtualClock } from '../tools/clock';
import { startFakeProvider } from './index';
import type { FakeProvider, InProcessResponse, RecordedRequest } from './index';
import { fileForm, inspectPng } from './testHelpers';

/** Reads a streamed body to its end, or to the error it ends with. */
async function drain(
	body: InProcessResponse['body'],
): Promise<{ bytes: Buffer; error: NodeJS.ErrnoException | null }> {
	const chunks: Buffer[] = [];
	try {
		for await (const chunk of body as Readable) chunks.push(chunk as Buffer);
		return { bytes: Buffer.concat(chunks), error: null };
	} catch (error) {
		return { bytes: Buffer.concat(chunks), error: error as NodeJS.ErrnoException };
	}
}

const text = (res: InProcessResponse): string => (res.body as Buffer).toString('utf8');

describe('fake.request() (unified task API)', () => {
	let fake: FakeProvider;
	let clock: VirtualClock;
	const auth = (): Record<string, string> => ({ authorization: `Bearer ${fake.apiKey}` });
	const submit = (prompt = 'x') =>
		fake.request({
			method: 'POST',
			url: `${fake.baseUrl}/v1/images/generations`,
			headers: auth(),
			body: { model: 'gpt-image-1.5', prompt },
		});
	const status = (id: string) =>
		fake.request({ method: 'GET', url: `${fake.baseUrl}/v1/tasks/${id}`, headers: auth() });

	beforeAll(async () => {
		clock = new VirtualClock();
		fake = await startFakeProvider('evoLink', { clock, taskDurationMs: 1000 });
	});
	afterEach(() => fake.reset());
	afterAll(() => fake.close());

	it('runs submit -> status -> download', async () => {
		const created = await submit();
		expect(created.statusCode).toBe(200);
		expect(Buffer.isBuffer(created.body)).toBe(true);
		const task = JSON.parse(text(created));
		expect(created.headers).toMatchObject({
			'content-type': 'application/json; charset=utf-8',
			'content-length': String((created.body as Buffer).length),
		});
		await clock.advance(1000);
		const done = JSON.parse(text(await status(task.id)));
		expect(done).toMatchObject({
			status: 'completed',
			results: [expect.stringMatching(/-1\.png$/)],
		});

		const image = await fake.request({ method: 'GET', url: done.results[0] });
		expect(image.headers['content-type']).toBe('image/png');
		const { bytes, error } = await drain(image.body);
		expect(error).toBeNull();
		expect(bytes.length).toBe(Number(image.headers['content-length']));
		expect(inspectPng(bytes).width).toBe(64);
		expect(fake.counts).toMatchObject({
			submissions: 1,
			submitRequests: 1,
			statusPolls: 1,
			downloads: 1,
			total: 3,
		});
		expect(fake.requests.map((r) => [r.method, r.route])).toEqual([
			['POST', 'submit'],
			['GET', 'status'],
			['GET', 'download'],
		]);
	});

	it('sends the exact bytes and headers the HTTP server sends', async () => {
		const viaHttp = await fetch(`${fake.baseUrl}/v1/credits`, { headers: auth() });
		const httpBytes = Buffer.from(await viaHttp.arrayBuffer());
		const inProcess = await fake.request({
			method: 'GET',
			url: `${fake.baseUrl}/v1/credits`,
			headers: auth(),
		});
		expect(inProcess.statusCode).toBe(viaHttp.status);
		expect((inProcess.body as Buffer).equals(httpBytes)).toBe(true);
		for (const name of ['content-type', 'content-length'])
			expect(inProcess.headers[name]).toBe(viaHttp.headers.get(name));
		const denied = await fake.request({ method: 'GET', url: `${fake.baseUrl}/v1/credits?x=1` });
		expect([denied.statusCode, JSON.parse(text(denied)).error.code]).toEqual([401, 401]);
		expect(fake.requests[2].query).toEqual({ x: '1' });
	});

	it("bills the task behind a 'reset' submit with createTask, then rejects with ECONNRESET", async () => {
		fake.inject({ route: 'submit', mode: 'reset', createTask: true });
		await expect(submit()).rejects.toMatchObject({ code: 'ECONNRESET' });
		expect(fake.counts).toMatchObject({ submissions: 1, submitRequests: 1 });
		expect(fake.tasks.size).toBe(1);
		fake.inject({ route: 'submit', mode: 'reset' });
		await expect(submit()).rejects.toMatchObject({ code: 'ECONNRESET' });
		expect(fake.counts).toMatchObject({ submissions: 1, submitRequests: 2 });
	});

	it("cuts a 'truncate' download stream with ECONNRESET after half the bytes, and fails buffered replies", async () => {
		const { id } = JSON.parse(text(await submit()));
		await clock.advance(1000);
		const url = fake.tasks.get(id)!.images[0];
		fake.inject({ route: 'download', mode: 'truncate' });
		const cut = await fake.request({ method: 'GET', url });
		const length = Number(cut.headers['content-length']);
		const { bytes, error } = await drain(cut.body);
		expect(error).toMatchObject({ code: 'ECONNRESET' });
		expect(bytes.length).toBe(Math.floor(length / 2));

		fake.inject({ route: 'status', mode: 'resetMidBody' });
		await expect(status(id)).rejects.toMatchObject({ code: 'ECONNRESET' });
		expect(fake.counts).toMatchObject({ downloads: 1, statusPolls: 1 });
	});

	it('maps malformed, wrongType, drift, unknownStatus and respond like the HTTP server', async () => {
		const { id } = JSON.parse(text(await submit()));
		fake.inject({ route: 'status', mode: 'malformed' });
		const malformed = text(await status(id));
		expect(() => JSON.parse(malformed)).toThrow();
		expect(malformed.startsWith('{"created":')).toBe(true);
		fake.inject({ route: 'status', mode: 'drift' });
		expect(JSON.parse(text(await status(id)))).toMatchObject({
			status: 'completed',
			result_urls: [expect.any(String)],
		});
		fake.inject({ route: 'status', mode: 'unknownStatus' });
		expect(JSON.parse(text(await status(id))).status).toBe('weird_state');
		fake.inject({ route: 'download', mode: 'wrongType' });
		const html = await fake.request({ method: 'GET', url: fake.tasks.get(id)!.images[0] });
		expect([html.statusCode, html.headers['content-type'], text(html)]).toEqual([
			200,
			'text/html; charset=utf-8',
			expect.stringMatching(/<html>/),
		]);
		fake.inject({ route: 'poll', status: 429, headers: { 'Retry-After': '3' } });
		const limited = await status(id);
		expect([
			limited.statusCode,
			limited.headers['retry-after'],
			JSON.parse(text(limited)).error.code,
		]).toEqual([429, '3', 'rate_limit_exceeded']);
	});

	it('refuses URLs of other origins, and requests after close()', async () => {
		await expect(
			fake.request({ method: 'GET', url: 'http://127.0.0.1:1/v1/credits' }),
		).rejects.toMatchObject({ code: 'ECONNREFUSED' });
		const other = await startFakeProvider('starMagic');
		await other.close();
		await expect(
			other.request({ method: 'GET', url: `${other.baseUrl}/v1/credits` }),
		).rejects.toMatchObject({ code: 'ECONNREFUSED' });
		expect(fake.requests).toHaveLength(0);
	});
});

describe('request log and counters: in-process = HTTP', () => {
	/** The same client session, once over HTTP and once in-process. */
	async function session(
		fake: FakeProvider,
		send: (
			method: string,
			path: string,
			headers: Record<string, string>,
			body?: Buffer | string,
		) => Promise<number>,
	): Promise<number[]> {
		const key = { 'x-api-key': fake.apiKey };
		const json = { ...key, 'content-type': 'application/json' };
		const form = fileForm(Buffer.from('GIF89a-not-really-an-image'), 'image/gif', 'a.gif', {
			note: 'n',
		});
		const multipart = new Request('http://x.invalid/', { method: 'POST', body: form });
		const formBytes = Buffer.from(await multipart.arrayBuffer());
		return [
			await send('GET', '/v2/me', key),
			await send(
				'POST',
				'/v2/images/generate',
				{ ...json, 'idempotency-key': 'k1' },
				JSON.stringify({ model: 'gpt-image-2', prompt: 'x' }),
			),
			await send(
				'POST',
				'/v2/images/generate',
				{ ...json, 'idempotency-key': 'k1' },
				'{"prompt":"x","model":"gpt-image-2"}',
			),
			await send('POST', '/v2/images/generate', json, '{"model":'),
			await send('GET', '/v2/jobs?limit=5&status=QUEUED', key),
			await send(
				'POST',
				'/v2/uploads',
				{ ...key, 'content-type': multipart.headers.get('content-type')! },
				formBytes,
			),
			await send('GET', '/cdn/nothing-here.png', {}),
			await send('DELETE', '/v2/me', key),
		];
	}

	const comparable = (r: RecordedRequest) => ({
		...r,
		at: undefined,
		headers: {
			'x-api-key': r.headers['x-api-key'],
			'idempotency-key': r.headers['idempotency-key'],
		},
	});

	it('records the same requests and counts over both transports', async () => {
		const [overHttp, inProcess] = await Promise.all([
			startFakeProvider('apiframe'),
			startFakeProvider('apiframe'),
		]);
		try {
			const httpStatuses = await session(
				overHttp,
				async (method, path, headers, body) =>
					(await fetch(`${overHttp.baseUrl}${path}`, { method, headers, body })).status,
			);
			const inProcessStatuses = await session(
				inProcess,
				async (method, url, headers, body) =>
					(await inProcess.request({ method, url: `${inProcess.baseUrl}${url}`, headers, body }))
						.statusCode,
			);
			expect(inProcessStatuses).toEqual(httpStatuses);
			expect(httpStatuses).toEqual([200, 202, 202, 400, 200, 201, 404, 404]);
			expect(inProcess.counts).toEqual(overHttp.counts);
			expect(inProcess.counts).toMatchObject({
				submissions: 1,
				replays: 1,
				submitRequests: 3,
				listPolls: 1,
				uploads: 1,
				downloads: 1,
				keyChecks: 1,
				total: 8,
			});
			expect(inProcess.requests.map(comparable)).toEqual(overHttp.requests.map(comparable));
			expect(inProcess.requests[5].body).toEqual({
				fields: { note: 'n' },
				files: [{ field: 'file', fileName: 'a.gif', contentType: 'image/gif', size: 26 }],
			});
		} finally {
			await Promise.all([overHttp.close(), inProcess.close()]);
		}
	});
});
