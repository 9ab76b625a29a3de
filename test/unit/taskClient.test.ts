/**
 * The task client against the fake providers' in-process transport, in simulated time: which
 * failures are retried and after how long, when a submission is never sent twice, and what a
 * download refuses. Every provider of the registry runs the shared cases.
 */
import { PROVIDERS } from '../../nodes/providers';
import { TaskClient } from '../../nodes/shared/taskClient';
import type { CallLimits } from '../../nodes/shared/taskClient';
import type { ProviderDefinition } from '../../nodes/shared/provider';
import type { ImageRequest } from '../../nodes/shared/types';
import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';
import { request } from '../fixtures/request';
import { VirtualClock } from '../tools/clock';
import { executeContext } from '../tools/n8nContext';

interface Setup {
	clock: VirtualClock;
	fake: FakeProvider;
	client: TaskClient;
	limits: (extra?: Partial<CallLimits>) => CallLimits;
	submit: (extra?: Partial<ImageRequest>) => ReturnType<TaskClient['submit']>;
}

const open: FakeProvider[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map(async (f) => await f.close()));
});

async function setup(provider: ProviderDefinition): Promise<Setup> {
	const clock = new VirtualClock();
	const fake = await startFakeProvider(provider, { clock, taskDurationMs: 10000 });
	open.push(fake);
	const { adapter } = provider;
	const credentials = {
		[adapter.credentialType]: {
			apiKey: fake.apiKey,
			baseUrl: fake.baseUrl,
			fileBaseUrl: fake.baseUrl,
		},
	};
	const fn = executeContext({ fakes: [fake], clock, credentials, items: [{}] });
	const client = new TaskClient(
		fn,
		adapter,
		adapter.baseUrls(credentials[adapter.credentialType]),
		clock,
	);
	const limits = (extra: Partial<CallLimits> = {}) => ({
		itemIndex: 0,
		timeoutMs: 60000,
		deadline: clock.now() + 900000,
		...extra,
	});
	const submit = async (extra: Partial<ImageRequest> = {}) =>
		await client.submit(adapter.buildSubmit(request(extra), 1, 'key-1'), limits());
	return { clock, fake, client, limits, submit };
}

describe.each(PROVIDERS.map((p) => [p.key, p] as const))('%s task client', (_key, provider) => {
	it('retries a status read answered 429 after Retry-After, then reads the task', async () => {
		const { clock, fake, client, submit, limits } = await setup(provider);
		const task = await clock.run(async () => await submit());
		fake.inject({ route: 'status', status: 429, headers: { 'Retry-After': '7' } });
		const before = clock.now();
		const read = await clock.run(async () => await client.status(task.taskId, limits()));
		expect(read.taskId).toBe(task.taskId);
		expect(clock.now() - before).toBeGreaterThanOrEqual(7000);
		expect(fake.counts.statusPolls).toBe(2);
	});

	it('retries 5xx, resets and unreadable JSON on reads, with growing waits', async () => {
		const { clock, fake, client, submit, limits } = await setup(provider);
		const task = await clock.run(async () => await submit());
		fake.inject({ route: 'status', status: 503 });
		fake.inject({ route: 'status', mode: 'reset' });
		fake.inject({ route: 'status', mode: 'malformed' });
		await clock.run(async () => await client.status(task.taskId, limits()));
		const times = fake.requests.filter((r) => r.route === 'status').map((r) => r.at);
		expect(times).toHaveLength(4);
		// Full jitter between half and all of 1, 2, 4 s.
		const waits = times.slice(1).map((t, i) => t - times[i]);
		waits.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(500 * 2 ** i));
	});

	it('gives up once the next wait would pass the item deadline, with the provider message', async () => {
		const { clock, fake, client, submit, limits } = await setup(provider);
		const task = await clock.run(async () => await submit());
		fake.inject({ route: 'status', status: 500, times: Infinity });
		const reading = clock.run(
			async () => await client.status(task.taskId, limits({ deadline: clock.now() + 3000 })),
		);
		await expect(reading).rejects.toThrow(new RegExp(`^${provider.adapter.displayName}: `));
		expect(fake.counts.statusPolls).toBeLessThanOrEqual(3);
	});

	it('ends a request that takes longer than Request Timeout', async () => {
		const { clock, fake, client, submit, limits } = await setup(provider);
		const task = await clock.run(async () => await submit());
		fake.inject({ route: 'status', mode: 'delay', delayMs: 120000, times: Infinity });
		const reading = clock.run(
			async () =>
				await client.status(
					task.taskId,
					limits({ timeoutMs: 5000, deadline: clock.now() + 12000 }),
				),
		);
		await expect(reading).rejects.toThrow(/no complete answer within 5 s/);
	});

	it('a submission refused before it arrived (429) is sent again, and billed once', async () => {
		const { clock, fake, submit } = await setup(provider);
		fake.inject({ route: 'submit', status: 429 });
		await clock.run(async () => await submit());
		expect(fake.counts).toMatchObject({ submitRequests: 2, submissions: 1 });
	});

	it('after a submission that may have arrived, repeats only with an idempotency key', async () => {
		const { clock, fake, submit } = await setup(provider);
		fake.inject({ route: 'submit', mode: 'reset', createTask: true });
		const attempt = clock.run(async () => await submit());
		if (provider.adapter.idempotentSubmit) {
			await attempt;
			expect(fake.counts).toMatchObject({ submitRequests: 2, submissions: 1, replays: 1 });
		} else {
			await expect(attempt).rejects.toMatchObject({
				description: expect.stringMatching(/may have created \(and billed\) a task/),
			});
			expect(fake.counts).toMatchObject({ submitRequests: 1, submissions: 1 });
		}
	});

	it('downloads a finished image, retries a cut download, refuses a missing one', async () => {
		const { clock, fake, client, submit, limits } = await setup(provider);
		const task = await clock.run(async () => await submit());
		await clock.advance(10000);
		const done = await clock.run(async () => await client.status(task.taskId, limits()));
		const [url] = done.imageUrls;
		const bounds = { maxBytes: 1048576, timeoutMs: 60000 };
		fake.inject({ route: 'download', mode: 'truncate' });
		const image = await clock.run(async () => await client.download(url, 'x', bounds, limits()));
		expect(image.mimeType).toMatch(/^image\//);
		expect(fake.counts.downloads).toBe(2);
		fake.inject({ route: 'download', status: 404 });
		await expect(
			clock.run(async () => await client.download(url, 'x', bounds, limits())),
		).rejects.toThrow(/answered 404/);
		fake.inject({ route: 'download', mode: 'wrongType' });
		await expect(
			clock.run(async () => await client.download(url, 'x', bounds, limits())),
		).rejects.toThrow(/is not a PNG, JPEG, WebP or GIF image/);
		await expect(
			clock.run(async () => await client.download(url, 'x', { ...bounds, maxBytes: 10 }, limits())),
		).rejects.toThrow(/above the 0 MB limit|larger than/);
	});
});
