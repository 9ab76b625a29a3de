import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { internalAddress, isIpLiteral } from './addresses';
import { networkCode, plainMessage, refusedBeforeSending } from './errors';
import type { Masker } from './mask';
import type { AttemptFailure } from './retry';
import { resultUrlProblem } from './resultUrls';
import type { UrlPolicy } from './resultUrls';

/**
 * Where an unauthenticated request for a URL from outside (a result image, a redirect on the way
 * to it) may go, and how it gets there: the URL rules first (resultUrls.ts), then n8n's egress
 * filter, then the host name is resolved and every address is checked, and the connection goes
 * to the address that was checked (the URL names the address, the Host header and the TLS
 * server name keep the host name), so a name server cannot answer differently in between.
 *
 * Only n8n's helpers reach the network, and the cloud rules forbid the 'dns' module, so a name is
 * resolved with the lookup of n8n's egress filter (`helpers.getSecureEgressFilter`, n8n 2.28 and
 * later): while n8n's SSRF protection is off (n8n 2.38 and later) that is the system's lookup;
 * while it is on, n8n's own checking lookup, which refuses what n8n blocks. n8n before 2.40 with
 * its protection on checks every connection itself at connect time, with its own ranges, and
 * there the connection is left to it: those versions set the TLS server name from the URL, so a
 * URL naming an address could not keep the name for TLS. An n8n that offers no lookup (before
 * 2.28, or 2.28-2.37 with SSRF protection off) cannot have a name checked: the URL is refused.
 */

type Helpers = Partial<Pick<IExecuteFunctions['helpers'], 'getSecureEgressFilter'>>;
type EgressFilter = ReturnType<IExecuteFunctions['helpers']['getSecureEgressFilter']>;

/** How to reach a URL that passed every check. */
export interface Destination {
	/** What to request: the URL itself, or the same URL with the checked address as its host. */
	url: string;
	/** The Host header that keeps the name, when the URL names the address. */
	headers: IDataObject;
	/** The name TLS checks the certificate against, when the URL names the address. */
	servername?: string;
}

export type CheckedDestination =
	| { destination: Destination }
	| { refused: string; fix?: string }
	| { failure: AttemptFailure; reason: string };

export const UNCHECKABLE_FIX =
	'On n8n 2.38 or later the node resolves the name itself; on n8n 2.28-2.37 set N8N_SSRF_PROTECTION_ENABLED=true so n8n checks it; or set Output Images As: URLs Only and download the images with your own rules';

/** Whether n8n checks every connection itself (its SSRF protection is on and blocks loopback). */
const guards = new WeakMap<object, Promise<boolean>>();
async function n8nChecksConnections(filter: EgressFilter): Promise<boolean> {
	let known = guards.get(filter);
	if (!known) {
		known = Promise.resolve()
			.then(async () => await filter.validateUrl('http://127.0.0.1/'))
			.then(
				(verdict) => !verdict.ok,
				() => false,
			);
		guards.set(filter, known);
	}
	return await known;
}

type LookupResult = string | Array<string | { address: string }>;

/** Every address of `host`, from the egress filter's lookup; rejects with its error. */
async function lookupAll(filter: EgressFilter, host: string, signal?: AbortSignal) {
	const lookup = filter.createSecureLookup() as unknown as (
		hostname: string,
		options: { all: boolean },
		callback: (error: Error | null, addresses: LookupResult) => void,
	) => void;
	return await new Promise<string[]>((resolve, reject) => {
		const stop = () =>
			reject(Object.assign(new Error(`no answer for ${host} in time`), { code: 'ETIMEDOUT' }));
		if (signal?.aborted) return stop();
		signal?.addEventListener('abort', stop, { once: true });
		lookup(host, { all: true }, (error, addresses) => {
			signal?.removeEventListener('abort', stop);
			if (error) return reject(error);
			const list = Array.isArray(addresses) ? addresses : [addresses];
			resolve(list.map((a) => (typeof a === 'string' ? a : String(a.address))));
		});
	});
}

/** The URL with its host replaced by `address`, keeping the name for Host and TLS. */
function pinned(url: URL, address: string): Destination {
	const target = new URL(url.toString());
	target.hostname = address.includes(':') ? `[${address}]` : address;
	return {
		url: target.toString(),
		headers: { Host: url.host },
		servername: url.protocol === 'https:' ? url.hostname.replace(/\.+$/, '') : undefined,
	};
}

/** Checks one URL (a first request or a redirect hop) and says how to reach it. */
export async function checkDestination(
	helpers: Helpers,
	url: string,
	policy: UrlPolicy,
	masker: Masker,
	signal?: AbortSignal,
): Promise<CheckedDestination> {
	const problem = resultUrlProblem(url, policy);
	if (problem) return { refused: problem };
	const parsed = new URL(url);
	const host = parsed.hostname;
	const filter = helpers.getSecureEgressFilter?.();
	if (filter) {
		try {
			const verdict = await filter.validateUrl(url);
			if (!verdict.ok) return { refused: masker.text(plainMessage(verdict.error)) };
		} catch (error) {
			return {
				failure: { networkCode: networkCode(error) ?? 'EDNS' },
				reason: masker.text(plainMessage(error)),
			};
		}
	}
	const byName: CheckedDestination = { destination: { url, headers: {} } };
	// Literal addresses were checked by the URL rules; with a local API anything local is fine.
	if (policy.allowPrivate || isIpLiteral(host.replace(/^\[|\]$/g, ''))) return byName;
	if (!filter || typeof filter.createSecureLookup !== 'function') {
		// The provider's own result hosts (a CDN by name) still work on such an n8n.
		if (policy.fromProvider) return byName;
		return {
			refused: `the address of ${host} cannot be checked on this n8n, so it is not fetched`,
			fix: UNCHECKABLE_FIX,
		};
	}
	let addresses: string[];
	try {
		addresses = await lookupAll(filter, host, signal);
	} catch (error) {
		if (refusedBeforeSending(error)) return { refused: masker.text(plainMessage(error)) };
		const code = networkCode(error) ?? 'EDNS';
		return { failure: { networkCode: code }, reason: `${host} could not be resolved (${code})` };
	}
	if (addresses.length === 0) {
		return { failure: { networkCode: 'ENOTFOUND' }, reason: `${host} has no address` };
	}
	for (const address of addresses) {
		const inside = isIpLiteral(address) ? internalAddress(address) : 'not an IP address';
		if (inside) {
			return {
				refused: `${host} resolves to ${masker.text(address)}, a local or private address (${inside})`,
			};
		}
	}
	// n8n 2.28-2.39 with SSRF protection on: n8n checks the connection itself (see above).
	const takesPolicy = (helpers.getSecureEgressFilter?.length ?? 0) > 0;
	if ((await n8nChecksConnections(filter)) && !takesPolicy) return byName;
	return { destination: pinned(parsed, addresses[0]) };
}
