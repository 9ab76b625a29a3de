import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Clock } from '../clock';
import type { Semaphore } from '../concurrency';
import type { ProviderFields } from '../descriptions/common';
import type { TaskScope } from '../ledger';
import type { TaskPoller } from '../poller';
import type { ProviderDefinition } from '../provider';
import type { ShapeChoice } from '../readings';
import type { PlannedTask, SpendGuard } from '../spend';
import type { ItemSettings } from '../settings';
import type { TaskClient } from '../taskClient';
import type { ProviderAdapter } from '../types';

/** Everything an operation may use; one per node execution. */
export interface OperationContext {
	fn: IExecuteFunctions;
	adapter: ProviderAdapter;
	fields: ProviderFields;
	client: TaskClient;
	poller: TaskPoller;
	clock: Clock;
	/** The execution, node and run the tasks belong to (for the ledger and the logs). */
	scope: TaskScope;
	/** Result downloads of the whole execution share a few connections, not one per image. */
	downloads: Semaphore;
	/** The documented shape of each disputed request field that this execution sends. */
	shapes: ShapeChoice;
	/** Max Credits per Execution and Check Balance First (set up once every item is read). */
	spend: SpendGuard;
}

/** Validated input of one item, ready to run. */
export interface PreparedItem {
	settings: ItemSettings;
	/** Provider tasks this item will hold open at once (for Max Concurrent Tasks). */
	weight: number;
	/** The tasks it will submit, for spend control (none for Wait for Task). */
	planned?: PlannedTask[];
	run: () => Promise<INodeExecutionData[]>;
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
}
