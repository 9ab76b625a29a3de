/** URL checks the providers document for user-supplied URLs. */

export function parseUrl(value: unknown): URL | null {
	if (typeof value !== 'string') return null;
	try {
		return new URL(value);
	} catch {
		return null;
	}
}

export function isHttpUrl(value: unknown): boolean {
	const url = parseUrl(value);
	return Boolean(url && (url.protocol === 'http:' || url.protocol === 'https:'));
}

/** Any absolute URI (Apiframe's `format: uri`). */
export function isUri(value: unknown): boolean {
	return parseUrl(value) !== null;
}

function isPrivateIpv4(host: string): boolean {
	const match = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
	if (!match) return false;
	const [a, b] = [Number(match[1]), Number(match[2])];
	return (
		a === 127 ||
		a === 10 ||
		a === 0 ||
		(a === 172 && b >= 16 && b <= 31) ||
		(a === 192 && b === 168) ||
		(a === 169 && b === 254)
	);
}

function isPrivateIpv6(host: string): boolean {
	return (
		host === '::1' ||
		host === '::' ||
		/^f[cd][0-9a-f]{0,2}:/.test(host) ||
		host.startsWith('fe80:') ||
		host.startsWith('::ffff:')
	);
}

/**
 * Loopback / private / link-local hosts, which the unified task API refuses as callback targets
 * (docs/providers.md, "Create task": `callback_url`). WHATWG URL already normalises odd IPv4
 * spellings (e.g. "2130706433") to dotted form.
 */
export function isPrivateHost(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
	if (host === 'localhost' || host.endsWith('.localhost')) return true;
	return isPrivateIpv4(host) || isPrivateIpv6(host);
}

/** Hosts that are this machine: the only ones the fakes deliver callbacks to. */
export function isLoopbackHost(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
	// not '*.localhost': outside systemd-resolved those names go to real DNS
	if (host === 'localhost') return true;
	return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}
