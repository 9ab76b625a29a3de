/**
 * The poll loop in simulated time: a stand-in task client answers from tasks whose state
 * follows the virtual clock, so schedules, deadlines and stops are checked without waiting.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { evoLink } from '../../nodes/EvoLink/EvoLink.provider';
import { apiframe } from '../../nodes/Apiframe/Apiframe.provider';
import { TaskPoller } from '../../nodes/shared/poller';
import type { CallLimits, TaskClient } from '../../nodes/shared/taskClient';
import type { ProviderAdapter, TaskSnapshot } from '../../nodes/shared/types';
import { CancelledError } from '../../nodes/shared/wait';
import { VirtualClock } from '../tools/clock';
import { SimProvider } from '../tools/simProvider';

const node = { name: 'Image', type: 'n8n-nodes-gpt-image.evoLink' };

function setup(adapter: ProviderAdapter = evoLink.adapter, signal?: AbortSignal) {
	const clock = new VirtualClock();
	const client = new SimProvider(clock);
	const fn = {
		getNode: () => node,
		getExecutionCancelSignal: () => signal,
	} as unknown as IExecuteFunctions;
	const poller = new TaskPoller(fn, client as unknown as TaskClient, adapter, clock);
	const limits = (itemIndex = 0): CallLimits => ({
		itemIndex,
		timeoutMs: 60000,
		deadline: clock.now() + 900000,
	});
	return { clock, client, poller, limits };
}

describe('TaskPoller', () => {
	it('checks a task on the way, then just after the provider estimate', async () => {
		const { clock, client, poller, limits } = setup();
		const submitted = client.add({ id: 'a', durationMs: 30000, estimateSeconds: 30 });
		const done = await clock.run(
			async () => await poller.wait(submitted, { limits: limits(), maxWaitMs: 900000 }),
		);
		expect(done.status).toBe('completed');
		// At most 10 s ahead each time: 10 s (33%: 29.4-30.3 s), 20 s (66%), then the finish.
		expect(client.reads.map((r) => r.at - client.tasks.get('a')!.startedAt)).toEqual([
			10000, 20000, 30000,
		]);
	});

	it('finds the finish from progress when there is no estimate, at most once a second', async () => {
		const { clock, client, poller, limits } = setup();
		const submitted = client.add({ id: 'b', durationMs: 20000 });
		const started = clock.now();
		const done = await clock.run(
			async () => await poller.wait(submitted, { limits: limits(), maxWaitMs: 900000 }),
		);
		expect(done.status).toBe('completed');
		const times = client.reads.map((r) => r.at - started);
		for (let i = 1; i < times.length; i++)
			expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
		// Seen less than 2 s after it finished, with fewer than one read per task-second.
		expect(times[times.length - 1] - 20000).toBeLessThan(2000);
		expect(times.length).toBeLessThan(20);
	});

	it('fails a task that outlives Max Wait with its ID, after a last check at the deadline', async () => {
		const { clock, client, poller, limits } = setup();
		const submitted = client.add({ id: 'slow', durationMs: 600000 });
		const waiting = clock.run(
			async () => await poller.wait(submitted, { limits: limits(), maxWaitMs: 5000 }),
		);
		await expect(waiting).rejects.toThrow(/Task slow did not finish within 5 s/);
		expect(client.reads[client.reads.length - 1].at - client.tasks.get('slow')!.startedAt).toBe(
			5000,
		);
	});

	it('serves many tasks from one loop, each on its own schedule, and returns failures as snapshots', async () => {
		const { clock, client, poller, limits } = setup();
		const tasks = [
			client.add({ id: 't1', durationMs: 5000, estimateSeconds: 5 }),
			client.add({ id: 't2', durationMs: 9000, estimateSeconds: 9 }),
			client.add({ id: 't3', durationMs: 6000, estimateSeconds: 6, fails: true }),
		];
		const done = await clock.run(
			async () =>
				await Promise.all(
					tasks.map(async (t, i) => await poller.wait(t, { limits: limits(i), maxWaitMs: 900000 })),
				),
		);
		expect(done.map((d) => d.status)).toEqual(['completed', 'completed', 'failed']);
		// Each task: one check halfway through its estimate, one at the finish.
		expect(client.reads).toHaveLength(6);
	});

	it('keeps polling after a failed read: the client decides what a read failure means', async () => {
		const { clock, client, poller, limits } = setup();
		const submitted = client.add({ id: 'x', durationMs: 2000, estimateSeconds: 2 });
		client.failNext = 1;
		const waiting = clock.run(
			async () => await poller.wait(submitted, { limits: limits(), maxWaitMs: 900000 }),
		);
		// The task client already retried; an error reaching the poller fails that task.
		await expect(waiting).rejects.toThrow('status read failed');
	});

	it('reads all waiting Apiframe jobs with one list request', async () => {
		const { clock, client, poller, limits } = setup(apiframe.adapter);
		const tasks = Array.from({ length: 5 }, (_, i) =>
			client.add({ id: `j${i}`, durationMs: 3000 + i * 10 }),
		);
		const done = await clock.run(
			async () =>
				await Promise.all(
					tasks.map(async (t) => await poller.wait(t, { limits: limits(), maxWaitMs: 900000 })),
				),
		);
		expect(done.every((d) => d.status === 'completed')).toBe(true);
		expect(client.batchReads).toBeGreaterThan(0);
		// One list request per cycle instead of five single reads.
		expect(client.reads.length).toBeLessThan(client.batchReads * 5);
	});

	it('rejects every waiting task at once when stopped', async () => {
		const { clock, client, poller, limits } = setup();
		const tasks = [
			client.add({ id: 's1', durationMs: 60000 }),
			client.add({ id: 's2', durationMs: 60000 }),
		];
		const waits = tasks.map((t) => poller.wait(t, { limits: limits(), maxWaitMs: 900000 }));
		await clock.advance(3000);
		poller.stopAll(new CancelledError());
		await expect(Promise.all(waits)).rejects.toThrow('The execution was stopped');
	});

	it('stops within one 200 ms slice once the execution is cancelled', async () => {
		const controller = new AbortController();
		const { clock, client, poller, limits } = setup(evoLink.adapter, controller.signal);
		const submitted = client.add({ id: 'c', durationMs: 60000, estimateSeconds: 60 });
		const waiting = poller.wait(submitted, { limits: limits(), maxWaitMs: 900000 });
		await clock.advance(2000);
		controller.abort();
		const cancelledAt = clock.now();
		const outcome = clock.run(async () => await waiting);
		await expect(outcome).rejects.toThrow('The execution was stopped');
		expect(clock.now() - cancelledAt).toBeLessThanOrEqual(200);
	});

	it('reads a replayed, already completed submission once for its results', async () => {
		const { clock, client, poller, limits } = setup(apiframe.adapter);
		client.add({ id: 'done', durationMs: 0 });
		const replay: TaskSnapshot = { taskId: 'done', status: 'completed', imageUrls: [] };
		const finished = await clock.run(
			async () => await poller.wait(replay, { limits: limits(), maxWaitMs: 900000 }),
		);
		expect(finished.imageUrls).toEqual(['https://cdn.example/done.png']);
		expect(client.reads).toHaveLength(1);
	});

	it('one stuck status read holds no other task; the stuck one fails after its Max Wait', async () => {
		const { clock, client, poller, limits } = setup();
		const stuck = client.add({ id: 'stuck', durationMs: 3000, estimateSeconds: 3 });
		const fine = client.add({ id: 'fine', durationMs: 6000, estimateSeconds: 6 });
		client.hanging.add('stuck');
		const started = clock.now();
		const options = { limits: { ...limits(), timeoutMs: 2000 }, maxWaitMs: 10000 };
		const [first, second] = await clock.run(
			async () =>
				await Promise.allSettled([poller.wait(stuck, options), poller.wait(fine, options)]),
		);
		expect(second).toMatchObject({ status: 'fulfilled', value: { status: 'completed' } });
		expect(first).toMatchObject({
			status: 'rejected',
			reason: { message: expect.stringMatching(/Task stuck did not finish within 10 s/) },
		});
		// The healthy task was seen on time; the stuck one was given up at Max Wait + request timeout.
		const fineRead = client.reads.filter((r) => r.taskId === 'fine').pop()!;
		expect(fineRead.at - started).toBeLessThan(7000);
		expect(clock.now() - started).toBeLessThanOrEqual(12200);
	});
});
