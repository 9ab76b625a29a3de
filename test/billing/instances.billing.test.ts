/**
 * Apiframe's Idempotency-Key names the n8n instance: two instances that run the same workflow
 * with the same workflow and execution IDs (an imported workflow, a database started again) get
 * a job each, while a retry on the same instance is replayed by Apiframe, not billed again.
 * Runs the item loop against the in-process fake in simulated time.
 */
import { PROVIDERS } from '../../nodes/providers';
import { useClock } from '../../nodes/shared/clock';
import { ledger } from '../../nodes/shared/ledger';
import { runImageNode } from '../../nodes/shared/router';
import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';
import { VirtualClock } from '../tools/clock';
import { executeContext } from '../tools/n8nContext';

const apiframe = PROVIDERS.find((p) => p.adapter.idempotentSubmit)!;
const clock = new VirtualClock();
let fake: FakeProvider;
beforeAll(async () => {
	useClock(clock);
	fake = await startFakeProvider(apiframe, { clock, callbacksEnabled: false });
});
afterAll(async () => {
	useClock();
	await fake.close();
});

async function runOn(instanceId: string) {
	// Each run stands for a fresh process: nothing of the other run is remembered in memory.
	ledger.clear();
	const fn = executeContext({
		fakes: [fake],
		clock,
		credentials: {
			[apiframe.adapter.credentialType]: { apiKey: fake.apiKey, baseUrl: fake.baseUrl },
		},
		items: [
			{
				operation: 'generate',
				model: 'gpt-image-1.5',
				prompt: 'a fox',
				options: { output: 'url' },
			},
		],
		executionId: '17',
		workflowId: 'imported-workflow',
		instanceId,
	});
	return await clock.run(async () => (await runImageNode.call(fn, apiframe))[0]);
}

it('two instances with the same workflow and execution IDs get two jobs; the same instance gets a replay', async () => {
	const first = await runOn('instance-a');
	const second = await runOn('instance-b');
	expect(fake.counts).toMatchObject({ submissions: 2, replays: 0 });
	expect(second[0].json.taskId).not.toBe(first[0].json.taskId);
	const again = await runOn('instance-a');
	expect(fake.counts).toMatchObject({ submissions: 2, replays: 1 });
	expect(again[0].json.taskId).toBe(first[0].json.taskId);
	const keys = [...fake.tasks.values()].map((t) => t.idempotencyKey);
	expect(new Set(keys).size).toBe(2);
	// A fixed form: the prefix and 48 hex digits of the hash (62 characters).
	for (const key of keys) expect(key).toMatch(/^n8n-gpt-image-[0-9a-f]{48}$/);
});
