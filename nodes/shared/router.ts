import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { Semaphore } from './concurrency';
import type { ProviderFields } from './descriptions/common';
import type { Operation, OperationContext, PreparedItem } from './operations/context';
import { edit, generate } from './operations/submit';
import { waitForTask } from './operations/waitForTask';
import { TaskPoller } from './poller';
import { readSettings } from './settings';
import { TaskClient } from './taskClient';
import type { BaseUrls } from './taskClient';
import type { ProviderAdapter } from './types';
import { CancelledError } from './wait';

const OPERATIONS: Record<string, Operation> = { generate, edit, waitForTask };

type Outcome = { items: INodeExecutionData[] } | { error: NodeApiError | NodeOperationError };

function trimUrl(value: unknown, fallback: string): string {
	const text = typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
	return text.replace(/\/+$/, '');
}

async function baseUrls(fn: IExecuteFunctions, adapter: ProviderAdapter): Promise<BaseUrls> {
	const credentials = await fn.getCredentials<IDataObject>(adapter.credentialType);
	const api = trimUrl(credentials.baseUrl, '');
	return { api, files: trimUrl(credentials.fileBaseUrl, api) };
}

function asNodeError(fn: IExecuteFunctions, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	if (error instanceof CancelledError) return new NodeOperationError(fn.getNode(), error.message, { itemIndex });
	return new NodeOperationError(fn.getNode(), error as Error, { itemIndex });
}

/**
 * The item a failing input becomes with Continue On Fail: the message and the description in
 * json. Under "Continue (using error output)" the item carries the error itself instead, which is
 * what sends it to the error output (n8n then keeps only the message in json, with the whole
 * error, description included, on the item).
 */
function errorItem(error: NodeApiError | NodeOperationError, itemIndex: number, toErrorOutput: boolean): INodeExecutionData {
	if (toErrorOutput) return { json: { error: error.message }, error, pairedItem: { item: itemIndex } };
	const json: IDataObject = { error: error.message };
	if (error.description) json.description = error.description;
	return { json, pairedItem: { item: itemIndex } };
}

/**
 * The one item loop of every provider node. Phase 1 reads and checks every item without any
 * request, so a bad item stops the node before anything is billed. Phase 2 runs the items at
 * once, bounded by Max Concurrent Tasks, and keeps output order and pairing as sequential
 * processing would.
 */
export async function runImageNode(
	this: IExecuteFunctions,
	adapter: ProviderAdapter,
	fields: ProviderFields,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[operation];
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	const continueOnFail = this.continueOnFail();
	const toErrorOutput = this.getNode().onError === 'continueErrorOutput';

	const client = new TaskClient(this, adapter, await baseUrls(this, adapter));
	const ctx: OperationContext = { fn: this, adapter, fields, client, poller: new TaskPoller(this, client, adapter) };

	const outcomes: Array<Outcome | undefined> = new Array(items.length);
	const prepared: Array<PreparedItem | undefined> = new Array(items.length);
	for (let i = 0; i < items.length; i++) {
		try {
			prepared[i] = await run(ctx, i);
		} catch (error) {
			const nodeError = asNodeError(this, error, i);
			if (!continueOnFail) throw nodeError;
			outcomes[i] = { error: nodeError };
		}
	}

	const limit = new Semaphore(readSettings(this, 0).maxConcurrentTasks);
	let stopped = false;
	await Promise.all(
		prepared.map(async (item, i) => {
			if (!item) return;
			const weight = await limit.acquire(item.weight);
			try {
				if (stopped) return;
				outcomes[i] = { items: await item.run() };
			} catch (error) {
				// Once an item has failed the node, the others are only stopped: not their error.
				if (stopped && error instanceof CancelledError) return;
				outcomes[i] = { error: asNodeError(this, error, i) };
				if (!continueOnFail) {
					stopped = true;
					ctx.poller.stopAll(new CancelledError());
				}
			} finally {
				limit.release(weight);
			}
		}),
	);
	if (stopped) {
		// Report the earliest failing item, as a sequential loop would have.
		const failed = outcomes.find((o): o is { error: NodeApiError | NodeOperationError } => o !== undefined && 'error' in o);
		if (failed) throw failed.error;
	}

	const output: INodeExecutionData[] = [];
	outcomes.forEach((outcome, i) => {
		if (!outcome) return;
		if ('error' in outcome) output.push(errorItem(outcome.error, i, toErrorOutput));
		else for (const item of outcome.items) output.push({ ...item, pairedItem: { item: i } });
	});
	return [output];
}
