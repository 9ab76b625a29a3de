/**
 * The poll loop's list reads (Apiframe's GET /v2/jobs), in simulated time: a wave of jobs is
 * seen at its own finish whatever reading a list took of it on the way, due jobs wait for the
 * next list instead of costing a request each, and the list's pages are followed until every
 * waiting job is found (past MAX_LIST_PAGES the rest are read one by one).
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { apiframe } from '../../nodes/Apiframe/Apiframe.provider';
import { MAX_LIST_PAGES } from '../../nodes/shared/listPages';
import { LIST_INTERVAL_MS, TaskPoller } from '../../nodes/shared/poller';
import { TaskClient } from '../../nodes/shared/taskClient';
import type { CallLimits } from '../../nodes/shared/taskClient';
import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';
import { request } from '../fixtures/request';
import { VirtualClock } from '../tools/clock';
import { executeContext } from '../tools/n8nContext';
import { SimProvider } from '../tools/simProvider';

const limits = (clock: VirtualClock): CallLimits => ({
	itemIndex: 0,
	timeoutMs: 60000,
	deadline: clock.now() + 900000,
});

describe('TaskPoller list reads (simulated provider)', () => {
	function setup() {
		const clock = new VirtualClock();
		const client = new SimProvider(clock);
		const fn = {
			getNode: () => ({ name: 'Image' }),
			getExecutionCancelSignal: () => undefined,
		} as unknown as IExecuteFunctions;
		const poller = new TaskPoller(fn, client as unknown as TaskClient, apiframe.adapter, clock);
		return { clock, client, poller };
	}

	it('sees each job of a staggered wave at its own finish, with list requests only', async () => {
		const { clock, client, poller } = setup();
		// 50 jobs of 2 s, submitted 10 ms apart, as items released one after another.
		const seen = new Map<string, number>();
		await clock.run(async () => {
			await Promise.all(
				Array.from({ length: 50 }, async (_, i) => {
					await clock.sleep(i * 10);
					const job = client.add({ id: `w${i}`, durationMs: 2000 });
					await poller.wait(job, { limits: limits(clock), maxWaitMs: 900000 });
					seen.set(`w${i}`, clock.now());
				}),
			);
		});
		const lags = [...seen].map(([id, at]) => at - client.finishedAt(id));
		// A reading taken on the way never pushes a job a second past its finish.
		expect(Math.max(...lags)).toBeLessThanOrEqual(LIST_INTERVAL_MS + 100);
		expect(client.reads).toHaveLength(0);
		// About one list per LIST_INTERVAL_MS while the wave finishes, not one request per job.
		expect(client.batchReads).toBeLessThan(15);
	});

	it('holds a job due right after a list for the next one, not a read of its own', async () => {
		const { clock, client, poller } = setup();
		const started = clock.now();
		const jobs = [
			client.add({ id: 'a', durationMs: 3000 }),
			client.add({ id: 'b', durationMs: 3100 }),
			client.add({ id: 'c', durationMs: 60000 }),
		];
		const waits = jobs.map((job) => poller.wait(job, { limits: limits(clock), maxWaitMs: 900000 }));
		await clock.run(async () => await Promise.all(waits.slice(0, 2)));
		poller.stopAll(new Error('done'));
		await Promise.allSettled(waits);
		// 1 s: the first check (no estimate). 3.08 s: a's finish (33% at 1 s: 2.94-3.03 s); b is
		// read on the way (99%: 3.08-3.11 s) and falls due at 3.16 s, 80 ms after that list: it
		// waits for the next list, LIST_INTERVAL_MS after the last one.
		expect(client.batchTimes.map((t) => Math.round(t - started))).toEqual([
			1000,
			3080,
			3080 + LIST_INTERVAL_MS,
		]);
		expect(client.reads).toHaveLength(0);
	});

	it('reads due jobs one by one when a list request hangs', async () => {
		const { clock, client, poller } = setup();
		client.hangLists = true;
		const jobs = [
			client.add({ id: 'x', durationMs: 3000 }),
			client.add({ id: 'y', durationMs: 3000 }),
		];
		const done = await clock.run(
			async () =>
				await Promise.all(
					jobs.map(
						async (job) => await poller.wait(job, { limits: limits(clock), maxWaitMs: 60000 }),
					),
				),
		);
		expect(done.map((d) => d.status)).toEqual(['completed', 'completed']);
		// The one list never answered: after 2 s of patience the jobs were read on their own.
		expect(client.batchReads).toBe(1);
		expect(client.reads.length).toBeGreaterThanOrEqual(2);
	});
});

describe('TaskPoller list reads (Apiframe fake, paged list)', () => {
	const open: FakeProvider[] = [];
	afterEach(async () => {
		await Promise.all(open.splice(0).map(async (f) => await f.close()));
	});

	async function setup() {
		const clock = new VirtualClock();
		const fake = await startFakeProvider('apiframe', {
			clock,
			taskDurationMs: 5000,
			balance: 1000000,
		});
		open.push(fake);
		const { adapter } = apiframe;
		const credentials = { apiframeApi: { apiKey: fake.apiKey, baseUrl: fake.baseUrl } };
		const fn = executeContext({ fakes: [fake], clock, credentials, items: [{}] });
		const client = new TaskClient(fn, adapter, adapter.baseUrls(credentials.apiframeApi), clock);
		const poller = new TaskPoller(fn, client, adapter, clock);
		let key = 0;
		const submit = async () =>
			await clock.run(
				async () =>
					await client.submit(adapter.buildSubmit(request(), 1, `k${key++}`), limits(clock)),
			);
		return { clock, fake, poller, submit };
	}

	/** Three jobs of ours, then `others` newer jobs of the same account (other workflows). */
	async function waitBehind(others: number) {
		const { clock, fake, poller, submit } = await setup();
		const ours = [await submit(), await submit(), await submit()];
		for (let i = 0; i < others; i++) await submit();
		const pages = fake.requests.length;
		const done = await clock.run(
			async () =>
				await Promise.all(
					ours.map(
						async (job) => await poller.wait(job, { limits: limits(clock), maxWaitMs: 900000 }),
					),
				),
		);
		expect(done.every((d) => d.status === 'completed')).toBe(true);
		const reads = fake.requests.slice(pages);
		return {
			lists: reads.filter((r) => r.route === 'list'),
			singles: reads.filter((r) => r.route === 'status'),
		};
	}

	it('follows the cursor to jobs behind newer ones, without a read per job', async () => {
		// Pages of 20 (twice our 3, at least 20): our jobs are on the second page.
		const { lists, singles } = await waitBehind(30);
		expect(singles).toHaveLength(0);
		expect(lists.some((r) => r.query.cursor !== undefined)).toBe(true);
		expect(lists.every((r) => r.query.limit === '20')).toBe(true);
	});

	it(`reads jobs beyond ${MAX_LIST_PAGES} pages one by one`, async () => {
		const { lists, singles } = await waitBehind(65);
		expect(singles.length).toBeGreaterThanOrEqual(3);
		// Each list read stops at the page cap.
		const firstPages = lists.filter((r) => r.query.cursor === undefined);
		expect(lists.length).toBeLessThanOrEqual(firstPages.length * MAX_LIST_PAGES);
	});
});
