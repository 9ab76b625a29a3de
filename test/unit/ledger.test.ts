import { canonical, TaskLedger } from '../../nodes/shared/ledger';
import type { TaskScope } from '../../nodes/shared/ledger';

const scope: TaskScope = { workflowId: 'wf', executionId: '7', nodeId: 'n1', runIndex: 0 };
const entry = (extra: object = {}) => ({
	scope,
	itemIndex: 0,
	taskIndex: 0,
	attempt: 0,
	at: 0,
	...extra,
});

describe('TaskLedger', () => {
	it('keys a planned task by execution, node, run, item, slot and what was asked', () => {
		const key = TaskLedger.key(scope, 1, 0, 'h');
		expect(TaskLedger.key({ ...scope }, 1, 0, 'h')).toBe(key);
		for (const other of [
			TaskLedger.key({ ...scope, executionId: '8' }, 1, 0, 'h'),
			TaskLedger.key({ ...scope, nodeId: 'n2' }, 1, 0, 'h'),
			TaskLedger.key({ ...scope, runIndex: 1 }, 1, 0, 'h'),
			TaskLedger.key(scope, 2, 0, 'h'),
			TaskLedger.key(scope, 1, 1, 'h'),
			TaskLedger.key(scope, 1, 0, 'other request'),
		]) {
			expect(other).not.toBe(key);
		}
		expect(canonical({ b: 1, a: [2, { d: 3, c: undefined }] })).toBe('{"a":[2,{"d":3}],"b":1}');
	});

	it('keeps the latest state of a task and lists a run in item order', () => {
		const ledger = new TaskLedger();
		ledger.record('k2', entry({ itemIndex: 2, taskId: 't2' }), 0);
		ledger.record('k1', entry({ itemIndex: 1, taskId: 't1' }), 0);
		ledger.update({ taskId: 't1', status: 'completed', imageUrls: ['u'] });
		expect(ledger.get('k1', 0)?.snapshot?.status).toBe('completed');
		expect(ledger.tasksOf(scope).map((e) => e.taskId)).toEqual(['t1', 't2']);
		expect(ledger.tasksOf({ ...scope, executionId: 'other' })).toEqual([]);
		ledger.remove('k1');
		expect(ledger.keyOf('t1')).toBeUndefined();
	});

	it('bounds its memory: entries expire after a day and the oldest go first', () => {
		const ledger = new TaskLedger(2, 1000);
		ledger.record('a', entry({ taskId: 'a' }), 0);
		ledger.record('b', entry({ taskId: 'b', at: 500 }), 500);
		ledger.record('c', entry({ taskId: 'c', at: 600 }), 600);
		expect(ledger.size).toBe(2);
		expect(ledger.get('a', 600)).toBeUndefined();
		expect(ledger.get('c', 1599)?.taskId).toBe('c');
		expect(ledger.get('b', 1599)).toBeUndefined();
		expect(ledger.get('c', 1600)).toBeUndefined();
	});
});
