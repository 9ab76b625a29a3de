/**
 * The injectable clock: every time read and timer of a fake goes through `options.clock`. With
 * a VirtualClock nothing waits on real time; with a ScaledClock everything runs N times faster.
 */
import { Readable } from 'stream';

import { ScaledClock, VirtualClock } from '../tools/clock';
import { pngBytes, startFakeProvider } from './index';
import type { FakeProvider, InProcessRequest } from './index';
import { PUBLIC_HOOK, PUBLIC_ORIGIN, startReceiver, waitUntil } from './testReceiver';
import type { Receiver } from './testReceiver';
import { inspectPng } from './testHelpers';

let fake: FakeProvider | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
	await fake?.close();
	await receiver?.close();
	fake = undefined;
	receiver = undefined;
});

/** In-process JSON call with the fake's key. */
async function call(f: FakeProvider, method: string, path: string, body?: object): Promise<any> {
	const headers: Record<string, string> =
		f.wireFormat === 'apiframe-v2'
			? { 'x-api-key': f.apiKey }
			: { authorization: `Bearer ${f.apiKey}` };
	const req: InProcessRequest = { method, url: `${f.baseUrl}${path}`, headers, body };
	const res = await f.request(req);
	return JSON.parse((res.body as Buffer).toString('utf8'));
}

describe('VirtualClock', () => {
	it('keeps a 30 s task pending until the clock is advanced, without real waiting', async () => {
		const started = Date.now();
		const clock = new VirtualClock();
		fake = await startFakeProvider('evoLink', { clock, taskDurationMs: 30_000 });
		expect(fake.clock).toBe(clock);
		const created = await call(fake, 'POST', '/v1/images/generations', {
			model: 'gpt-image-2',
			prompt: 'fox',
			n: 2,
		});
		expect(created.id).toMatch(new RegExp(`^task-unified-${Math.floor(clock.now() / 1000)}-`));
		expect(created).toMatchObject({
			created: Math.floor(clock.now() / 1000),
			status: 'pending',
			task_info: { estimated_time: 30 },
		});
		expect(fake.tasks.get(created.id)).toMatchObject({
			createdAt: clock.now(),
			doneAt: clock.now() + 30_000,
		});
		expect(fake.requests[0].at).toBe(clock.now());

		expect((await call(fake, 'GET', `/v1/tasks/${created.id}`)).status).toBe('pending');
		await clock.advance(15_000);
		expect(await call(fake, 'GET', `/v1/tasks/${created.id}`)).toMatchObject({
			status: 'processing',
			progress: 50,
		});
		await clock.advance(14_999);
		expect((await call(fake, 'GET', `/v1/tasks/${created.id}`)).status).toBe('processing');
		await clock.advance(1);
		const done = await call(fake, 'GET', `/v1/tasks/${created.id}`);
		expect(done).toMatchObject({ status: 'completed', progress: 100 });

		const image = await fake.request({ method: 'GET', url: done.results[1] });
		const chunks: Buffer[] = [];
		for await (const chunk of image.body as Readable) chunks.push(chunk as Buffer);
		expect(inspectPng(Buffer.concat(chunks)).width).toBe(64);
		expect(Date.now() - started).toBeLessThan(5000); // 30 s of task time, no real wait
	});

	it("times the 'delay' fault on the clock", async () => {
		const clock = new VirtualClock();
		fake = await startFakeProvider('apiframe', { clock });
		fake.inject({ route: 'keycheck', mode: 'delay', delayMs: 5000 });
		let answered = false;
		const pending = call(fake, 'GET', '/v2/me').then((body) => {
			answered = true;
			return body;
		});
		await clock.advance(4999);
		expect(answered).toBe(false);
		await clock.advance(1);
		expect(answered).toBe(true);
		expect((await pending).team.credits).toBe(1000);
	});

	it('stamps timestamps in bodies with clock time', async () => {
		const clock = new VirtualClock(Date.UTC(2030, 5, 1));
		fake = await startFakeProvider('apiframe', { clock, taskDurationMs: 2000 });
		const { jobId } = await call(fake, 'POST', '/v2/images/generate', {
			model: 'gpt-image-2',
			prompt: 'x',
		});
		await clock.advance(60_000);
		const job = await call(fake, 'GET', `/v2/jobs/${jobId}`);
		expect(job).toMatchObject({
			status: 'COMPLETED',
			createdAt: '2030-06-01T00:00:00.000Z',
			completedAt: '2030-06-01T00:00:02.000Z',
		});
		await fake.close();

		fake = await startFakeProvider('evoLink', { clock });
		const upload = await call(fake, 'POST', '/api/v1/files/upload/base64', {
			base64_data: pngBytes(2, 2).toString('base64'),
		});
		expect(upload.data).toMatchObject({
			upload_time: '2030-06-01T00:01:00.000Z',
			expires_at: '2030-06-04T00:01:00.000Z',
		});
	});

	it('schedules callbacks, retry waits and attempt timeouts on the clock', async () => {
		const clock = new VirtualClock();
		const answers = [500, 204];
		let hang = false;
		receiver = await startReceiver(() =>
			hang ? new Promise<number>(() => {}) : (answers.shift() ?? 204),
		);
		const origin = receiver.origin;
		fake = await startFakeProvider('evoLink', {
			clock,
			taskDurationMs: 30_000,
			callbackRewrite: (u) => u.replace(PUBLIC_ORIGIN, origin),
		});
		const task = await call(fake, 'POST', '/v1/images/generations', {
			model: 'gpt-image-1.5',
			prompt: 'x',
			callback_url: PUBLIC_HOOK,
		});
		await clock.advance(29_999);
		expect(receiver.hits).toHaveLength(0);
		await clock.advance(1);
		await receiver.waitForHits(1);
		await waitUntil(() => fake!.callbacks.length === 1);
		expect(fake.callbacks[0]).toMatchObject({
			attempt: 1,
			status: 500,
			at: fake.tasks.get(task.id)!.doneAt,
		});
		await clock.advance(999); // default retry delays 1/2/4 s, on the clock
		expect(receiver.hits).toHaveLength(1);
		await clock.advance(1);
		await fake.whenCallbacksIdle();
		expect(fake.callbacks.map((c) => [c.attempt, c.status, c.at - fake!.callbacks[0].at])).toEqual([
			[1, 500, 0],
			[2, 204, 1000],
		]);

		hang = true; // now a receiver that never answers: the 10 s attempt timeout runs on the clock
		fake.options.callbackRetryDelaysMs = [];
		await call(fake, 'POST', '/v1/images/generations', {
			model: 'gpt-image-1.5',
			prompt: 'y [slow:0]',
			callback_url: PUBLIC_HOOK,
		});
		await clock.advance(0);
		await receiver.waitForHits(3);
		await clock.advance(9_999);
		expect(fake.callbacks).toHaveLength(2);
		await clock.advance(1);
		await fake.whenCallbacksIdle();
		expect(fake.callbacks[2]).toMatchObject({
			attempt: 1,
			status: null,
			error: 'timed out after 10000 ms',
		});
	});
});

describe('ScaledClock', () => {
	it('completes a 2 s task after about 100 ms of real time at 20x', async () => {
		const clock = new ScaledClock(20);
		fake = await startFakeProvider('evoLink', { clock, taskDurationMs: 2000 });
		const started = Date.now();
		const { id } = await call(fake, 'POST', '/v1/images/generations', {
			model: 'gpt-image-1.5',
			prompt: 'x',
		});
		let status = '';
		while (status !== 'completed') {
			status = (await call(fake, 'GET', `/v1/tasks/${id}`)).status;
			if (status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 5)); // a poll interval, not a wait for the outcome
		}
		const elapsed = Date.now() - started;
		expect(elapsed).toBeGreaterThanOrEqual(90);
		expect(elapsed).toBeLessThan(1000);
	});

	it('delivers a callback with retries about 20x faster', async () => {
		const clock = new ScaledClock(20);
		const answers = [500, 502, 200];
		receiver = await startReceiver(() => answers.shift() ?? 200);
		const origin = receiver.origin;
		fake = await startFakeProvider('starMagic', {
			clock,
			taskDurationMs: 2000,
			callbackRewrite: (u) => u.replace(PUBLIC_ORIGIN, origin),
		});
		const started = Date.now();
		await call(fake, 'POST', '/v1/images/generations', {
			model: 'gpt-image-2',
			prompt: 'x',
			callback_url: PUBLIC_HOOK,
		});
		await fake.whenCallbacksIdle();
		const elapsed = Date.now() - started;
		// Unscaled: 2 s task + 1 s + 2 s retry waits = 5 s. At 20x: about 250 ms.
		expect(elapsed).toBeGreaterThanOrEqual(240);
		expect(elapsed).toBeLessThan(2500);
		const [first, second, third] = fake.callbacks;
		expect(fake.callbacks.map((c) => [c.attempt, c.status])).toEqual([
			[1, 500],
			[2, 502],
			[3, 200],
		]);
		// In clock time the waits are the documented 1 s and 2 s (one real ms is 20 clock ms).
		expect(second.at - first.at).toBeGreaterThanOrEqual(1000 - 40);
		expect(third.at - second.at).toBeGreaterThanOrEqual(2000 - 40);
		expect(receiver.hits).toHaveLength(3);
	});
});
