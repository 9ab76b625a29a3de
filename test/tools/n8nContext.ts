/**
 * A small stand-in for the parts of n8n's execute context that the shared node code uses,
 * wired to fake providers through their in-process transport (no sockets) and to a clock, so
 * the router, task client and poller run in simulated time. It behaves like n8n's helpers where
 * the node relies on it: `json: true` parses JSON answers (and hands back text that is not
 * JSON), `returnFullResponse` gives status and headers, `encoding: 'stream'` a stream,
 * `timeout` ends a request with ECONNABORTED, and network failures keep their code.
 * The engine tests prove the real helpers behave the same way.
 */
import type {
	IBinaryData,
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
} from 'n8n-workflow';
import { Readable } from 'node:stream';

import { PROVIDERS } from '../../nodes/providers';
import { applyAuthentication } from '../engine/harness/credentials';
import { loadCredentialTypes } from './credentialTypes';
import type { FakeProvider } from '../fakes';
import type { TestClock } from './clock';

type Helpers = IExecuteFunctions['helpers'];

import { fakeHttp, Network, toBuffer } from './fakeHttp';
import type { HttpOptions, HttpStats, Observer, Route } from './fakeHttp';

export type { HttpOptions, HttpStats, Observer, Route } from './fakeHttp';

export interface ContextOptions {
	fakes: FakeProvider[];
	/** Other origins the fakes stand in for (a public https API or CDN address). */
	aliases?: Array<{ origin: string; fake: FakeProvider }>;
	http?: HttpOptions;
	/** What n8n's egress filter lets through (default: everything, as with SSRF protection off). */
	egress?: (url: string) => boolean;
	/** An n8n without getSecureEgressFilter (before 2.28, or 2.28-2.37 with SSRF protection off). */
	noEgressFilter?: boolean;
	clock: TestClock;
	/** Credential data by type name. */
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** One object of parameter values per input item (values as n8n resolved them). */
	items: IDataObject[];
	node?: Partial<INode>;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	executionId?: string;
	workflowId?: string;
	/** The node's run within the execution (a node in a loop), as n8n-core's contexts carry it. */
	runIndex?: number;
	instanceId?: string;
	/** Sees every provider answer (authenticated requests) that reached the node. */
	observe?: Observer;
	/** Execution hints the node adds (n8n 2.x `addExecutionHints`). */
	hints?: Array<{ message: string }>;
}

let executions = 0;

/** What a test can read back from the context: requests, logs, custom data, concurrency. */
export interface ContextExtras {
	requests: IHttpRequestOptions[];
	logs: string[];
	metadata: Record<string, string>;
	/** Unauthenticated requests (result downloads). */
	stats: HttpStats;
}

/** An IExecuteFunctions with what the shared node code calls, and nothing it does not. */
export function executeContext(options: ContextOptions): IExecuteFunctions & ContextExtras {
	const routes: Route[] = [...(options.aliases ?? []), ...options.fakes.map((fake) => ({ fake }))];
	const stats: HttpStats = { active: 0, peak: 0, urls: [], connected: [] };
	const network = new Network(routes, options.http?.dns);
	const download = fakeHttp(routes, options.clock, options.http, stats, network);
	const api = fakeHttp(routes, options.clock, options.http, undefined, network, options.observe);
	const types = loadCredentialTypes();
	const requests: IHttpRequestOptions[] = [];
	const node = {
		name: 'Image',
		type: `n8n-nodes-gpt-image.${PROVIDERS[0].key}`,
		typeVersion: 1,
		parameters: {},
		...options.node,
	} as INode;
	const helpers = {
		async httpRequest(request: IHttpRequestOptions) {
			requests.push(request);
			return await download(request);
		},
		async httpRequestWithAuthentication(this: unknown, type: string, request: IHttpRequestOptions) {
			requests.push(request);
			const authenticated = applyAuthentication(types[type], options.credentials[type], {
				...request,
				headers: { ...request.headers },
			});
			return await api(authenticated);
		},
		// As n8n 2.38 and later: a filter that passes everything while SSRF protection is off, whose
		// lookup is the system's (here the stand-in network's).
		getSecureEgressFilter: options.noEgressFilter
			? undefined
			: () => ({
					validateUrl: async (url: string | URL) =>
						!options.egress || options.egress(String(url))
							? { ok: true, result: undefined }
							: { ok: false, error: new Error('The request was blocked by the egress filter') },
					validateConnectionHost: () => ({ ok: true, result: undefined }),
					createSecureLookup: () => network.lookup.bind(network),
					validateRedirectSync: () => undefined,
				}),
		async prepareBinaryData(
			data: Buffer | Readable,
			fileName?: string,
			mimeType?: string,
		): Promise<IBinaryData> {
			const bytes = await toBuffer(data);
			return {
				data: bytes.toString('base64'),
				mimeType: mimeType ?? 'application/octet-stream',
				fileName,
				bytes: bytes.length,
			};
		},
	} as unknown as Helpers;
	const logs: string[] = [];
	const metadata: Record<string, string> = {};
	const log = (message: string) => logs.push(message);
	const executionId = options.executionId ?? `unit-${++executions}`;
	const context = {
		requests,
		stats,
		logs,
		metadata,
		helpers,
		logger: { info: log, warn: log, error: log, debug: log, verbose: log },
		customData: {
			set: (key: string, value: string) => (metadata[key] = value),
			setAll: (values: Record<string, string>) => Object.assign(metadata, values),
			get: (key: string) => metadata[key],
			getAll: () => ({ ...metadata }),
		},
		getWorkflow: () => ({ id: options.workflowId ?? 'unit-workflow', active: false }),
		getExecutionId: () => executionId,
		getInstanceId: () => options.instanceId ?? 'unit-instance',
		runIndex: options.runIndex ?? 0,
		addExecutionHints: (...hints: Array<{ message: string }>) => options.hints?.push(...hints),
		getInputData: (): INodeExecutionData[] => options.items.map(() => ({ json: {} })),
		getNodeParameter(name: string, itemIndex: number, fallback?: unknown) {
			const value = options.items[itemIndex]?.[name];
			if (value !== undefined) return value;
			if (fallback !== undefined) return fallback;
			throw new Error(`no value for parameter "${name}" of item ${itemIndex}`);
		},
		getNode: () => node,
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => options.signal,
		async getCredentials(type: string) {
			return options.credentials[type];
		},
	};
	return context as unknown as IExecuteFunctions & ContextExtras;
}
