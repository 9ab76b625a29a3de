/**
 * The note a failing node adds to its error: every task this run of the node paid for, with its
 * last known state, so none is lost when the node stops (the pipeline's withRunTasks).
 */
import { Book } from '../../nodes/shared/ledger';
import type { TaskScope } from '../../nodes/shared/ledger';
import type { OperationContext } from '../../nodes/shared/actions/context';
import { withRunTasks } from '../../nodes/shared/pipeline';
import type { TaskSnapshot } from '../../nodes/shared/types';

const scope: TaskScope = {
	workflowId: 'wf',
	executionId: '7',
	nodeId: 'node',
	runIndex: 1,
	instanceId: 'instance',
};

function contextWith(book: Book): OperationContext {
	return { book, scope } as unknown as OperationContext;
}

const snapshot = (taskId: string, status: TaskSnapshot['status']) =>
	({ taskId, status, imageUrls: [] }) as unknown as TaskSnapshot;

it('leaves an error alone when this run paid for nothing', () => {
	const book = new Book();
	// A task of another run of the node, and a slot that only failed: neither is this run's task.
	book.put({ runIndex: 0, itemIndex: 0, taskIndex: 0 }, { snapshot: snapshot('t-0', 'completed') });
	book.put({ runIndex: 1, itemIndex: 1, taskIndex: 0 }, { attempt: 2 });
	const error = { description: 'The provider refused the prompt.' };
	expect(withRunTasks(error, contextWith(book))).toEqual({
		description: 'The provider refused the prompt.',
	});
});

it("names each of this run's tasks in item order, with its state, and a lost answer as such", () => {
	const book = new Book();
	book.put(
		{ runIndex: 1, itemIndex: 2, taskIndex: 0 },
		{ snapshot: snapshot('t-2', 'processing') },
	);
	book.put({ runIndex: 1, itemIndex: 0, taskIndex: 1 }, { uncertain: 'socket hang up' });
	book.put({ runIndex: 1, itemIndex: 0, taskIndex: 0 }, { snapshot: snapshot('t-0', 'completed') });
	const error = withRunTasks({ description: null as string | null }, contextWith(book));
	expect(error.description).toBe(
		"Tasks this node submitted in this run, which keep going at the provider: item 0: t-0 (completed); item 0: no task ID (the provider's answer was lost); item 2: t-2 (processing). Retry On Fail takes them over; Wait for Task collects them.",
	);
	const described = withRunTasks({ description: 'Timed out.' }, contextWith(book));
	expect(described.description).toMatch(/^Timed out\. Tasks this node submitted in this run/);
});
