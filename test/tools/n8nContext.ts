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

async function toBuffer(body: unknown): Promise<Buffer> {
	if (body === undefined || body === null) return Buffer.alloc(0);
	if (Buffer.isBuffer(body)) return body;
	if (typeof body === 'string') return Buffer.from(body);
	if (typeof (body as Readable).pipe === 'function' || Symbol.asyncIterator in (body as object)) {
		const chunks: Buffer[] = [];
		for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
		return Buffer.concat(chunks);
	}
	return Buffer.from(JSON.stringify(body));
}

function withQuery(url: string, qs?: IDataObject): string {
	if (!qs || Object.keys(qs).length === 0) return url;
	const parsed = new URL(url);
	for (const [key, value] of Object.entries(qs)) parsed.searchParams.set(key, String(value));
	return parsed.toString();
}

/** Where a request may go: a fake at its own address, or at another origin it stands in for. */
export interface Route {
	fake: FakeProvider;
	/** Another origin (e.g. https://api.provider.test) served by this fake. */
	origin?: string;
}

export interface HttpOptions {
	/** Hosts n8n's SSRF protection would refuse (the request throws before it is sent). */
	blockedHosts?: string[];
	/**
	 * What a host name resolves to. A function answers each lookup anew (its argument counts the
	 * lookups of that name from 0), which is how DNS rebinding looks. The hosts of `aliases`
	 * resolve to public addresses of their own unless listed here; other names are not found.
	 */
	dns?: Record<string, string[] | ((lookup: number) => string[])>;
}

/** Sees every answer that reached the node: its URL, status and body (a Buffer for JSON). */
export type Observer = (url: string, statusCode: number, body: unknown) => void;

/** Counts of requests in flight, to see how many ran at once. */
export interface HttpStats {
	active: number;
	peak: number;
	urls: string[];
	/** The address each request connected to (a name is resolved when it connects). */
	connected: string[];
}

/**
 * A small network: which address each name has (looked up anew on every connection, as the
 * operating system does), and which fake answers at which address.
 */
export class Network {
	private readonly lookups = new Map<string, number>();
	private readonly servers = new Map<string, Route>();
	private readonly names: NonNullable<HttpOptions['dns']>;

	constructor(routes: Route[], dns: HttpOptions['dns'] = {}) {
		this.names = { ...dns };
		routes
			.filter((r) => r.origin)
			.forEach((route, i) => {
				const host = new URL(route.origin!).hostname;
				const address = `93.184.215.${10 + i}`;
				this.names[host] ??= [address];
				this.servers.set(address, route);
			});
	}

	/** The addresses of a name, as one lookup answers now; undefined when it is not found. */
	resolve(hostname: string): string[] | undefined {
		const entry = this.names[hostname.toLowerCase()];
		if (!entry) return undefined;
		const count = this.lookups.get(hostname) ?? 0;
		this.lookups.set(hostname, count + 1);
		return typeof entry === 'function' ? entry(count) : entry;
	}

	/** The fake that answers at an address, if any (only the aliases have public addresses). */
	serverAt(address: string): Route | undefined {
		return this.servers.get(address);
	}

	/** n8n's egress filter lookup: the same answers, in the shape of dns.lookup. */
	lookup(
		hostname: string,
		options: { all?: boolean },
		callback: (error: Error | null, address: unknown, family?: number) => void,
	): void {
		const found = this.resolve(hostname);
		if (!found || found.length === 0) {
			callback(
				Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
				[],
			);
			return;
		}
		const records = found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
		if (options.all) callback(null, records);
		else callback(null, records[0].address, records[0].family);
	}
}

const isIpLiteral = (host: string) => /^[\d.]+$|^\[.*\]$/.test(host);

function canceled(): Error {
	return Object.assign(new Error('canceled'), { name: 'CanceledError', code: 'ERR_CANCELED' });
}

/** A stream that errors as soon as `signal` aborts (a connection n8n gave up on). */
function abortable(body: Readable, signal: AbortSignal | undefined): Readable {
	if (!signal) return body;
	const stop = () => body.destroy(canceled());
	if (signal.aborted) stop();
	else signal.addEventListener('abort', stop, { once: true });
	return body;
}

/** Answers `options` from whichever fake owns its URL, as n8n's httpRequest would. */
export function fakeHttp(
	routes: Route[],
	clock: TestClock,
	http: HttpOptions = {},
	stats?: HttpStats,
	network = new Network(routes, http.dns),
	observe?: Observer,
) {
	return async function request(options: IHttpRequestOptions): Promise<unknown> {
		const url = withQuery(String(options.url), options.qs);
		const parsed = new URL(url);
		const host = parsed.hostname;
		if (http.blockedHosts?.includes(host)) {
			const refused = new Error(
				'The request was blocked because it resolves to a restricted IP address',
			);
			throw Object.assign(refused, { name: 'SsrfBlockedIpError' });
		}
		const refusedAt = (where: string) =>
			Object.assign(new Error(`connect ECONNREFUSED ${where}`), { code: 'ECONNREFUSED' });
		let route = routes.find((r) => !r.origin && url.startsWith(r.fake.baseUrl));
		let served = url;
		if (!route) {
			// Another origin: the connection goes to the address the URL names, or to the one its
			// name resolves to now; the fake listening there answers, whatever the Host header says.
			let address = host.replace(/^\[|\]$/g, '');
			if (!isIpLiteral(host)) {
				const found = network.resolve(host);
				if (!found?.length)
					throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
				address = found[0];
			}
			stats?.connected.push(address);
			route = network.serverAt(address);
			if (!route) throw refusedAt(`${address}:${parsed.port || 443}`);
			const asked = String(
				Object.entries(options.headers ?? {}).find(([k]) => k.toLowerCase() === 'host')?.[1] ??
					parsed.host,
			);
			const named = asked.replace(/:\d+$/, '');
			const tlsName = isIpLiteral(host)
				? (options.agentOptions as { servername?: string } | undefined)?.servername
				: host;
			if (parsed.protocol === 'https:' && tlsName !== named) {
				// The certificate is for the name; TLS checks it against the name it was given.
				throw Object.assign(new Error(`Hostname/IP does not match certificate's altnames`), {
					code: 'ERR_TLS_CERT_ALTNAME_INVALID',
				});
			}
			served = route.fake.baseUrl + parsed.pathname + parsed.search;
			if (new URL(route.origin!).host !== asked) throw refusedAt(asked);
		}
		const headers = Object.fromEntries(
			Object.entries(options.headers ?? {}).map(([k, v]) => [k, String(v)]),
		);
		const isObject =
			options.body &&
			!Buffer.isBuffer(options.body) &&
			typeof (options.body as Readable).pipe !== 'function';
		const body = isObject ? (options.body as object) : await toBuffer(options.body);
		const signal = options.abortSignal as AbortSignal | undefined;
		if (stats) {
			stats.active += 1;
			stats.peak = Math.max(stats.peak, stats.active);
			stats.urls.push(url);
		}
		try {
			const sent = route.fake.request({
				method: options.method ?? 'GET',
				url: served,
				headers,
				body,
			});
			let cancel = () => {};
			const timeout = new Promise<never>((_, reject) => {
				const timer = options.timeout
					? clock.setTimer(
							() => reject(Object.assign(new Error('timeout exceeded'), { code: 'ECONNABORTED' })),
							options.timeout,
						)
					: () => {};
				const abort = () => reject(canceled());
				signal?.addEventListener('abort', abort, { once: true });
				cancel = () => {
					timer();
					signal?.removeEventListener('abort', abort);
				};
			});
			const response = await Promise.race([sent, timeout]).finally(() => cancel());
			observe?.(url, response.statusCode, response.body);
			let responseBody: unknown = response.body;
			if (options.encoding === 'stream') {
				const stream = Buffer.isBuffer(responseBody)
					? Readable.from([responseBody])
					: (responseBody as Readable);
				responseBody = abortable(stream, signal);
			} else {
				const text = (await toBuffer(responseBody)).toString('utf8');
				responseBody = text;
				if (options.json && /json/.test(response.headers['content-type'] ?? '')) {
					try {
						responseBody = JSON.parse(text);
					} catch {
						// n8n hands back the text when a JSON answer does not parse
					}
				}
			}
			const ok = response.statusCode >= 200 && response.statusCode < 300;
			if (!ok && !options.ignoreHttpStatusErrors) {
				throw Object.assign(new Error(`Request failed with status code ${response.statusCode}`), {
					httpCode: String(response.statusCode),
				});
			}
			if (!options.returnFullResponse) return responseBody;
			return { statusCode: response.statusCode, headers: response.headers, body: responseBody };
		} finally {
			if (stats) stats.active -= 1;
		}
	};
}

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
