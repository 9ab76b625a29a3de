/**
 * The item loop (runImageNode) in simulated time, against the fakes' in-process transport:
 * order and pairing, Max Concurrent Tasks, Continue On Fail, the error output, and that bad
 * input sends nothing. The engine tests run the same paths inside n8n-core.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { PROVIDERS } from '../../nodes/providers';
import { useClock } from '../../nodes/shared/clock';
import { runImageNode } from '../../nodes/shared/router';
import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';
import { VirtualClock } from '../tools/clock';
import { executeContext } from '../tools/n8nContext';

const provider = PROVIDERS.find((p) => p.adapter.wireFormat === 'unified-task')!;
let clock: VirtualClock;
let fake: FakeProvider;

beforeEach(async () => {
	clock = new VirtualClock();
	useClock(clock);
	fake = await startFakeProvider(provider, { clock, taskDurationMs: 20000 });
});
afterEach(async () => {
	useClock();
	await fake.close();
});

const item = (prompt: string, extra: IDataObject = {}): IDataObject => ({
	operation: 'generate',
	model: 'gpt-image-1.5',
	prompt,
	options: { output: 'url' },
	...extra,
});

interface Settings {
	continueOnFail?: boolean;
	onError?: string;
	/** The same execution again, as n8n's Retry On Fail runs it. */
	executionId?: string;
}

async function run(items: IDataObject[], settings: Settings = {}) {
	const credentials = {
		[provider.adapter.credentialType]: { apiKey: fake.apiKey, baseUrl: fake.baseUrl },
	};
	const fn = executeContext({
		fakes: [fake],
		clock,
		credentials,
		items,
		continueOnFail: settings.continueOnFail,
		executionId: settings.executionId,
		node: settings.onError ? { onError: settings.onError as 'continueErrorOutput' } : {},
	});
	return await clock.run(async () => (await runImageNode.call(fn, provider))[0]);
}

const prompts = (out: INodeExecutionData[]) => out.map((i) => i.json.prompt ?? i.json.error);

describe('runImageNode', () => {
	it('runs items at once and returns them in input order, each paired to its input', async () => {
		const out = await run([
			item('slow [slow:60000]'),
			item('fast [slow:5000]'),
			item('middle [slow:30000]'),
		]);
		expect(prompts(out)).toEqual(['slow [slow:60000]', 'fast [slow:5000]', 'middle [slow:30000]']);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		// All three ran together: the slowest set the pace.
		expect(
			clock.now() - Math.min(...[...fake.tasks.values()].map((t) => t.createdAt)),
		).toBeLessThan(70000);
	});

	it('keeps at most Max Concurrent Tasks tasks running at once', async () => {
		const options = { output: 'url', maxConcurrentTasks: 2 };
		await run(Array.from({ length: 6 }, (_, i) => item(`p${i}`, { options })));
		const spans = [...fake.tasks.values()].map((t) => [t.createdAt, t.doneAt as number]);
		const most = Math.max(
			...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length),
		);
		expect(most).toBe(2);
		expect(fake.counts.submissions).toBe(6);
	});

	it('frees a place under Max Concurrent Tasks when the task is over, not after its download', async () => {
		const options = { maxConcurrentTasks: 1 };
		fake.inject({ route: 'download', mode: 'delay', delayMs: 30000, times: 1 });
		const out = await run([item('first', { options }), item('second', { options })]);
		expect(out.map((i) => Object.keys(i.binary ?? {}))).toEqual([['data'], ['data']]);
		const [first, second] = [...fake.tasks.values()].sort((a, b) => a.createdAt - b.createdAt);
		// Never two tasks at the provider at once...
		expect(second.createdAt).toBeGreaterThanOrEqual(first.doneAt as number);
		// ...but the second was sent while the first item's image was still on its way.
		expect(second.createdAt).toBeLessThan((first.doneAt as number) + 30000);
	});

	it('checks every item before sending anything: one bad item stops the node with zero requests', async () => {
		await expect(run([item('fine'), item('   ')])).rejects.toThrow('Prompt is empty');
		expect(fake.counts.total).toBe(0);
	});

	it('with Continue On Fail, a bad or failing item becomes its own paired error item', async () => {
		const out = await run(
			[item('one'), item(''), item('three [fail:generation_timeout]'), item('four')],
			{ continueOnFail: true },
		);
		expect(out.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(out[1].json).toEqual({ error: 'Prompt is empty', description: expect.any(String) });
		expect(out[2].json.error).toMatch(/Task task-unified-.* failed: /);
		expect([out[0].json.status, out[3].json.status]).toEqual(['completed', 'completed']);
		expect(fake.counts.submissions).toBe(3);
	});

	it('sends an error item to the error output with the error itself attached', async () => {
		const out = await run([item('bad [fail:content_policy_violation]')], {
			continueOnFail: true,
			onError: 'continueErrorOutput',
		});
		expect(out[0].error?.message).toMatch(/failed: /);
		expect(out[0].json).toEqual({ error: out[0].error?.message });
	});

	it('without Continue On Fail, the first failure stops the other items and names the earliest', async () => {
		const failing = run([
			item('long [never]'),
			item('bad [fail:content_policy_violation]'),
			item('ok'),
		]);
		await expect(failing).rejects.toThrow(/failed: /);
		// The never-ending task of item 0 was not waited for: the node ended when item 1 failed.
		expect(
			clock.now() - Math.min(...[...fake.tasks.values()].map((t) => t.createdAt)),
		).toBeLessThan(60000);
	});

	it('a retry of the same execution takes over the tasks it paid for instead of submitting again', async () => {
		const items = [item('one [slow:30000]'), item('two [fail:content_policy_violation]')];
		await expect(run(items, { executionId: 'retry-1' })).rejects.toThrow(/failed: /);
		expect(fake.counts.submissions).toBe(2);
		await expect(run(items, { executionId: 'retry-1' })).rejects.toThrow(/failed: /);
		// Item 0's task is taken over (and now finished); only item 1's failed task is tried anew.
		expect(fake.counts.submissions).toBe(3);
	});

	it('lists every task of the run in the error when the node fails', async () => {
		const failing = run([item('long [slow:60000]'), item('bad [fail:content_policy_violation]')]);
		const error = await failing.catch((e: Error & { description?: string }) => e);
		const [first] = [...fake.tasks.values()];
		expect((error as { description?: string }).description).toMatch(
			new RegExp(
				`Tasks this node submitted in this run.*item 0: ${first.id} \\((queued|processing)\\)`,
			),
		);
	});
});
