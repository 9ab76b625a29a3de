import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { PreparedItem } from './actions/context';
import { openContext } from './actions/context';
import { OPERATIONS } from './actions/index';
import { Semaphore } from './concurrency';
import { asNodeError, errorItem } from './errors';
import type { NodeError } from './errors';
import { outputHints } from './output';
import { openSpend, withRunTasks } from './pipeline';
import type { ProviderDefinition } from './provider';
import { readSettings } from './settings';
import { CancelledError } from './wait';

type Outcome = { items: INodeExecutionData[] } | { error: NodeError };

/**
 * The one item loop of every provider node. Phase 1 reads and checks every item without any
 * request, so a bad item stops the node before anything is billed. Then spend control is opened
 * for the batch, and the items run at once, bounded by Max Concurrent Tasks, each through the
 * pipeline (nodes/shared/pipeline.ts). Output order and pairing are those of a sequential loop.
 */
export async function runImageNode(
	this: IExecuteFunctions,
	provider: ProviderDefinition,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as string;
	const module = OPERATIONS[operation];
	if (!module) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	}
	const continueOnFail = this.continueOnFail();
	const toErrorOutput = this.getNode().onError === 'continueErrorOutput';
	const ctx = await openContext(this, provider);
	// Get Credits and the like run once for the whole input.
	const count = module.once ? Math.min(items.length, 1) : items.length;

	const outcomes: Array<Outcome | undefined> = new Array(count);
	const prepared: Array<PreparedItem | undefined> = new Array(count);
	const fail = (i: number, error: unknown) => {
		const nodeError = asNodeError(this, error, i);
		if (!continueOnFail) throw nodeError;
		outcomes[i] = { error: nodeError };
		prepared[i] = undefined;
	};
	for (let i = 0; i < count; i++) {
		try {
			prepared[i] = await module.prepare(ctx, i);
		} catch (error) {
			fail(i, error);
		}
	}
	// Check Balance First that cannot read the balance fails every item that would submit.
	const unread = await openSpend(ctx, prepared).then(
		() => undefined,
		(error: Error) => error,
	);
	if (unread) prepared.forEach((item, i) => item?.planned?.length && fail(i, unread));

	const limit = new Semaphore(readSettings(this, 0).maxConcurrentTasks);
	let stopped = false;
	await Promise.all(
		prepared.map(async (item, i) => {
			if (!item) return;
			let held = await limit.acquire(item.weight);
			// Max Concurrent Tasks counts provider tasks: the place is free once they are over.
			const tasksOver = () => {
				limit.release(held);
				held = 0;
			};
			try {
				if (stopped) return;
				outcomes[i] = { items: await item.run(tasksOver) };
			} catch (error) {
				// Once an item has failed the node, the others are only stopped: not their error.
				if (stopped && error instanceof CancelledError) return;
				outcomes[i] = { error: asNodeError(this, error, i) };
				if (!continueOnFail) {
					stopped = true;
					ctx.poller.stopAll(new CancelledError());
				}
			} finally {
				tasksOver();
			}
		}),
	);
	if (stopped) {
		// Report the earliest failing item, as a sequential loop would have.
		const failed = outcomes.find((o): o is { error: NodeError } => o !== undefined && 'error' in o);
		if (failed) throw withRunTasks(failed.error, ctx);
	}

	const output: INodeExecutionData[] = [];
	const pairAll = module.once ? items.map((_, item) => ({ item })) : undefined;
	outcomes.forEach((outcome, i) => {
		if (!outcome) return;
		if ('error' in outcome) output.push(errorItem(outcome.error, i, toErrorOutput));
		else
			for (const item of outcome.items)
				output.push({ ...item, pairedItem: pairAll ?? { item: i } });
	});
	outputHints(this, output);
	return [output];
}
