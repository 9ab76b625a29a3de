/**
 * What a caller of the GPT Image Trigger can learn and cost, and whether a replay can start a
 * second run (issue 22, items 6-8), in n8n-core's webhook context against the fakes:
 * - answers are short fixed texts (no socket error, provider message or account state);
 * - reads of the provider's API made to confirm calls are bounded (a known delivery costs none, an
 *   unknown task ID is remembered, a flood gets 429 with Retry-After);
 * - a delivery that started a run starts no second one after 500 newer deliveries, 11 minutes,
 *   publishing again, or a restart (the process's memory gone).
 */
import type { INodeParameters } from 'n8n-workflow';
import * as path from 'node:path';

import type * as MemoryModule from '../../nodes/GptImageTrigger/memory';
import { PROVIDERS } from '../../nodes/providers';
import { deliveryFor, finishedDelivery } from '../engine/deliveries';
import { createTrigger, REPO_ROOT } from '../engine/harness';
import type { TriggerCall, TriggerHandle } from '../engine/harness';
import { clock, credentialsFor, NODES, startFakes, stopFakes } from '../engine/setup';
import type { Fakes, NodeName } from '../engine/setup';
import { AttackTable } from './table';

/** The trigger's process memory in the engine's copy of the nodes (dist): a restart forgets it. */
const memory = require(
	path.join(REPO_ROOT, 'dist/nodes/GptImageTrigger/memory'),
) as typeof MemoryModule;

const table = new AttackTable('Callers of the trigger: what they learn, what they cost, replays');
let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => {
	await stopFakes(fakes);
	table.print();
});
beforeEach(() => {
	Object.values(fakes).forEach((f) => f.reset());
	memory.forgetDeliveries();
});

const unified = NODES.filter(
	(n) => PROVIDERS.find((p) => p.key === n)!.adapter.wireFormat === 'unified-task',
);
const signing = NODES.filter(
	(n) => PROVIDERS.find((p) => p.key === n)!.adapter.callback?.signature,
);

async function trigger(parameters: INodeParameters): Promise<TriggerHandle> {
	const handle = await createTrigger({
		node: { name: 'GPT Image Trigger', type: 'gptImageTrigger', parameters },
		credentials: credentialsFor(fakes),
	});
	await handle.lifecycle('create');
	return handle;
}

const started = (call: TriggerCall) => call.items !== undefined;
const IMAGES = ['https://cdn.example.com/x.png'];
const reads = (node: NodeName) => fakes[node].counts.statusPolls;
const randomId = (node: NodeName, i: number) =>
	fakes[node].wireFormat === 'apiframe-v2'
		? `0000${String(i).padStart(4, '0')}-e5f6-7890-abcd-ef1234567890`
		: `task-unified-1757156493-f${String(i).padStart(7, '0')}`;

describe.each(unified)('%s: what a caller learns', (node) => {
	it('the provider API down: 503 with a fixed text, one read and no retry', async () => {
		const handle = await trigger({ provider: node });
		fakes[node].inject({ route: 'status', status: 503, times: Infinity });
		const call = await handle.call(
			deliveryFor(fakes, node, { taskId: randomId(node, 1), images: IMAGES }),
		);
		expect(started(call)).toBe(false);
		expect(call.response).toEqual({
			statusCode: 503,
			body: { error: 'Could not confirm the task now; deliver again' },
			ended: true,
		});
		expect(reads(node)).toBe(1);
		table.add(
			`${node}: callback while the provider's API answers 503`,
			'503 repeating the provider/socket error; 3 reads of the API per call',
			'503 "Could not confirm the task now; deliver again"; 1 read',
		);
	});

	it('an unknown task: 403 "Unknown task", and the same ID again costs no read', async () => {
		const handle = await trigger({ provider: node });
		const forged = deliveryFor(fakes, node, { taskId: randomId(node, 2), images: IMAGES });
		const first = await handle.call(forged);
		const again = await handle.call(forged);
		expect([first.response.statusCode, again.response.statusCode]).toEqual([403, 403]);
		expect(first.response.body).toEqual({ error: 'Unknown task' });
		expect(reads(node)).toBe(1);
		table.add(
			`${node}: the same made-up task ID sent twice`,
			'2 reads, an answer naming the provider',
			'403 "Unknown task" both times, 1 read',
		);
	});
});

describe.each(signing)('%s: what a caller learns', (node) => {
	it('a bad signature: 401 "Not authorized", nothing about the key', async () => {
		const handle = await trigger({ provider: node });
		const forged = deliveryFor(fakes, node, { taskId: randomId(node, 3), images: IMAGES });
		const call = await handle.call({ ...forged, headers: { 'x-webhook-signature': 'sha256=00' } });
		expect(call.response.body).toEqual({ error: 'Not authorized' });
		table.add(
			`${node}: callback with a wrong signature`,
			'401 "Invalid or missing x-webhook-signature"',
			'401 "Not authorized"',
		);
	});
});

describe('confirmation is bounded', () => {
	it('200 forged callbacks at once with random well-formed task IDs cost at most the burst (20) of reads of the API, then its rate', async () => {
		const node = 'evoLink';
		const handle = await trigger({ provider: node });
		const began = clock.now();
		const calls = await Promise.all(
			Array.from({ length: 200 }, async (_, i) =>
				handle.call(deliveryFor(fakes, node, { taskId: randomId(node, 1000 + i), images: IMAGES })),
			),
		);
		const codes = new Map<number, number>();
		calls.forEach((c) =>
			codes.set(c.response.statusCode, (codes.get(c.response.statusCode) ?? 0) + 1),
		);
		expect(calls.some(started)).toBe(false);
		// At most the burst at once, then the rate for the (clock) time the flood took.
		const { burst, ratePerSecond } = memory.CONFIRM_LIMITS;
		const seconds = (clock.now() - began) / 1000;
		expect(reads(node)).toBeLessThanOrEqual(burst + Math.ceil(ratePerSecond * seconds));
		expect(codes.get(429)).toBeGreaterThan(0);
		const limited = calls.find((c) => c.response.statusCode === 429)!;
		expect(limited.response.body).toEqual({
			error: 'Too many callbacks at once; deliver again later',
		});
		table.add(
			'200 forged EvoLink callbacks at once, random well-formed task IDs',
			'200 reads of the provider API with the stored key (3 each when it answers 503)',
			`${reads(node)} reads (at most 20 at once, then 10 a second); ${codes.get(403) ?? 0} answered 403, ${codes.get(429) ?? 0} answered 429 with Retry-After`,
		);
	});

	it('a known delivery sent 1,000 times costs no read and starts one run', async () => {
		const node = 'evoLink';
		const handle = await trigger({ provider: node });
		const real = await finishedDelivery(fakes, node);
		const before = reads(node);
		const first = await handle.call(real);
		const confirmedWith = reads(node) - before;
		const repeats = await Promise.all(Array.from({ length: 1000 }, async () => handle.call(real)));
		expect(started(first)).toBe(true);
		expect(repeats.some(started)).toBe(false);
		expect(reads(node) - before).toBe(confirmedWith);
		table.add(
			'The same genuine EvoLink delivery 1,000 more times',
			'0 runs, but 1 read of the provider API each',
			'0 runs, 0 reads',
		);
	});
});

describe.each(NODES)('%s: a replay never starts a second run', (node) => {
	it('after 500 newer deliveries and 11 minutes, after publishing again, and after a restart', async () => {
		const handle = await trigger({ provider: node });
		const real = await finishedDelivery(fakes, node);
		const task = fakes[node].tasks.get(real.taskId)!;
		expect(started(await handle.call(real))).toBe(true);
		// The provider's record: Apiframe marks the delivery acknowledged.
		if (fakes[node].wireFormat === 'apiframe-v2') task.webhookStatus = 'delivered';
		// 500 newer deliveries, each a run.
		for (let i = 0; i < 500; i++) {
			memory.startedRuns.set(`elsewhere-${i}`, true, clock.now());
		}
		const outcomes: string[] = [];
		const replay = async (what: string) => {
			const call = await handle.call(real);
			outcomes.push(`${what}: ${started(call) ? 'a second run' : 'no run'}`);
			expect(started(call)).toBe(false);
		};
		await replay('after 500 newer');
		// 11 minutes later: the task ended 11 minutes ago for the provider too.
		const minutes11 = 11 * 60 * 1000;
		task.createdAt -= minutes11;
		task.doneAt = (task.doneAt ?? clock.now()) - minutes11;
		await replay('after 11 minutes');
		await handle.lifecycle('delete');
		await handle.lifecycle('create');
		await replay('after publishing again');
		// A restart: the process's memory is gone (the static data is kept by this harness, as
		// n8n 1.x keeps it; n8n 2.x does not save it for a call that starts a run, so it is cleared
		// here too and the provider's own record must decide).
		memory.forgetDeliveries();
		delete (handle.staticData()['node:GPT Image Trigger'] as Record<string, unknown> | undefined)
			?.seenDeliveries;
		if (fakes[node].wireFormat === 'unified-task') {
			// What a replay after a restart meets: a task created more than an hour ago.
			task.createdAt -= 3600 * 1000;
		}
		await replay('after a restart');
		table.add(
			`${node}: a genuine delivery replayed`,
			'a second run after 500 newer deliveries and 11 minutes, a restart, or publishing again',
			outcomes.join('; '),
		);
	});
});
