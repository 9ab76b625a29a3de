/**
 * A trigger node in n8n-core's real webhook and hook contexts, with the state n8n keeps for it
 * between calls (the workflow's static data), so several webhook calls run as n8n would run them.
 */
import { binaryDataService, runContext } from './binary';
import type { BinaryMode } from './binary';
import { HarnessCredentialsHelper } from './credentials';
import { loadPackage } from './package';
import { additionalData, buildNodes } from './workflow';
import type { NodeInput } from './workflow';

import { HookContext, WebhookContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

export interface TriggerCall {
	/** What webhook() returned (no workflowData: no run started). */
	result: IWebhookResponseData | undefined;
	/** What the node wrote to the HTTP response itself. */
	response: { statusCode: number; body: unknown; ended: boolean };
	/** The items of the run it would start, if any. */
	items: INodeExecutionData[] | undefined;
}

export interface TriggerRequest {
	/** The path after /webhook/<id>/, e.g. "gpt-image"; a path the node does not listen on gets 404. */
	path?: string;
	body?: unknown;
	rawBody?: string | Buffer;
	headers?: Record<string, string | string[] | undefined>;
	query?: Record<string, string>;
}

export interface TriggerHandle {
	staticData(): IDataObject;
	call(request: TriggerRequest): Promise<TriggerCall>;
	lifecycle(method: 'checkExists' | 'create' | 'delete'): Promise<boolean>;
}

/** An express-like response that records what the node answered. */
function recordingResponse() {
	const response = { statusCode: 200, body: undefined as unknown, ended: false };
	const res = {
		status(code: number) {
			response.statusCode = code;
			return res;
		},
		setHeader: () => res,
		json(body: unknown) {
			Object.assign(response, { body, ended: true });
			return res;
		},
		send(body: unknown) {
			Object.assign(response, { body, ended: true });
			return res;
		},
		end(body?: unknown) {
			Object.assign(response, { body: body ?? response.body, ended: true });
			return res;
		},
	};
	return { res, response };
}

/**
 * Once n8n has answered a call, the call's context is done: a node that kept it (a client bound to
 * an earlier call) must not send through it. In the real n8n 2.41 such reads fail; here they
 * throw, so a test sees the same.
 */
function closeHelpers(context: WebhookContext): void {
	const helpers = context.helpers as unknown as Record<string, unknown>;
	for (const name of ['httpRequest', 'httpRequestWithAuthentication', 'request']) {
		if (typeof helpers[name] !== 'function') continue;
		helpers[name] = async () => {
			throw new Error(`${name} of a webhook call n8n has already answered`);
		};
	}
}

export async function createTrigger(options: {
	node: NodeInput;
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	binaryMode?: BinaryMode;
	additionalData?: Partial<IWorkflowExecuteAdditionalData>;
}): Promise<TriggerHandle> {
	const pkg = loadPackage();
	await binaryDataService();
	const [node] = buildNodes([options.node]);
	const workflowId = `engine-harness-trigger-${Math.random().toString(36).slice(2)}`;
	// As n8n does: each request gets a workflow loaded afresh with the saved static data, which is
	// saved back (whole) after the call if the node changed it. Concurrent calls: last write wins.
	let saved: IDataObject = {};
	const load = () =>
		new Workflow({
			id: workflowId,
			name: 'Engine harness trigger workflow',
			nodes: [node],
			connections: {},
			active: true,
			nodeTypes: pkg.nodeTypes,
			staticData: JSON.parse(JSON.stringify(saved)) as IDataObject,
			settings: { executionOrder: 'v1' },
		});
	const save = (workflow: Workflow) => {
		if (!workflow.staticData.__dataChanged) return;
		const { __dataChanged, ...data } = workflow.staticData;
		void __dataChanged;
		saved = JSON.parse(JSON.stringify(data)) as IDataObject;
	};
	const credentials = new HarnessCredentialsHelper(pkg.credentialTypes, options.credentials ?? {});
	const nodeType = pkg.nodeTypesByName[node.type];
	const webhookData: IWebhookData = {
		httpMethod: 'POST',
		node: node.name,
		webhookDescription: nodeType.description.webhooks![0],
		workflowId,
		path: 'gpt-image',
		isTest: false,
	} as IWebhookData;
	const extra = (more: Partial<IWorkflowExecuteAdditionalData> = {}) =>
		additionalData(credentials, { workflowId, ...options.additionalData, ...more });
	return {
		staticData: () => saved,
		async call(request) {
			const workflow = load();
			if (request.path !== undefined) {
				// As n8n routes: only the path the node's webhook resolves to reaches webhook().
				const listening = String(
					workflow.expression.getSimpleParameterValue(
						node,
						webhookData.webhookDescription.path,
						'internal',
						{},
					),
				);
				if (request.path.replace(/^\/+|\/+$/g, '') !== listening.replace(/^\/+|\/+$/g, '')) {
					const response = {
						statusCode: 404,
						body: { message: 'This webhook is not registered' },
						ended: true,
					};
					return { result: undefined, response, items: undefined };
				}
			}
			const raw = Buffer.from(request.rawBody ?? JSON.stringify(request.body ?? {}));
			const headers = Object.fromEntries(
				Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
			);
			const req = {
				body: request.body ?? JSON.parse(raw.toString('utf8')),
				rawBody: raw,
				headers,
				query: request.query ?? {},
				params: {},
				method: 'POST',
			};
			const { res, response } = recordingResponse();
			const context = new WebhookContext(
				workflow,
				node,
				extra({
					httpRequest: req,
					httpResponse: res,
				} as unknown as Partial<IWorkflowExecuteAdditionalData>),
				'webhook',
				webhookData,
				[],
				null,
			);
			const result = await runContext.run(
				{ binaryMode: options.binaryMode ?? 'default' },
				async () => await nodeType.webhook!.call(context),
			);
			save(workflow);
			closeHelpers(context);
			return { result, response, items: result?.workflowData?.[0] };
		},
		async lifecycle(method) {
			const workflow = load();
			const context = new HookContext(workflow, node, extra(), 'trigger', 'activate', webhookData);
			const answer = await nodeType.webhookMethods!.default![method].call(context);
			save(workflow);
			return answer;
		},
	};
}
