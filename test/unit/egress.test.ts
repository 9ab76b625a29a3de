/**
 * The pure parts of the checks on what comes from outside: which addresses and names are
 * inside, the one masking step, the gate for a task's state, how a result URL is checked and
 * reached (with stand-ins for n8n's egress filter of each n8n line), and sniffing a stream.
 */
import { Readable } from 'node:stream';

import { internalAddress, internalHost, parseIpv6 } from '../../nodes/shared/addresses';
import { checkDestination } from '../../nodes/shared/egress';
import { admitSnapshot, TaskIdRejection } from '../../nodes/shared/gate';
import { Masker, withoutControls } from '../../nodes/shared/mask';
import { PROVIDERS } from '../../nodes/providers';
import { policyFor } from '../../nodes/shared/resultUrls';
import { describeBytes, peek, sniffImage } from '../../nodes/shared/sniff';
import { pngBytes } from '../fakes';

describe('addresses and names that are inside', () => {
	it.each([
		['127.0.0.1', 'loopback'],
		['10.20.30.40', 'private'],
		['100.64.0.1', 'shared (carrier-grade NAT)'],
		['169.254.169.254', 'link-local'],
		['172.31.255.255', 'private'],
		['192.168.1.1', 'private'],
		['0.0.0.0', 'this network'],
		['198.18.0.1', 'benchmarking'],
		['203.0.113.9', 'documentation'],
		['224.0.0.1', 'multicast'],
		['255.255.255.255', 'reserved'],
		['::1', 'loopback'],
		['::', 'unspecified'],
		['::ffff:127.0.0.1', 'IPv4-mapped (127.0.0.1)'],
		['::ffff:7f00:1', 'IPv4-mapped (127.0.0.1)'],
		['::7f00:1', 'IPv4-compatible (127.0.0.1)'],
		['64:ff9b::a9fe:a9fe', 'NAT64 of link-local 169.254.169.254'],
		['2002:c0a8:0101::1', '6to4 of private 192.168.1.1'],
		['fd12:3456::1', 'unique local'],
		['fe80::1%eth0', 'link-local'],
		['fec0::1', 'site-local'],
		['ff02::1', 'multicast'],
		['2001:db8::1', 'documentation'],
		['2001::1', 'IETF protocol assignments (Teredo, benchmarking, ORCHID)'],
		['100::1', 'reserved'],
	])('%s is %s', (address, range) => {
		expect(internalAddress(address)).toBe(range);
	});

	it.each([
		'8.8.8.8',
		'93.184.215.14',
		'172.32.0.1',
		'2606:4700::1111',
		'64:ff9b::808:808',
		'2002:808:808::1',
	])('%s is public', (address) => expect(internalAddress(address)).toBeUndefined());

	it('reads IPv6 with an IPv4 tail and refuses malformed ones', () => {
		expect(parseIpv6('1:2:3:4:5:6:1.2.3.4')).toEqual([1, 2, 3, 4, 5, 6, 0x102, 0x304]);
		expect(parseIpv6('::1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0, 0x102, 0x304]);
		for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '::1.2.3', 'example.com'])
			expect(parseIpv6(bad)).toBeUndefined();
	});

	it.each([
		['localhost', 'a local name'],
		['LOCALHOST.', 'a local name'],
		['localhost..', 'a local name'],
		['api.localhost', 'a local name'],
		['printer.local.', 'a local name'],
		['metadata.google.internal', 'a local name'],
		['nas.home.arpa', 'a local name'],
		['metadata', 'not a public host name (it has one label)'],
		['[::1]', 'loopback'],
		['', 'an empty host name'],
	])('the host %j is inside: %s', (host, why) => {
		expect(internalHost(host)).toBe(why);
	});

	it.each(['cdn.example.com', 'cdn.example.com.', 'tempfile.aiquickdraw.com', '[2606:4700::1111]'])(
		'the host %s is not',
		(host) => expect(internalHost(host)).toBeUndefined(),
	);
});

describe('the masking step', () => {
	const masker = new Masker(['sk-Secret-Key-1234']);

	it('masks the key in any case and URL-encoded, and signed-URL tokens', () => {
		expect(masker.text('key sk-secret-key-1234 / SK-SECRET-KEY-1234')).toBe('key *** / ***');
		expect(new Masker(['a+b/c=KEY']).text('k=a%2Bb%2Fc%3DKEY')).toBe('k=***');
		expect(
			masker.text(
				'see https://s3.example/x.png?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc&se=2026&sig=zz&token=t1#f',
			),
		).toBe(
			'see https://s3.example/x.png?X-Amz-Credential=***&X-Amz-Signature=***&se=2026&sig=***&token=***#f',
		);
		expect(masker.text('https://user:pw@host/a and Bearer abcdefghijkl')).toBe(
			'https://***@host/a and Bearer ***',
		);
		expect(
			masker.text('POST https://n8n.example/webhook/1/gpt-image/abcdefghijklmnop1234 failed'),
		).toBe('POST https://n8n.example/webhook/1/gpt-image/*** failed');
	});

	it('replaces control characters (a forged log line, a terminal escape) with a space', () => {
		expect(withoutControls('a\nb\r\n\u001b[2Kc\u2028d\u0085e')).toBe('a b [2Kc d e');
		expect(masker.text('line\nbreak')).toBe('line break');
	});

	it('masks every string and key of an object, keeps numbers, stops at a depth', () => {
		const usage = { note: 'key sk-Secret-Key-1234', 'sk-Secret-Key-1234': 2, list: ['a\nb', 1] };
		expect(masker.value(usage)).toEqual({ note: 'key ***', '***': 2, list: ['a b', 1] });
		let deep: Record<string, unknown> = { end: true };
		for (let i = 0; i < 20; i++) deep = { deeper: deep };
		expect(JSON.stringify(masker.value(deep))).not.toContain('end');
	});

	it('adds secrets without losing the first ones', () => {
		const more = masker.with(['shared-secret-0001', undefined, '']);
		expect(more.text('sk-Secret-Key-1234 shared-secret-0001')).toBe('*** ***');
		expect(masker.with([])).toBe(masker);
	});
});

describe('the gate for a task state', () => {
	const evoLink = PROVIDERS.find((p) => p.key === 'evoLink')!.adapter;
	const masker = new Masker(['sk-Secret-Key-1234']);
	const base = {
		taskId: 'task-unified-1757156493-imcg5zqt',
		status: 'failed' as const,
		imageUrls: [],
	};

	it('takes task IDs of the provider form only, 64 characters at most', () => {
		expect(admitSnapshot(evoLink, base, masker).taskId).toBe(base.taskId);
		expect(
			admitSnapshot(evoLink, { ...base, taskId: `task-unified-${'a'.repeat(51)}` }, masker).taskId,
		).toHaveLength(64);
		for (const bad of [
			`task-unified-${'a'.repeat(52)}`,
			'../../x\nforged',
			'task-unified-x\n',
			'',
			'TASK-UNIFIED-1',
		])
			expect(() => admitSnapshot(evoLink, { ...base, taskId: bad }, masker)).toThrow(
				TaskIdRejection,
			);
	});

	it('says which ID it refused, masked and without its line breaks', () => {
		try {
			admitSnapshot(evoLink, { ...base, taskId: 'sk-Secret-Key-1234\nGPT Image: forged' }, masker);
			throw new Error('not refused');
		} catch (error) {
			expect((error as Error).message).toBe(
				'answered with a task ID that is not an EvoLink task ID: "*** GPT Image: forged"',
			);
		}
	});

	it('masks the error, the model and the cost; image URLs keep their tokens but not our key', () => {
		const admitted = admitSnapshot(
			evoLink,
			{
				...base,
				model: 'gpt\nimage',
				error: { code: 'sk-Secret-Key-1234', message: 'bad key sk-Secret-Key-1234' },
				cost: { usage: { rule: 'sk-Secret-Key-1234' } },
				imageUrls: ['https://cdn/x.png?sig=abc&k=sk-Secret-Key-1234'],
			},
			masker,
		);
		expect(admitted).toEqual({
			...base,
			model: 'gpt image',
			error: { code: '***', message: 'bad key ***' },
			cost: { usage: { rule: '***' } },
			imageUrls: ['https://cdn/x.png?sig=abc&k=***'],
		});
	});
});

describe('how a result URL is checked and reached', () => {
	const publicApi = policyFor('https://api.evolink.ai');
	const masker = new Masker();
	type Filter = {
		validateUrl(url: string): Promise<{ ok: boolean; error?: Error }>;
		createSecureLookup(): (
			host: string,
			o: object,
			cb: (e: Error | null, a: unknown) => void,
		) => void;
	};
	/** n8n's egress filter: `blocksLoopback` when its SSRF protection is on; `answer` the lookup's. */
	function filter(answer: string[] | Error, blocksLoopback = false): Filter {
		return {
			validateUrl: async (url) =>
				blocksLoopback && url.includes('127.0.0.1')
					? { ok: false, error: new Error('blocked') }
					: { ok: true },
			createSecureLookup: () => (_host, _options, callback) =>
				answer instanceof Error
					? callback(answer, [])
					: callback(
							null,
							answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
						),
		};
	}
	// As n8n 2.28-2.39 (no argument) and 2.40+ (a policy argument) hand the filter out.
	const before240 = (f?: Filter) => ({ getSecureEgressFilter: f ? () => f : undefined });
	const since240 = (f: Filter) => ({
		getSecureEgressFilter(policy?: string) {
			void policy;
			return f;
		},
	});
	const check = async (helpers: object, url = 'https://cdn.example.com:8443/a/b.png?sig=1') =>
		await checkDestination(helpers as never, url, publicApi, masker);

	it('connects to the checked address, keeping the name for Host and TLS (SSRF protection off)', async () => {
		expect(await check(before240(filter(['93.184.215.14', '93.184.215.15'])))).toEqual({
			destination: {
				url: 'https://93.184.215.14:8443/a/b.png?sig=1',
				headers: { Host: 'cdn.example.com:8443' },
				servername: 'cdn.example.com',
			},
		});
		expect(
			await check(before240(filter(['2606:4700::1111'])), 'https://cdn.example.com./x'),
		).toEqual({
			destination: {
				url: 'https://[2606:4700::1111]/x',
				headers: { Host: 'cdn.example.com.' },
				servername: 'cdn.example.com',
			},
		});
	});

	it('refuses a name any of whose addresses is inside', async () => {
		expect(await check(before240(filter(['93.184.215.14', '10.0.0.1'])))).toEqual({
			refused: 'cdn.example.com resolves to 10.0.0.1, a local or private address (private)',
		});
		expect(await check(before240(filter(['not-an-address'])))).toMatchObject({
			refused: expect.stringMatching(/\(not an IP address\)/),
		});
	});

	it('leaves the connection to n8n where n8n checks it and cannot keep the TLS name (2.28-2.39)', async () => {
		const guarded = filter(['93.184.215.14'], true);
		expect(await check(before240(guarded))).toEqual({
			destination: { url: 'https://cdn.example.com:8443/a/b.png?sig=1', headers: {} },
		});
		expect(await check(since240(guarded))).toMatchObject({
			destination: { url: 'https://93.184.215.14:8443/a/b.png?sig=1' },
		});
	});

	it("where n8n offers no lookup: a name from the provider's answer goes by name, one from an unverified callback is refused", async () => {
		const url = 'https://cdn.example.com:8443/a/b.png?sig=1';
		expect(await checkDestination(before240(undefined) as never, url, publicApi, masker)).toEqual({
			destination: { url, headers: {} },
		});
		const unverified = policyFor('');
		expect(await checkDestination(before240(undefined) as never, url, unverified, masker)).toEqual({
			refused: 'the address of cdn.example.com cannot be checked on this n8n, so it is not fetched',
			fix: expect.stringMatching(/N8N_SSRF_PROTECTION_ENABLED=true/),
		});
	});

	it("takes n8n's refusals as refusals and a failed lookup as worth another try", async () => {
		const blocked = Object.assign(new Error('Access to 10.0.0.1 is blocked'), {
			name: 'SsrfBlockedIpError',
		});
		expect(await check(before240(filter(blocked)))).toEqual({
			refused: 'Access to 10.0.0.1 is blocked',
		});
		const missing = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
		expect(await check(before240(filter(missing)))).toEqual({
			failure: { networkCode: 'ENOTFOUND' },
			reason: 'cdn.example.com could not be resolved (ENOTFOUND)',
		});
	});

	it('gives up on a lookup that does not answer by the deadline', async () => {
		const silent = {
			validateUrl: async () => ({ ok: true }),
			createSecureLookup: () => () => undefined,
		};
		const deadline = new AbortController();
		const pending = checkDestination(
			before240(silent as unknown as Filter) as never,
			'https://cdn.example.com/x.png',
			publicApi,
			masker,
			deadline.signal,
		);
		deadline.abort();
		expect(await pending).toEqual({
			failure: { networkCode: 'ETIMEDOUT' },
			reason: 'cdn.example.com could not be resolved (ETIMEDOUT)',
		});
	});

	it('needs no lookup for a literal address or when the API itself is local', async () => {
		const none = before240(undefined);
		expect(await check(none, 'https://93.184.215.14/x.png')).toEqual({
			destination: { url: 'https://93.184.215.14/x.png', headers: {} },
		});
		const local = await checkDestination(
			none as never,
			'http://minio:9000/x.png',
			policyFor('http://10.0.0.2:8080'),
			masker,
		);
		expect(local).toEqual({ destination: { url: 'http://minio:9000/x.png', headers: {} } });
	});
});

describe('sniffing a stream', () => {
	it('reads the first bytes and hands the whole stream on', async () => {
		const png = pngBytes(8, 8);
		const source = Readable.from([png.subarray(0, 3), png.subarray(3, 10), png.subarray(10)]);
		const { head, all } = await peek(source, 16);
		expect(sniffImage(head)).toBe('image/png');
		const chunks: Buffer[] = [];
		for await (const chunk of all) chunks.push(chunk);
		expect(Buffer.concat(chunks)).toEqual(png);
	});

	it('copes with a stream shorter than the head', async () => {
		const { head, all } = await peek(Readable.from([Buffer.from('GIF8')]), 16);
		expect(head.toString()).toBe('GIF8');
		const chunks: Buffer[] = [];
		for await (const chunk of all) chunks.push(chunk);
		expect(Buffer.concat(chunks).toString()).toBe('GIF8');
	});

	it.each([
		['', 'it is empty'],
		['\uFEFF  <svg>', 'it is markup (SVG, HTML or XML)'],
		['<!doctype html>', 'it is markup (SVG, HTML or XML)'],
		['{"error":1}', 'it is JSON'],
		['#!/bin/sh\n', 'it is text'],
		['\u0000\u0001\u0002', 'its first bytes are not an image signature'],
	])('describes %j without repeating it', (text, description) => {
		expect(describeBytes(Buffer.from(text))).toBe(description);
	});
});
