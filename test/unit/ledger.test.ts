import { canonical } from '../../nodes/shared/hash';
import { Book, Ledger, noteTask, taskScope } from '../../nodes/shared/ledger';
import type { TaskScope } from '../../nodes/shared/ledger';
import type { TaskSnapshot } from '../../nodes/shared/types';

const scope: TaskScope = {
	workflowId: 'wf',
	executionId: '7',
	nodeId: 'n1',
	runIndex: 0,
	instanceId: 'i',
};
const task = (taskId: string, status: TaskSnapshot['status'] = 'queued'): TaskSnapshot => ({
	taskId,
	status,
	imageUrls: [],
});

describe('Ledger', () => {
	it('keeps one book per workflow, execution and node, for every run and try of the node', () => {
		const ledger = new Ledger();
		const book = ledger.book(scope);
		expect(ledger.book({ ...scope, runIndex: 3 })).toBe(book);
		expect(ledger.book({ ...scope, executionId: '8' })).not.toBe(book);
		expect(ledger.book({ ...scope, nodeId: 'n2' })).not.toBe(book);
		expect(ledger.book({ ...scope, workflowId: 'other' })).not.toBe(book);
		expect(canonical({ b: 1, a: [2, { d: 3, c: undefined }] })).toBe('{"a":[2,{"d":3}],"b":1}');
	});

	it('keys a slot by run, item and task, not by what was asked', () => {
		const book = new Book();
		book.put({ runIndex: 0, itemIndex: 1, taskIndex: 0 }, { snapshot: task('t1') });
		expect(book.get({ runIndex: 0, itemIndex: 1, taskIndex: 0 })?.snapshot?.taskId).toBe('t1');
		expect(book.get({ runIndex: 1, itemIndex: 1, taskIndex: 0 })).toBeUndefined();
		expect(book.get({ runIndex: 0, itemIndex: 1, taskIndex: 1 })).toBeUndefined();
		// A change keeps what the slot had and its attempt count.
		book.put({ runIndex: 0, itemIndex: 1, taskIndex: 0 }, { attempt: 2 });
		expect(book.get({ runIndex: 0, itemIndex: 1, taskIndex: 0 })).toMatchObject({
			attempt: 2,
			snapshot: { taskId: 't1' },
		});
	});

	it('keeps the latest state of a task and lists a run in item order', () => {
		const ledger = new Ledger();
		const book = ledger.book(scope);
		ledger.track(book.put({ runIndex: 0, itemIndex: 2, taskIndex: 0 }, { snapshot: task('b') }));
		ledger.track(book.put({ runIndex: 0, itemIndex: 0, taskIndex: 1 }, { snapshot: task('a') }));
		book.put({ runIndex: 0, itemIndex: 1, taskIndex: 0 }, { uncertain: 'lost' });
		book.put({ runIndex: 1, itemIndex: 0, taskIndex: 0 }, { snapshot: task('other run') });
		book.put({ runIndex: 0, itemIndex: 3, taskIndex: 0 }, { attempt: 1 });
		ledger.update(task('a', 'completed'));
		expect(book.tasks(0).map((t) => [t.itemIndex, t.snapshot?.status ?? t.uncertain])).toEqual([
			[0, 'completed'],
			[1, 'lost'],
			[2, 'queued'],
		]);
	});

	it('bounds its memory: past its limit the least recently used book goes first', () => {
		const ledger = new Ledger(2);
		const a = ledger.book({ ...scope, executionId: 'a' });
		const b = ledger.book({ ...scope, executionId: 'b' });
		expect(ledger.book({ ...scope, executionId: 'a' })).toBe(a);
		ledger.book({ ...scope, executionId: 'c' });
		expect(ledger.book({ ...scope, executionId: 'a' })).toBe(a);
		expect(ledger.book({ ...scope, executionId: 'b' })).not.toBe(b);
	});
});

describe('taskScope and the traces of a task', () => {
	const context = (extra: object = {}) => {
		const logs: string[] = [];
		const data: Record<string, string> = {};
		return {
			logs,
			data,
			fn: {
				getNode: () => ({ id: 'node-1', name: 'Image' }),
				getExecutionId: () => '42',
				getWorkflow: () => ({ id: 'wf-1' }),
				getInstanceId: () => 'instance-1',
				logger: { info: (m: string) => logs.push(m) },
				customData: { get: (k: string) => data[k], set: (k: string, v: string) => (data[k] = v) },
				...extra,
			} as never,
		};
	};

	it('names the instance, workflow, execution, node and run', () => {
		expect(taskScope({ ...(context().fn as object), runIndex: 2 } as never)).toEqual({
			workflowId: 'wf-1',
			executionId: '42',
			nodeId: 'node-1',
			runIndex: 2,
			instanceId: 'instance-1',
		});
		// An old n8n without an instance ID, and a context without a run index.
		const old = taskScope(context({ getInstanceId: undefined }).fn);
		expect(old).toMatchObject({ instanceId: '', runIndex: 0 });
		// Without an execution (or workflow) ID nothing is shared with another call.
		const bare = context({ getExecutionId: () => undefined, getWorkflow: () => ({}) }).fn;
		const [a, b] = [taskScope(bare), taskScope(bare)];
		expect(a.executionId).toMatch(/^none-0\.\d+$/);
		expect(a.executionId).not.toBe(b.executionId);
		expect(a.workflowId).toBe('');
	});

	it('logs every task and keeps the count and the first IDs within 255 characters of custom data', () => {
		const { fn, logs, data } = context();
		const slot = { runIndex: 0, itemIndex: 3, taskIndex: 0 };
		for (let i = 0; i < 12; i++)
			noteTask(fn, 'EvoLink', slot, `task-unified-1757156493-${i}abcdefg`, false);
		noteTask(fn, 'EvoLink', slot, 'task-unified-taken', true);
		expect(logs).toHaveLength(13);
		expect(logs[0]).toBe(
			'GPT Image: EvoLink task task-unified-1757156493-0abcdefg submitted (execution 42, node "Image", item 3)',
		);
		expect(logs[12]).toBe(
			'GPT Image: EvoLink task task-unified-taken taken over by a retry, not submitted again (execution 42, node "Image", item 3)',
		);
		expect(data.gptImageTasks).toBe('12');
		// Seven IDs of 32 characters fit in 255 with their commas; the eighth ends the list with "...".
		const seven = Array.from({ length: 7 }, (_, i) => `task-unified-1757156493-${i}abcdefg`).join(
			',',
		);
		expect(seven.length).toBe(230);
		expect(data.gptImageTaskIds).toBe(`${seven}...`);
	});

	it('custom data takes an ID that ends exactly at 255 characters, and nothing after the cut', () => {
		const { fn, data } = context();
		const slot = { runIndex: 0, itemIndex: 0, taskIndex: 0 };
		noteTask(fn, 'EvoLink', slot, 'x'.repeat(255), false);
		expect(data.gptImageTaskIds).toBe('x'.repeat(255));
		noteTask(fn, 'EvoLink', slot, 'y', false);
		expect(data.gptImageTaskIds).toBe(`${'x'.repeat(252)}...`);
		noteTask(fn, 'EvoLink', slot, 'z', false);
		expect(data.gptImageTaskIds).toBe(`${'x'.repeat(252)}...`);
		expect(data.gptImageTasks).toBe('3');
	});

	it('a context without a logger or custom data still records nothing wrong', () => {
		const { fn } = context({ logger: undefined, customData: undefined });
		expect(() =>
			noteTask(fn, 'EvoLink', { runIndex: 0, itemIndex: 0, taskIndex: 0 }, 't', false),
		).not.toThrow();
	});
});
