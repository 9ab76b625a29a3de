/**
 * Which hosts and addresses are inside: loopback, private, link-local, shared, reserved and the
 * like, in every spelling the URL parser or a name server may hand over. An address is public
 * only when it is in no special-purpose range (IANA's IPv4 and IPv6 special-purpose registries);
 * IPv6 is public only inside global unicast (2000::/3), and an IPv6 address that carries an IPv4
 * address (mapped, compatible, NAT64, 6to4) is judged by what it carries where that is defined.
 */

/** Special-purpose IPv4 ranges: [first octets as a number, prefix length, what it is]. */
const IPV4_RANGES: Array<[number, number, string]> = [
	[0x00000000, 8, 'this network'],
	[0x0a000000, 8, 'private'],
	[0x64400000, 10, 'shared (carrier-grade NAT)'],
	[0x7f000000, 8, 'loopback'],
	[0xa9fe0000, 16, 'link-local'],
	[0xac100000, 12, 'private'],
	[0xc0000000, 24, 'IETF protocol assignments'],
	[0xc0000200, 24, 'documentation'],
	[0xc0586300, 24, '6to4 relay'],
	[0xc0a80000, 16, 'private'],
	[0xc6120000, 15, 'benchmarking'],
	[0xc6336400, 24, 'documentation'],
	[0xcb007100, 24, 'documentation'],
	[0xe0000000, 4, 'multicast'],
	[0xf0000000, 4, 'reserved'],
];

/** Host names that are local by their spelling (checked after trailing dots are removed). */
const LOCAL_SUFFIXES = [
	'localhost',
	'local',
	'localdomain',
	'internal',
	'intranet',
	'lan',
	'home',
	'corp',
	'home.arpa',
];

/** The 32-bit value of a dotted IPv4 address in decimal (the form the URL parser and DNS give). */
export function parseIpv4(text: string): number | undefined {
	const parts = text.split('.');
	if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255))
		return undefined;
	return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** The eight 16-bit groups of an IPv6 address (`::`, an embedded IPv4 tail and a zone allowed). */
export function parseIpv6(text: string): number[] | undefined {
	let rest = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
	if (!rest.includes(':')) return undefined;
	const tail: number[] = [];
	const v4 = /\d{1,3}(?:\.\d{1,3}){3}$/.exec(rest);
	if (v4) {
		const value = parseIpv4(v4[0]);
		if (value === undefined) return undefined;
		tail.push(Math.floor(value / 65536), value % 65536);
		rest = rest.slice(0, rest.length - v4[0].length);
		// "…::1.2.3.4" keeps its "::"; "…:ffff:1.2.3.4" drops the colon before the address.
		if (!rest.endsWith('::')) {
			if (!rest.endsWith(':')) return undefined;
			rest = rest.slice(0, -1);
		}
	}
	const halves = rest.split('::');
	if (halves.length > 2) return undefined;
	const groups = (half: string) => (half === '' ? [] : half.split(':'));
	const head = groups(halves[0]);
	const back = halves.length === 2 ? groups(halves[1]) : [];
	const all = [...head, ...back];
	if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
	const fill = 8 - tail.length - all.length;
	if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
	return [
		...head.map((g) => parseInt(g, 16)),
		...new Array<number>(halves.length === 2 ? fill : 0).fill(0),
		...back.map((g) => parseInt(g, 16)),
		...tail,
	];
}

function ipv4Range(value: number): string | undefined {
	const found = IPV4_RANGES.find(([base, bits]) => {
		const size = 2 ** (32 - bits);
		return value >= base && value < base + size;
	});
	return found?.[2];
}

/** The IPv4 address an IPv6 one carries at `at` (group index), as text. */
function carried(groups: number[], at: number): string {
	const value = groups[at] * 65536 + groups[at + 1];
	return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function ipv6Range(groups: number[]): string | undefined {
	const [g0, g1, g2, g3, g4, g5] = groups;
	const zeroTo = (n: number) => groups.slice(0, n).every((g) => g === 0);
	if (zeroTo(8)) return 'unspecified';
	if (zeroTo(7) && groups[7] === 1) return 'loopback';
	if (zeroTo(5) && g5 === 0xffff) return `IPv4-mapped (${carried(groups, 6)})`;
	if (zeroTo(6)) return `IPv4-compatible (${carried(groups, 6)})`;
	if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
		const inner = ipv4Range(parseIpv4(carried(groups, 6))!);
		return inner ? `NAT64 of ${inner} ${carried(groups, 6)}` : undefined;
	}
	if (g0 === 0x2002) {
		const inner = ipv4Range(parseIpv4(carried(groups, 1))!);
		return inner ? `6to4 of ${inner} ${carried(groups, 1)}` : undefined;
	}
	// Global unicast is 2000::/3; every other block is local, multicast, reserved or special.
	if (g0 < 0x2000 || g0 > 0x3fff) {
		if (g0 >= 0xfc00 && g0 <= 0xfdff) return 'unique local';
		if (g0 >= 0xfe80 && g0 <= 0xfebf) return 'link-local';
		if (g0 >= 0xfec0 && g0 <= 0xfeff) return 'site-local';
		if (g0 >= 0xff00) return 'multicast';
		return 'reserved';
	}
	if (g0 === 0x2001 && g1 < 0x200)
		return 'IETF protocol assignments (Teredo, benchmarking, ORCHID)';
	if (g0 === 0x2001 && g1 === 0xdb8) return 'documentation';
	if (g0 === 0x3fff && g1 < 0x1000) return 'documentation';
	return undefined;
}

/** Why an IP address is not public (its range), or undefined when it is public; undefined too for a name. */
export function internalAddress(address: string): string | undefined {
	const v4 = parseIpv4(address);
	if (v4 !== undefined) return ipv4Range(v4);
	const v6 = parseIpv6(address);
	return v6 ? ipv6Range(v6) : undefined;
}

/** Whether a host (as `URL.hostname` gives it) is an IP address rather than a name. */
export function isIpLiteral(hostname: string): boolean {
	return parseIpv4(hostname) !== undefined || parseIpv6(hostname) !== undefined;
}

/**
 * Why a host name is local by its spelling alone, or undefined: `localhost` and the local
 * suffixes in any case and with any trailing dots, and names of one label (resolved through the
 * search domains of the network n8n runs in, e.g. `metadata`).
 */
export function localName(hostname: string): string | undefined {
	const name = hostname.toLowerCase().replace(/\.+$/, '');
	if (name === '') return 'an empty host name';
	if (LOCAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`)))
		return 'a local name';
	if (!name.includes('.')) return 'not a public host name (it has one label)';
	return undefined;
}

/** Why a host is inside (an internal address or a local name), or undefined when it is not. */
export function internalHost(hostname: string): string | undefined {
	const host = hostname.replace(/^\[|\]$/g, '');
	return isIpLiteral(host) ? internalAddress(host) : localName(host);
}
