/**
 * Types for harness.js (the engine harness runs compiled nodes inside
 * n8n-core's WorkflowExecute). Hand-written; keep in sync with harness.js.
 */
import type { BinaryDataService, WorkflowExecute } from 'n8n-core';
import type {
	ExecutionError,
	ExecutionStatus,
	IBinaryData,
	IConnections,
	ICredentialDataDecryptedObject,
	ICredentialsHelper,
	ICredentialType,
	IDataObject,
	IHttpRequestOptions,
	INode,
	INodeCredentials,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IPairedItemData,
	IPinData,
	IRun,
	IRunData,
	ITaskData,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	Workflow,
	WorkflowExecuteMode,
} from 'n8n-workflow';

/** Repository root (two levels above test/engine). */
export declare const REPO_ROOT: string;
/** This process's temp folder (N8N_USER_FOLDER and binary storage live under it). */
export declare const tempRoot: string;

export interface LoadedPackage {
	/** package.json `name`, the prefix of every node type key. */
	name: string;
	rootDir: string;
	nodeTypes: INodeTypes;
	/** Node type instances keyed `<package>.<description.name>`. */
	nodeTypesByName: Record<string, INodeType | IVersionedNodeType>;
	/** Credential class instances keyed by their `name`. */
	credentialTypes: Record<string, ICredentialType>;
	/** 'evoLink' -> 'n8n-nodes-gpt-image.evoLink'; full names pass through; throws if unknown. */
	resolveType(type: string): string;
	/** `defaultVersion`, else the highest version. */
	defaultVersion(type: string): number;
}

/**
 * Load a package from its compiled files listed in package.json `n8n.nodes` /
 * `n8n.credentials`. Cached per rootDir unless `reload` is set.
 */
export declare function loadPackage(rootDir?: string, options?: { reload?: boolean }): LoadedPackage;

/** Convenience binary form, converted by the harness before the run. */
export interface BinaryInput {
	buffer: Buffer;
	mimeType?: string;
	fileName?: string;
	fileExtension?: string;
	[key: string]: unknown;
}

export interface InputItem {
	json?: IDataObject;
	/** Either real IBinaryData (base64 `data` or stored `id`) or `{ buffer, mimeType, fileName }`. */
	binary?: Record<string, IBinaryData | BinaryInput>;
	pairedItem?: IPairedItemData | IPairedItemData[] | number;
}

export interface NodeInput {
	name?: string;
	/** Short ('evoLink') or full ('n8n-nodes-gpt-image.evoLink'). */
	type: string;
	typeVersion?: number;
	parameters?: INodeParameters;
	/** Defaults to `{ <type>: { id: '1', name: '<type>' } }` for every credential the node declares. */
	credentials?: INodeCredentials;
	continueOnFail?: boolean;
	onError?: INode['onError'];
	id?: string;
	position?: [number, number];
	disabled?: boolean;
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
	alwaysOutputData?: boolean;
	executeOnce?: boolean;
}

export type BinaryMode = 'default' | 'filesystem';

export interface PackageOptions {
	/** A package from loadPackage(); wins over rootDir. */
	pkg?: LoadedPackage;
	/** Package root; default REPO_ROOT. */
	rootDir?: string;
}

export interface RunWorkflowOptions extends PackageOptions {
	nodes: NodeInput[];
	connections?: IConnections;
	/** Credential data by credential type name, e.g. `{ evoLinkApi: { apiKey, baseUrl } }`. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Items fed to startNode. Default `[{ json: {} }]`. */
	inputItems?: InputItem[];
	/** Name of the node that receives inputItems. Default: the first node. */
	startNode?: string;
	/**
	 * 'default': no storage manager, binaries stay inline as base64.
	 * 'filesystem': binaries are written to a temp dir and carry an `id`.
	 */
	binaryMode?: BinaryMode;
	/** Reject (and cancel the execution) after this long. Default 60000; 0 disables. */
	timeoutMs?: number;
	/** Called once WorkflowExecute is running; runWorkflow waits for it before awaiting the result. */
	onStarted?: (handle: ExecutionHandle) => void | Promise<void>;
	onNodeExecuteBefore?: (nodeName: string) => void | Promise<void>;
	onNodeExecuteAfter?: (nodeName: string, taskData: ITaskData) => void | Promise<void>;
	/** Execution mode; default 'manual'. */
	mode?: WorkflowExecuteMode;
	pinData?: IPinData;
	staticData?: IDataObject;
	settings?: IWorkflowSettings;
	/** Extra/overriding IWorkflowExecuteAdditionalData fields. */
	additionalData?: Partial<IWorkflowExecuteAdditionalData>;
	executionId?: string;
	workflowId?: string;
	workflowName?: string;
}

export interface RunResult {
	run: IRun;
	status: ExecutionStatus;
	/** run.data.resultData.error (undefined on success and on cancel). */
	error: ExecutionError | undefined;
	runData: IRunData;
	executionId: string;
	workflow: Workflow;
	credentialsHelper: HarnessCredentialsHelper;
	/** Task data of a node's run (default: last run of the last executed node). */
	task(nodeName?: string, runIndex?: number): ITaskData | undefined;
	/** main[0] items of a node's run ([] if none). Default node: lastNodeExecuted. */
	output(nodeName?: string, runIndex?: number): INodeExecutionData[];
	/** All main outputs of a node's run. */
	outputs(nodeName?: string, runIndex?: number): Array<INodeExecutionData[] | null>;
}

export interface ExecutionHandle {
	executionId: string;
	workflow: Workflow;
	additionalData: IWorkflowExecuteAdditionalData;
	credentialsHelper: HarnessCredentialsHelper;
	workflowExecute: WorkflowExecute;
	/** Settles when the run ends, or right after cancel() (status 'canceled'). */
	result: Promise<RunResult>;
	/** WorkflowExecute's own promise: after a cancel it settles once the running node returns. */
	finished: Promise<IRun | undefined>;
	/** Stop like n8n's "Stop execution": aborts the signal from getExecutionCancelSignal(). */
	cancel(reason?: string): void;
	readonly isCancelled: boolean;
}

export declare function startWorkflow(options: RunWorkflowOptions): Promise<ExecutionHandle>;
export declare function runWorkflow(options: RunWorkflowOptions): Promise<RunResult>;

export interface RunNodeOptions extends Omit<RunWorkflowOptions, 'nodes' | 'connections' | 'startNode'> {
	/** Node name; default the type's short name. */
	name?: string;
	typeVersion?: number;
	/** The node's `credentials` field (normally filled automatically). */
	nodeCredentials?: INodeCredentials;
	continueOnFail?: boolean;
	onError?: INode['onError'];
	/** Any other INode fields (retryOnFail, alwaysOutputData, ...). */
	nodeOptions?: Partial<NodeInput>;
}

/** Run one node (short or full type name) with the given parameters. */
export declare function runNode(
	nodeType: string,
	parameters?: INodeParameters,
	options?: RunNodeOptions,
): Promise<RunResult>;

/** Bytes of a binary, inline (`data`) or stored (`id`). */
export declare function readBinary(binaryData: IBinaryData): Promise<Buffer>;

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	httpStatus?: number;
	message: string;
}

/**
 * Run a credential class's `test.request` like n8n's "Test credential":
 * 2xx -> OK (unless a responseSuccessBody rule matches), else Error.
 */
export declare function testCredential(
	typeName: string,
	data: ICredentialDataDecryptedObject,
	options?: PackageOptions & { timeoutMs?: number },
): Promise<CredentialTestResult>;

/** Apply a credential type's `authenticate` (generic or function) to request options. */
export declare function applyAuthentication(
	credentialType: ICredentialType | undefined,
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions>;

/** Resolve `=...{{ $credentials.x }}...` against credential data; other values pass through. */
export declare function resolveCredentialValue(value: unknown, credentials: ICredentialDataDecryptedObject): unknown;

export declare class HarnessCredentialsHelper extends ICredentialsHelper {
	constructor(
		credentialTypes: Record<string, ICredentialType>,
		credentialData?: Record<string, ICredentialDataDecryptedObject>,
	);
	credentialTypes: Record<string, ICredentialType>;
	credentialData: Record<string, ICredentialDataDecryptedObject>;
	/** One entry per authenticate() call. */
	authenticated: Array<{ typeName: string; url?: string }>;
	setCredentials(typeName: string, data: ICredentialDataDecryptedObject): void;
	getParentTypes(name: string): string[];
	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean;
	authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions>;
	preAuthentication(...args: Parameters<ICredentialsHelper['preAuthentication']>): ReturnType<ICredentialsHelper['preAuthentication']>;
	runPreAuthentication(...args: Parameters<ICredentialsHelper['runPreAuthentication']>): ReturnType<ICredentialsHelper['runPreAuthentication']>;
	getCredentials(...args: Parameters<ICredentialsHelper['getCredentials']>): ReturnType<ICredentialsHelper['getCredentials']>;
	getDecrypted(...args: Parameters<ICredentialsHelper['getDecrypted']>): ReturnType<ICredentialsHelper['getDecrypted']>;
	updateCredentials(...args: Parameters<ICredentialsHelper['updateCredentials']>): Promise<void>;
	updateCredentialsOauthTokenData(
		...args: Parameters<ICredentialsHelper['updateCredentialsOauthTokenData']>
	): Promise<void>;
	getCredentialsProperties(type: string): ReturnType<ICredentialsHelper['getCredentialsProperties']>;
}

/** The BinaryDataService the harness installed in n8n-core's DI container. */
export declare function getBinaryDataService(): Promise<BinaryDataService>;

/** Errors n8n-core passed to its ErrorReporter (collected instead of logged). */
export declare const reportedErrors: Array<{ level: string; error: unknown; options?: IDataObject }>;

/** Delete this process's temp folders. Call in afterAll; no runs afterwards. */
export declare function cleanup(): void;

export interface TriggerCall {
	/** What the node's webhook() returned (workflowData undefined: no workflow run). */
	result: { workflowData?: INodeExecutionData[][]; webhookResponse?: unknown; noWebhookResponse?: boolean } | undefined;
	/** What the node wrote to the HTTP response itself. */
	response: { statusCode: number; body: unknown; headers: Record<string, unknown>; ended: boolean };
	/** The items of the workflow run it would start, if any. */
	items: INodeExecutionData[] | undefined;
}

export interface TriggerHandle {
	workflow: Workflow;
	node: INode;
	staticData(): IDataObject;
	call(request: { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string>; query?: Record<string, string> }, options?: { isTest?: boolean }): Promise<TriggerCall>;
	lifecycle(method: 'checkExists' | 'create' | 'delete', name?: string): Promise<boolean>;
}

/** A trigger node in n8n-core's WebhookContext / HookContext, keeping its static data between calls. */
export declare function createTrigger(options: PackageOptions & { node: NodeInput; credentials?: Record<string, ICredentialDataDecryptedObject>; staticData?: IDataObject; binaryMode?: BinaryMode; workflowId?: string }): Promise<TriggerHandle>;
