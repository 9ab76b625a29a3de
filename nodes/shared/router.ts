import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { OperationContext, PreparedItem } from './actions/context';
import { OPERATIONS } from './actions/index';
import { currentClock } from './clock';
import { Semaphore } from './concurrency';
import { downloadPoolSize } from './downloadPool';
import { TaskPoller } from './poller';
import { ShapeChoice } from './readings';
import { isSpendError, SpendGuard, SpendRefusal, spendError } from './spend';
import type { ProviderDefinition } from './provider';
import { taskLedger } from './ledger';
import type { LedgerEntry, TaskScope } from './ledger';
import { callLimits, readSettings } from './settings';
import { secretsOf, TaskClient } from './taskClient';
import { taskScope } from './taskRecord';
import { CancelledError } from './wait';

type NodeError = NodeApiError | NodeOperationError;
type Outcome = { items: INodeExecutionData[] } | { error: NodeError };

function asNodeError(fn: IExecuteFunctions, error: unknown, itemIndex: number): NodeError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	if (error instanceof CancelledError) {
		return new NodeOperationError(fn.getNode(), error.message, { itemIndex });
	}
	return new NodeOperationError(fn.getNode(), error as Error, { itemIndex });
}

/**
 * The item a failing input becomes with Continue On Fail: the message and the description in
 * json. Under "Continue (using error output)" the item carries the error itself instead, which is
 * what sends it to the error output (n8n then keeps only the message in json, with the whole
 * error, description included, on the item).
 */
function errorItem(
	error: NodeError,
	itemIndex: number,
	toErrorOutput: boolean,
): INodeExecutionData {
	if (toErrorOutput)
		return { json: { error: error.message }, error, pairedItem: { item: itemIndex } };
	const json: IDataObject = { error: error.message };
	if (error.description) json.description = error.description;
	return { json, pairedItem: { item: itemIndex } };
}

/** Most tasks one error lists by ID; the rest are counted (all are in the log). */
const LISTED_TASKS = 20;

/**
 * When the node fails, the tasks it already paid for in this run keep going at the provider. The
 * error names each of them with its last known state, so they can be collected with Wait for Task;
 * Retry On Fail takes them over by itself.
 */
function withRunTasks(error: NodeError, scope: TaskScope): NodeError {
	const tasks = taskLedger.tasksOf(scope).filter((t) => t.scope.runIndex === scope.runIndex);
	if (tasks.length === 0) return error;
	const describe = (t: LedgerEntry) =>
		t.taskId
			? `item ${t.itemIndex}: ${t.taskId} (${t.snapshot?.status ?? 'submitted'})`
			: `item ${t.itemIndex}: no task ID (the provider's answer was lost)`;
	const listed = tasks.slice(0, LISTED_TASKS).map(describe).join('; ');
	const more =
		tasks.length > LISTED_TASKS ? `; and ${tasks.length - LISTED_TASKS} more (see n8n's log)` : '';
	const note = `Tasks this node submitted in this run, which keep going at the provider: ${listed}${more}. Retry On Fail takes them over; Wait for Task collects them.`;
	error.description = error.description ? `${error.description} ${note}` : note;
	return error;
}

/** Builds the one context of an execution: adapter, HTTP client, poll loop and clock. */
async function operationContext(
	fn: IExecuteFunctions,
	provider: ProviderDefinition,
): Promise<OperationContext> {
	const { adapter, fields } = provider;
	const clock = currentClock();
	const credentials = await fn.getCredentials<IDataObject>(adapter.credentialType);
	const urls = adapter.baseUrls(credentials);
	for (const base of new Set([urls.api, urls.files])) {
		if (!/^https?:\/\/[^/]/i.test(base)) {
			throw new NodeOperationError(
				fn.getNode(),
				`The credential's Base URL "${base.slice(0, 80)}" is not an http(s) address`,
				{
					description:
						'Nothing was sent. Fix the Base URL (or File Upload URL) in the credential, e.g. https://api.example.com',
				},
			);
		}
	}
	const client = new TaskClient(fn, adapter, urls, clock, secretsOf(credentials));
	const poller = new TaskPoller(fn, client, adapter, clock);
	const downloads = new Semaphore(downloadPoolSize());
	const shapes = new ShapeChoice(adapter.readings);
	const spend = new SpendGuard({});
	return {
		fn,
		adapter,
		fields,
		client,
		poller,
		clock,
		scope: taskScope(fn),
		downloads,
		shapes,
		spend,
	};
}

/**
 * Spend control is set up once every item has been read: the first item's Options decide it for
 * the execution. Check Balance First reads the balance once; returns why the batch is refused.
 */
async function setUpSpend(
	ctx: OperationContext,
	prepared: Array<PreparedItem | undefined>,
): Promise<SpendRefusal | undefined> {
	const settings = readSettings(ctx.fn, 0);
	const planned = prepared.flatMap((item) => item?.planned ?? []);
	const cost = ctx.adapter.cost;
	if (!cost || planned.length === 0) return undefined;
	let balance: number | undefined;
	if (settings.checkBalance) {
		const limits = callLimits(settings, 0, ctx.clock.now());
		try {
			balance = (await ctx.client.balance(limits)).credits;
		} catch (error) {
			const message = (error as Error).message;
			return new SpendRefusal(
				`Check Balance First: could not read the balance, nothing was submitted`,
				`${message}. Run again, or switch Check Balance First off.`,
				'balance',
			);
		}
	}
	ctx.spend = new SpendGuard({ maxCredits: settings.maxCredits, balance, cost }, planned);
	return ctx.spend.checkBatch();
}

/** Every spend refusal of the execution says how many items were left out. */
function countSpendRefusals(outcomes: Array<Outcome | undefined>): void {
	const refused = outcomes.filter(
		(o): o is { error: NodeError } => o !== undefined && 'error' in o && isSpendError(o.error),
	);
	for (const { error } of refused) {
		error.description =
			`${error.description ?? ''} ${refused.length} of the ${outcomes.length} items of this execution were not submitted.`.trim();
	}
}

/**
 * The one item loop of every provider node. Phase 1 reads and checks every item without any
 * request, so a bad item stops the node before anything is billed. Phase 2 runs the items at
 * once, bounded by Max Concurrent Tasks, and keeps output order and pairing as sequential
 * processing would.
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
	const ctx = await operationContext(this, provider);

	const outcomes: Array<Outcome | undefined> = new Array(items.length);
	const prepared: Array<PreparedItem | undefined> = new Array(items.length);
	for (let i = 0; i < items.length; i++) {
		try {
			prepared[i] = await module.prepare(ctx, i);
		} catch (error) {
			const nodeError = asNodeError(this, error, i);
			if (!continueOnFail) throw nodeError;
			outcomes[i] = { error: nodeError };
		}
	}

	const spendRefusal = await setUpSpend(ctx, prepared);
	if (spendRefusal) {
		// Check Balance First refused the batch: nothing was submitted, every submitting item fails.
		prepared.forEach((item, i) => {
			if (!item?.planned?.length) return;
			const error = spendError(this.getNode(), spendRefusal, i);
			if (!continueOnFail) throw error;
			outcomes[i] = { error };
			prepared[i] = undefined;
		});
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
	countSpendRefusals(outcomes);
	if (stopped) {
		// Report the earliest failing item, as a sequential loop would have.
		const failed = outcomes.find((o): o is { error: NodeError } => o !== undefined && 'error' in o);
		if (failed) throw withRunTasks(failed.error, ctx.scope);
	}

	const output: INodeExecutionData[] = [];
	outcomes.forEach((outcome, i) => {
		if (!outcome) return;
		if ('error' in outcome) output.push(errorItem(outcome.error, i, toErrorOutput));
		else for (const item of outcome.items) output.push({ ...item, pairedItem: { item: i } });
	});
	return [output];
}
