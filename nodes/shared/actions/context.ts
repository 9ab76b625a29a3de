import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { currentClock } from '../clock';
import type { Clock } from '../clock';
import { Semaphore } from '../concurrency';
import { downloadPoolSize } from '../downloadPool';
import type { ProviderFields } from '../descriptions/common';
import { ledger, taskScope } from '../ledger';
import type { Book, TaskScope } from '../ledger';
import { TaskPoller } from '../poller';
import type { ProviderDefinition } from '../provider';
import { ReadBack } from '../readBack';
import { ShapeChoice } from '../readings';
import { accountOf, SpendControl } from '../spend';
import type { Kind } from '../spend';
import type { ItemSettings } from '../settings';
import { secretsOf, TaskClient } from '../taskClient';
import type { ProviderAdapter } from '../types';
import type { ValueSource } from '../validation';

/** Everything an operation may use; one per node execution. */
export interface OperationContext {
	fn: IExecuteFunctions;
	adapter: ProviderAdapter;
	fields: ProviderFields;
	client: TaskClient;
	poller: TaskPoller;
	clock: Clock;
	/** The execution, node and run the tasks belong to. */
	scope: TaskScope;
	/** What this process remembers of this execution and node: slots and spending. */
	book: Book;
	/** The account the credential bills (its key hashed, with its Base URL): prices are per account. */
	account: string;
	/** Result downloads of the whole execution share a few connections, not one per image. */
	downloads: Semaphore;
	/** The documented shape of each disputed request field that this execution sends. */
	shapes: ShapeChoice;
	/** What the provider kept of the first submission of each combination of shapes (readBack.ts). */
	readBack: ReadBack;
	/** Max Credits per Execution, Check Balance First, the tool's image limit (set once items are read). */
	spend: SpendControl;
	/** What Check Balance First read, shown on the output items. */
	balanceBefore?: number;
}

/** Validated input of one item, ready to run. */
export interface PreparedItem {
	settings: ItemSettings;
	/** Provider tasks this item will hold open at once (for Max Concurrent Tasks). */
	weight: number;
	/** The tasks it will submit, for spend control (none for Wait for Task). */
	planned?: Kind[];
	/**
	 * Does the item's I/O. `tasksOver` is called once its provider tasks have finished, before
	 * the result downloads: from then on the item no longer counts under Max Concurrent Tasks.
	 */
	run: (tasksOver: () => void) => Promise<INodeExecutionData[]>;
}

/**
 * An operation reads and checks its parameters for one item without any request (prepare);
 * the returned closure does the I/O when the router schedules it.
 */
export type Prepare = (ctx: OperationContext, itemIndex: number) => Promise<PreparedItem>;

/** One operation of a resource: its own fields and how it prepares an item. */
export interface OperationModule {
	description(provider: ProviderDefinition): INodeProperties[];
	prepare: Prepare;
	/** Runs once per execution whatever the number of items (Get Credits), paired to all of them. */
	once?: boolean;
}

/** What a parameter's error can say of where its value came from (see ValueSource). */
export function valueSource(fn: IExecuteFunctions, itemIndex: number, name: string): ValueSource {
	const json = fn.getInputData()[itemIndex]?.json ?? {};
	return { written: fn.getNode().parameters?.[name], fields: Object.keys(json) };
}

/** Builds the one context of an execution: adapter, HTTP client, poll loop, clock and Book. */
export async function openContext(
	fn: IExecuteFunctions,
	provider: ProviderDefinition,
): Promise<OperationContext> {
	const { adapter, fields } = provider;
	const clock = currentClock();
	const credentials = await fn.getCredentials<IDataObject>(adapter.credentialType);
	const urls = adapter.baseUrls(credentials);
	const bad = [urls.api, urls.files].find((base) => !/^https?:\/\/[^/]/i.test(base));
	if (bad !== undefined) {
		const message = `The credential's Base URL "${bad.slice(0, 80)}" is not an http(s) address`;
		const description =
			'Nothing was sent. Fix the Base URL (or File Upload URL) in the credential, e.g. https://api.example.com';
		throw new NodeOperationError(fn.getNode(), message, { description });
	}
	const client = new TaskClient(fn, adapter, urls, clock, secretsOf(credentials));
	const [scope, account] = [taskScope(fn), accountOf(credentials.apiKey, urls.api)];
	const book = ledger.book(scope);
	const spend = new SpendControl(book.spend, {}, account, adapter.cost, () => clock.now());
	const poller = new TaskPoller(fn, client, adapter, clock);
	const [downloads, shapes] = [
		new Semaphore(downloadPoolSize()),
		new ShapeChoice(adapter.readings),
	];
	const readBack = new ReadBack(adapter, shapes);
	return {
		fn,
		adapter,
		fields,
		client,
		poller,
		clock,
		scope,
		book,
		account,
		downloads,
		shapes,
		readBack,
		spend,
	};
}
