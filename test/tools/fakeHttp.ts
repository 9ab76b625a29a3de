/**
 * The network the execute-context stand-in (n8nContext.ts) talks through: n8n's HTTP helpers as
 * the node sees them (`json`, `returnFullResponse`, `encoding: 'stream'`, `timeout`, network
 * error codes), answered in-process by the fake providers, with a small name server of the
 * test's own (DNS answers per lookup, so rebinding can be played) and a record of where each
 * connection went.
 */
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';
import { Readable } from 'node:stream';

import type { FakeProvider } from '../fakes';
import type { TestClock } from './clock';

/** The bytes of a body n8n's helpers were handed or gave back. */
export async function toBuffer(body: unknown): Promise<Buffer> {
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
