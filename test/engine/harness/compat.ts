/**
 * The few places where the n8n-core / n8n-workflow that is loaded (the root install, or an older
 * n8n's under test/compat when `npm run test:compat` maps them in) differ in what the harness
 * calls. Each difference is detected from the loaded code itself, not from a version number, and
 * on the root install (n8n 2.41) every function here takes the path the harness always took.
 * Tests that must tell versions apart for a real difference of n8n read `host` instead.
 */
import './env';

import type {
	ExecutionStatus,
	IBinaryData,
	INodeProperties,
	IRun,
	IRunExecutionData,
	IWorkflowBase,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import * as n8nWorkflow from 'n8n-workflow';
import * as n8nCore from 'n8n-core';
import { BinaryDataService } from 'n8n-core';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder of an installed package, found from its resolved entry (so jest's mapping counts). */
function packageRoot(name: string): string {
	let dir = path.dirname(require.resolve(name));
	while (dir !== path.dirname(dir)) {
		const manifest = path.join(dir, 'package.json');
		if (fs.existsSync(manifest)) {
			const { name: found } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string };
			if (found === name) return dir;
		}
		dir = path.dirname(dir);
	}
	throw new Error(`engine harness: no package.json of ${name} above ${require.resolve(name)}`);
}

function versionOf(root: string): string {
	return (
		JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
	).version;
}

/** Where the n8n packages the harness runs on were loaded from, and their versions. */
export const host = {
	n8nCoreDir: packageRoot('n8n-core'),
	n8nWorkflowDir: packageRoot('n8n-workflow'),
	get n8nCore(): string {
		return versionOf(this.n8nCoreDir);
	},
	get n8nWorkflow(): string {
		return versionOf(this.n8nWorkflowDir);
	},
};

/** True when the loaded n8n-core is at least `version` (major.minor), for tests' version notes. */
export function n8nCoreAtLeast(version: string): boolean {
	const [major, minor] = host.n8nCore.split('.').map(Number);
	const [wantMajor, wantMinor] = version.split('.').map(Number);
	return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

type BinaryConfig = {
	mode: string;
	localStoragePath: string;
	signingSecret: string;
	availableModes: string[];
};

/**
 * A started BinaryDataService. n8n-core 2.x (and late 1.x) takes its config, error reporter and
 * logger in the constructor and `init()` takes nothing; n8n-core 1.84 and older construct it bare and takes
 * the config in `init(config)`.
 */
export async function startBinaryDataService(
	config: BinaryConfig,
	errorReporter: unknown,
	logger: unknown,
): Promise<BinaryDataService> {
	type Args = ConstructorParameters<typeof BinaryDataService>;
	const configInInit = BinaryDataService.prototype.init.length >= 1;
	if (configInInit) {
		const service = new (BinaryDataService as unknown as new () => BinaryDataService)();
		await (service.init as unknown as (config: BinaryConfig) => Promise<void>)(config);
		return service;
	}
	const service = new BinaryDataService(
		config as unknown as Args[0],
		errorReporter as Args[1],
		logger as Args[2],
	);
	await service.init();
	return service;
}

/**
 * Stores bytes for an execution. n8n-core 2.x takes a location object; n8n-core 1.84 and older take the
 * workflow and execution IDs as two arguments.
 */
export async function storeBinary(
	service: BinaryDataService,
	location: { workflowId: string; executionId: string },
	buffer: Buffer,
	data: IBinaryData,
): Promise<IBinaryData> {
	if (service.store.length >= 4) {
		const store = service.store as unknown as (
			workflowId: string,
			executionId: string,
			buffer: Buffer,
			data: IBinaryData,
		) => Promise<IBinaryData>;
		return await store.call(service, location.workflowId, location.executionId, buffer, data);
	}
	return await service.store({ type: 'execution', ...location }, buffer, data);
}

/**
 * The execution's lifecycle hooks, calling `onEnd` with the finished run. n8n-core 1.79+ has
 * ExecutionLifecycleHooks; before it, n8n-workflow's WorkflowHooks took the handlers by name up
 * front.
 */
export function lifecycleHooks(
	mode: WorkflowExecuteMode,
	executionId: string,
	workflowData: IWorkflowBase,
	onEnd: (run: IRun) => void,
): unknown {
	const { ExecutionLifecycleHooks } = n8nCore as Partial<typeof n8nCore>;
	if (ExecutionLifecycleHooks) {
		const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
		hooks.addHandler('workflowExecuteAfter', onEnd);
		return hooks;
	}
	const { WorkflowHooks } = n8nWorkflow as unknown as {
		WorkflowHooks: new (
			handlers: Record<string, Array<(run: IRun) => void>>,
			...rest: unknown[]
		) => unknown;
	};
	return new WorkflowHooks({ workflowExecuteAfter: [onEnd] }, mode, executionId, workflowData);
}

/**
 * Run data that starts with `executionData`. n8n-workflow 1.83 and older have no createRunExecutionData;
 * there the object is built with the fields its WorkflowExecute reads, as n8n 1.x itself did.
 */
export function newRunExecutionData(
	executionData: Pick<IRunExecutionData['executionData'] & object, 'nodeExecutionStack'>,
): IRunExecutionData {
	const create = (
		n8nWorkflow as { createRunExecutionData?: typeof n8nWorkflow.createRunExecutionData }
	).createRunExecutionData;
	if (create) return create({ executionData });
	return {
		startData: {},
		resultData: { runData: {}, pinData: {} },
		executionData: {
			contextData: {},
			metadata: {},
			waitingExecution: {},
			waitingExecutionSource: {},
			...executionData,
		},
	} as unknown as IRunExecutionData;
}

/**
 * The status n8n shows for a finished run. n8n-core 1.84 and older leave `status` at 'running' even after
 * the run ended, and n8n 1.x's server set the final one afterwards (its
 * determineFinalExecutionStatus); the harness does the same there. Any other status is the
 * engine's own and is kept.
 */
export function finalStatus(run: IRun): ExecutionStatus {
	if (run.status !== 'running') return run.status;
	if (run.waitTill) return 'waiting';
	return run.data.resultData.error ? 'error' : 'success';
}

/**
 * n8n-core 1.122 starts a 60 s clean-up interval in its SSH clients manager without unref(), and
 * every node context resolves that manager, so a test process would never exit by itself. Let the
 * real manager be created now and let its timer go; other n8n-core versions unref it themselves or
 * start none under NODE_ENV=test.
 */
export function releaseBackgroundTimers(container: { get(key: unknown): unknown }): void {
	let SSHClientsManager: unknown;
	try {
		({ SSHClientsManager } = require(
			require.resolve('n8n-core/dist/execution-engine/ssh-clients-manager', {
				paths: [host.n8nCoreDir],
			}),
		) as { SSHClientsManager: unknown });
	} catch {
		return; // no such module in this n8n-core: nothing to release
	}
	const manager = container.get(SSHClientsManager) as { cleanupTimer?: { unref?(): void } };
	manager.cleanupTimer?.unref?.();
}

/**
 * What the loaded n8n can do, for the tests whose expectations differ by n8n for a real reason.
 * Each is detected from the loaded code.
 */
export const capabilities = {
	/**
	 * n8n-workflow evaluates `@tool` in displayOptions (show a field only on the AI Agent tool
	 * twin). n8n-workflow 1.83 and older do not know the key: a tool twin then shows the fields a plain
	 * node shows, so the regular required Prompt instead of the one the agent fills in, and no
	 * Tool Description choice (the tool is described by the node's own description).
	 */
	toolDisplayOptions: (() => {
		const probe: INodeProperties = {
			displayName: 'Probe',
			name: 'probe',
			type: 'string',
			default: '',
			displayOptions: { show: { '@tool': [true] } },
		};
		const node = { typeVersion: 1 } as Parameters<
			typeof n8nWorkflow.NodeHelpers.displayParameter
		>[2];
		const toolType = { name: 'probeTool' } as Parameters<
			typeof n8nWorkflow.NodeHelpers.displayParameter
		>[3];
		return n8nWorkflow.NodeHelpers.displayParameter({}, probe, node, toolType);
	})(),
	/**
	 * n8n-core throws a tool's error to the agent (which hands the message to the model). n8n-core
	 * 1.84 and older instead answer the tool call with 'Error during node execution: ' plus the error's
	 * description, and the agent sees a normal answer.
	 */
	toolErrorsThrown: (() => {
		let source: string;
		try {
			source = fs.readFileSync(
				require.resolve(
					'n8n-core/dist/execution-engine/node-execution-context/utils/get-input-connection-data',
					{ paths: [host.n8nCoreDir] },
				),
				'utf8',
			);
		} catch {
			return true; // the module moved: newer than 1.84, which throws
		}
		return !source.includes("'Error during node execution: ' + ");
	})(),
	/**
	 * A node can add execution hints for the output pane (`addExecutionHints`, n8n 2.x); older
	 * n8n-core has no such method, and the nodes then add none.
	 */
	executionHints: (() => {
		try {
			const file = require.resolve(
				'n8n-core/dist/execution-engine/node-execution-context/execute-context',
				{ paths: [host.n8nCoreDir] },
			);
			return fs.readFileSync(file, 'utf8').includes('addExecutionHints(');
		} catch {
			return false;
		}
	})(),
};
