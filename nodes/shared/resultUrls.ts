import { internalHost } from './addresses';

/**
 * Which result URLs the nodes fetch. A result URL comes from the provider's answer (or from a
 * callback body), so it is untrusted: n8n would fetch whatever it names and store the answer as
 * the item's image. Rules:
 * - https only, unless the API itself is reached over http (a test server or a local gateway);
 * - no loopback, private, link-local, reserved or otherwise internal host, in any spelling (a
 *   trailing dot, upper case, a one-label name, an IPv6 form of an IPv4 address), unless the API
 *   itself is on one;
 * - a host name is resolved and every address it has is checked the same way, and the
 *   connection goes to the address that was checked (nodes/shared/egress.ts);
 * - every redirect hop is checked again;
 * - where the host n8n offers its egress filter (N8N_SSRF_* settings), every hop passes it too.
 * A refused URL is never fetched and never retried: the item fails with that reason.
 */

export interface UrlPolicy {
	allowHttp: boolean;
	allowPrivate: boolean;
	/**
	 * The URL came from the provider's own answer (its API, or a callback confirmed with it or
	 * signed by it), not from an unverified caller. Where n8n offers no way to resolve a name
	 * (before 2.28, or 2.28-2.37 with its SSRF protection off), such a URL is fetched by name with
	 * the other rules; a name from an unverified callback is refused there.
	 */
	fromProvider: boolean;
}

/** What the API's own address allows; no address at all allows only public https. */
export function policyFor(apiBaseUrl: string): UrlPolicy {
	let api: URL | undefined;
	try {
		api = apiBaseUrl ? new URL(apiBaseUrl) : undefined;
	} catch {
		api = undefined;
	}
	return {
		allowHttp: api?.protocol === 'http:',
		allowPrivate: api !== undefined && internalHost(api.hostname) !== undefined,
		fromProvider: api !== undefined,
	};
}

/** Why a result URL must not be fetched, or undefined when it may be. */
export function resultUrlProblem(value: string, policy: UrlPolicy): string | undefined {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return 'it is not a URL';
	}
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
		return `${url.protocol.replace(/:$/, '')} URLs are not fetched (https only)`;
	}
	if (url.username || url.password) return 'it carries a user name or password';
	if (policy.allowPrivate) return undefined;
	const inside = internalHost(url.hostname);
	if (inside === undefined) return undefined;
	return inside.startsWith('not ')
		? `${url.hostname} is ${inside}`
		: `${url.hostname} is a local or private address (${inside})`;
}

/** The most images one task may bring (every model makes at most 10 per task). */
export const MAX_IMAGES_PER_TASK = 10;

/** A task's image URLs, capped at what was asked for (and 10): a provider cannot make us fetch more. */
export function cappedImageUrls(urls: string[], asked = MAX_IMAGES_PER_TASK): string[] {
	return urls.slice(0, Math.max(0, Math.min(asked, MAX_IMAGES_PER_TASK)));
}
