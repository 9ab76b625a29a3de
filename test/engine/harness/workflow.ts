/**
 * Runs this package's nodes inside n8n-core's real WorkflowExecute, in-process: the engine
 * resolves parameters and expressions, builds the execution context (HTTP helpers, binary
 * helpers, cancel signal), pairs items and applies the node settings (Continue On Fail, Retry On
 * Fail), exactly as n8n does.
 */
import { binaryDataService, runContext, toBinaryData } from './binary';
import { finalStatus, lifecycleHooks, newRunExecutionData } from './compat';
import type { BinaryInput, BinaryMode } from './binary';
import { HarnessCredentialsHelper } from './credentials';
import './n8n';
import { loadPackage } from './package';

import { WorkflowExecute } from 'n8n-core';
import type {
	ExecutionError,
	ExecutionStatus,
	IBinaryData,
	IConnections,
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	IRun,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';
import { randomUUID } from 'node:crypto';

export const INSTANCE_URL = 'http://127.0.0.1:5678';

export interface InputItem {
	json?: IDataObject;
	binary?: Record<string, IBinaryData | BinaryInput>;
}

/** A node of a test workflow: a short type ('evoLink') or a full one, plus any INode field. */
export type NodeInput = Partial<INode> & { type: string };

export interface RunWorkflowOptions {
	nodes: NodeInput[];
	connections?: IConnections;
	/** Credential data by type name, e.g. `{ evoLinkApi: { apiKey, baseUrl } }`. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Items given to the start node; default one empty item. */
	inputItems?: InputItem[];
	/** The node that gets the input items; default the first. */
	startNode?: string;
	binaryMode?: BinaryMode;
	/** Fail (and cancel the run) after this long; default 60 s. */
	timeoutMs?: number;
	/** Fixed IDs, to run "the same execution" twice (default: a new one per run). */
	executionId?: string;
	workflowId?: string;
	mode?: WorkflowExecuteMode;
	/** Extra fields of IWorkflowExecuteAdditionalData (e.g. a logger). */
	additionalData?: Partial<IWorkflowExecuteAdditionalData>;
}

export interface RunResult {
	run: IRun;
	/** The execution's custom data (what nodes set with this.customData). */
	customData: Record<string, string>;
	status: ExecutionStatus;
	error: ExecutionError | undefined;
	executionId: string;
	/** main[0] of a node's last run; default the node that ran last. */
	output(nodeName?: string): INodeExecutionData[];
	/** Every main output of a node's last run. */
	outputs(nodeName?: string): Array<INodeExecutionData[] | null>;
}

export interface ExecutionHandle {
	result: Promise<RunResult>;
	/** The engine's own promise: after a cancel it settles once the running node has returned. */
	finished: Promise<unknown>;
	/** Stops the run the way n8n's Stop button does (aborts the cancel signal). */
	cancel(reason?: string): void;
}

let executions = 0;

export function buildNodes(nodes: NodeInput[]): INode[] {
	const pkg = loadPackage();
	return nodes.map((input, index) => {
		const type = pkg.resolveType(input.type);
		const description = pkg.nodeTypesByName[type].description;
		const credentials = Object.fromEntries(
			(description.credentials ?? []).map((c) => [c.name, { id: '1', name: c.name }]),
		);
		return {
			typeVersion: 1,
			position: [index * 240, 0],
			credentials,
			...structuredClone(input),
			id: input.id ?? randomUUID(),
			name: input.name ?? description.defaults.name ?? description.displayName,
			type,
			parameters: structuredClone(input.parameters ?? {}) as INodeParameters,
		} as INode;
	});
}

export function additionalData(
	credentialsHelper: HarnessCredentialsHelper,
	extra: Partial<IWorkflowExecuteAdditionalData> = {},
): IWorkflowExecuteAdditionalData {
	const unsupported = (what: string) => async () => {
		throw new Error(`engine harness: ${what} is not supported`);
	};
	return {
		credentialsHelper,
		currentNodeParameters: undefined,
		variables: {},
		restApiUrl: `${INSTANCE_URL}/rest`,
		instanceBaseUrl: `${INSTANCE_URL}/`,
		formWaitingBaseUrl: `${INSTANCE_URL}/form-waiting`,
		webhookBaseUrl: `${INSTANCE_URL}/webhook`,
		webhookWaitingBaseUrl: `${INSTANCE_URL}/webhook-waiting`,
		webhookTestBaseUrl: `${INSTANCE_URL}/webhook-test`,
		executeWorkflow: unsupported('executeWorkflow'),
		getRunExecutionData: async () => undefined,
		startRunnerTask: unsupported('startRunnerTask'),
		logAiEvent: () => {},
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
		...extra,
	} as unknown as IWorkflowExecuteAdditionalData;
}

function resultOf(run: IRun, executionId: string, nodes: INode[]): RunResult {
	const runData = run.data.resultData.runData;
	const last = () => run.data.resultData.lastNodeExecuted ?? nodes[nodes.length - 1].name;
	const outputs = (name = last()) => {
		const tasks = runData[name] ?? [];
		return tasks[tasks.length - 1]?.data?.main ?? [];
	};
	return {
		run,
		customData: (run.data.resultData.metadata ?? {}) as Record<string, string>,
		status: finalStatus(run),
		error: run.data.resultData.error,
		executionId,
		outputs,
		output: (name) => outputs(name)[0] ?? [],
	};
}

/** Starts a workflow; `result` settles when it ends, is cancelled or times out. */
export async function startWorkflow(options: RunWorkflowOptions): Promise<ExecutionHandle> {
	const pkg = loadPackage();
	await binaryDataService();
	executions += 1;
	const executionId = options.executionId ?? String(executions);
	const workflowId = options.workflowId ?? `engine-harness-wf-${executions}`;
	const nodes = buildNodes(options.nodes);
	const connections = options.connections ?? {};
	const workflow = new Workflow({
		id: workflowId,
		name: 'Engine harness workflow',
		nodes,
		connections,
		active: false,
		nodeTypes: pkg.nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	const context = { binaryMode: options.binaryMode ?? 'default' };
	const inputItems = await runContext.run(context, async () =>
		Promise.all(
			(options.inputItems ?? [{ json: {} }]).map(async (item) => ({
				json: structuredClone(item.json ?? {}),
				...(item.binary
					? { binary: await toBinaryData(item.binary, { workflowId, executionId }) }
					: {}),
			})),
		),
	);
	const start = nodes.find((n) => n.name === (options.startNode ?? nodes[0].name));
	if (!start) throw new Error(`engine harness: no start node "${options.startNode}"`);
	const credentials = new HarnessCredentialsHelper(pkg.credentialTypes, options.credentials ?? {});
	const mode = options.mode ?? 'manual';
	const workflowData = { id: workflowId, name: workflow.name, nodes, connections } as IWorkflowBase;
	let settle: (outcome: { run?: IRun; error?: Error }) => void = () => {};
	const outcome = new Promise<{ run?: IRun; error?: Error }>((resolve) => (settle = resolve));
	const hooks = lifecycleHooks(mode, executionId, workflowData, (run) => settle({ run }));
	const extra = {
		hooks,
		executionId,
		workflowId,
		...options.additionalData,
	} as Partial<IWorkflowExecuteAdditionalData>;
	const runData = newRunExecutionData({
		nodeExecutionStack: [{ node: start, data: { main: [inputItems] }, source: null }],
	});
	const engine = new WorkflowExecute(additionalData(credentials, extra), mode, runData);

	const execution = runContext.run(context, () => engine.processRunExecutionData(workflow));
	const finished = Promise.resolve(execution).then(
		(run) => settle({ run }),
		(error: Error) => settle({ error }),
	);
	const cancel = (reason?: string) => execution.cancel(reason);
	const timeoutMs = options.timeoutMs ?? 60000;
	const timer = setTimeout(() => {
		settle({ error: new Error(`engine harness: workflow did not finish within ${timeoutMs} ms`) });
		cancel('timeout');
	}, timeoutMs);
	const result = outcome.then(({ run, error }) => {
		clearTimeout(timer);
		if (error || !run) throw error ?? new Error('engine harness: no run data');
		return resultOf(run, executionId, nodes);
	});
	return { result, finished, cancel };
}

export async function runWorkflow(options: RunWorkflowOptions): Promise<RunResult> {
	return await (
		await startWorkflow(options)
	).result;
}

/** Runs one node with these parameters; `node` sets any other INode field (retryOnFail, ...). */
export async function runNode(
	type: string,
	parameters: INodeParameters,
	options: Omit<RunWorkflowOptions, 'nodes'> & { node?: Partial<INode> } = {},
): Promise<RunResult> {
	const { node, ...rest } = options;
	return await runWorkflow({ ...rest, nodes: [{ type, parameters, ...node }] });
}
