/**
 * The credential test without a network: the header resolver, the wiring n8n relies on
 * (testedBy -> methods.credentialTest), and the sentences for failures the engine tests cannot
 * provoke on 127.0.0.1 (certificates, timeouts, SSRF refusal). The engine tests
 * (test/engine/errors.test.ts, "credential tests") run the same function in n8n-core against
 * the fakes.
 */
import type { ICredentialType, INodeType } from 'n8n-workflow';
import { Readable } from 'node:stream';

import { EvoLinkApi } from '../../credentials/EvoLinkApi.credentials';
import { Apiframe } from '../../nodes/Apiframe/Apiframe.node';
import { EvoLink } from '../../nodes/EvoLink/EvoLink.node';
import { GptImageTrigger } from '../../nodes/GptImageTrigger/GptImageTrigger.node';
import { PROVIDERS, providerByKey } from '../../nodes/providers';
import { StarMagic } from '../../nodes/StarMagic/StarMagic.node';
import { realClock, useClock } from '../../nodes/shared/clock';
import { credentialHeaders, resolveCredentialText } from '../../nodes/shared/credentialAuth';
import { checkCredential, credentialTestName } from '../../nodes/shared/credentialTest';

const evoLink = providerByKey('evoLink')!;
const apiframe = providerByKey('apiframe')!;
const KEY = 'sk-unit-SECRET-0001';

describe('credential header resolver', () => {
	it('resolves {{$credentials.<field>}} inside and as the whole value', () => {
		const data = { apiKey: KEY, region: 'eu' };
		expect(resolveCredentialText('=Bearer {{$credentials.apiKey}}', data)).toBe(`Bearer ${KEY}`);
		expect(resolveCredentialText('={{$credentials.apiKey}}', data)).toBe(KEY);
		expect(resolveCredentialText('={{ $credentials.apiKey }}-{{$credentials.region}}', data)).toBe(
			`${KEY}-eu`,
		);
	});

	it('leaves a value without "=" as it is, and a missing field empty', () => {
		expect(resolveCredentialText('Bearer {{$credentials.apiKey}}', { apiKey: KEY })).toBe(
			'Bearer {{$credentials.apiKey}}',
		);
		expect(resolveCredentialText('=Bearer {{$credentials.apiKey}}', {})).toBe('Bearer ');
	});

	it('refuses any other expression instead of sending it half-resolved', () => {
		expect(() => resolveCredentialText('={{$credentials.apiKey.trim()}}', { apiKey: KEY })).toThrow(
			/Only \{\{\$credentials.<field>\}\}/,
		);
		expect(() => resolveCredentialText('={{ $json.key }}', {})).toThrow();
	});

	it("gives each registry credential's authenticate headers, and refuses other kinds", () => {
		expect(credentialHeaders(evoLink.credential, { apiKey: KEY })).toEqual({
			Authorization: `Bearer ${KEY}`,
		});
		expect(credentialHeaders(apiframe.credential, { apiKey: 'afk_x' })).toEqual({
			'X-API-Key': 'afk_x',
		});
		const withQuery = {
			...new EvoLinkApi(),
			authenticate: { type: 'generic', properties: { qs: { key: '={{$credentials.apiKey}}' } } },
		} as ICredentialType;
		expect(() => credentialHeaders(withQuery, { apiKey: KEY })).toThrow(/only headers/);
		const custom = { ...new EvoLinkApi(), authenticate: undefined } as ICredentialType;
		expect(() => credentialHeaders(custom, {})).toThrow(/no generic authenticate/);
	});
});

describe('wiring n8n relies on', () => {
	const users: Array<[string, INodeType]> = [
		['starMagic', new StarMagic()],
		['evoLink', new EvoLink()],
		['apiframe', new Apiframe()],
		['gptImageTrigger', new GptImageTrigger()],
	];

	it.each(users)(
		'%s: every credential it lists names a credentialTest it has (n8n takes the first node)',
		(_name, node) => {
			for (const entry of node.description.credentials ?? []) {
				expect(entry.testedBy).toBe(`${entry.name}Test`);
				expect(typeof node.methods?.credentialTest?.[entry.testedBy as string]).toBe('function');
			}
		},
	);

	it.each(PROVIDERS.map((p) => [p.key, p] as const))(
		'%s: its credential is the one its adapter uses, and says where keys come from',
		(_key, provider) => {
			expect(provider.credential.name).toBe(provider.adapter.credentialType);
			expect(credentialTestName(provider)).toBe(`${provider.adapter.credentialType}Test`);
			const statics = provider.credential.constructor as { keyPageUrl?: string };
			expect(statics.keyPageUrl).toMatch(/^https:\/\//);
			// What keys look like is a provider fact (nodes/shared/facts.ts), read by the test.
			expect(provider.adapter.facts.keyPrefix.value).toMatch(/^[a-z]+[-_]$/);
			expect(provider.adapter.cost?.balance.build().base).toBe('api');
		},
	);
});

type Request = (options: object) => Promise<unknown>;

/** The helpers of a credential test context, answering with `answer`; records what was asked. */
function helpers(answer: Request) {
	const calls: Array<Record<string, unknown>> = [];
	return {
		calls,
		helpers: {
			request: async (options: string | object) => {
				calls.push(options as Record<string, unknown>);
				return await answer(options as object);
			},
		},
	};
}

const data = { apiKey: KEY, baseUrl: 'https://gw.example/evo/' };
const networkError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('checkCredential', () => {
	afterEach(() => useClock(realClock));

	it('sends the credential header to the balance route, no redirects, a stream', async () => {
		const stub = helpers(async () => ({
			statusCode: 200,
			body: Readable.from([Buffer.from('{"data":{"user":{"remaining_credits":12.5}}}')]),
		}));
		const result = await checkCredential(stub.helpers, evoLink, data);
		expect(result).toEqual({ status: 'OK', message: 'Connected: 12.5 EvoLink credits left' });
		expect(stub.calls[0]).toMatchObject({
			method: 'GET',
			uri: 'https://gw.example/evo/v1/credits',
			headers: { Authorization: `Bearer ${KEY}` },
			resolveWithFullResponse: true,
			simple: false,
			useStream: true,
			followRedirect: false,
			followAllRedirects: false,
			maxRedirects: 0,
		});
	});

	it('a 2xx whose balance cannot be read still says Connected; one that is not JSON does not', async () => {
		const shape = helpers(async () => ({ statusCode: 200, body: Readable.from(['{"x":1}']) }));
		expect(await checkCredential(shape.helpers, evoLink, data)).toEqual({
			status: 'OK',
			message: 'Connected',
		});
		const page = helpers(async () => ({ statusCode: 200, body: Readable.from(['<html>']) }));
		expect(await checkCredential(page.helpers, evoLink, data)).toEqual({
			status: 'Error',
			message:
				"EvoLink answered HTTP 200 at https://gw.example/evo/v1/credits, but not with the API's JSON: check the Base URL (the default is https://api.evolink.ai)",
		});
	});

	it('a 403 names the key page; the prefix hint only when the key lacks it', async () => {
		const stub = helpers(async () => ({ statusCode: 403, body: Readable.from(['{}']) }));
		expect((await checkCredential(stub.helpers, apiframe, { apiKey: 'afk_other' })).message).toBe(
			'Apiframe refused the API key (HTTP 403). Check the key at console.apiframe.ai',
		);
		expect((await checkCredential(stub.helpers, apiframe, { apiKey: KEY })).message).toBe(
			'Apiframe refused the API key (HTTP 403). Check the key at console.apiframe.ai; Apiframe keys start with afk_, and this one does not',
		);
	});

	it('a relative redirect is reported with where it pointed, and not followed', async () => {
		const stub = helpers(async () => ({
			statusCode: 301,
			headers: { location: '/evo/v2/credits?token=x' },
			body: Readable.from([]),
		}));
		expect((await checkCredential(stub.helpers, evoLink, data)).message).toBe(
			'EvoLink answered HTTP 301 at https://gw.example/evo/v1/credits with a redirect to https://gw.example/evo/v2/credits, which is not followed: check the Base URL (the default is https://api.evolink.ai)',
		);
		expect(stub.calls).toHaveLength(1);
	});

	it.each([
		['ECONNRESET', networkError('ECONNRESET'), 'ECONNRESET'],
		['ENOTFOUND', networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND gw.example'), 'ENOTFOUND'],
		['a certificate error', networkError('CERT_HAS_EXPIRED'), 'CERT_HAS_EXPIRED'],
		[
			'a self-signed certificate',
			networkError('DEPTH_ZERO_SELF_SIGNED_CERT'),
			'DEPTH_ZERO_SELF_SIGNED_CERT',
		],
		['an axios timeout', networkError('ECONNABORTED', 'timeout of 15000ms exceeded'), 'ETIMEDOUT'],
		['an error without a code', new Error(`socket hang up near ${KEY}`), 'socket hang up near ***'],
	])('%s: could not reach, with the code', async (_what, error, code) => {
		const stub = helpers(async () => {
			throw error;
		});
		expect(await checkCredential(stub.helpers, evoLink, data)).toEqual({
			status: 'Error',
			message: `Could not reach https://gw.example (${code}): check the Base URL, and that n8n can reach it (network, proxy, firewall)`,
		});
	});

	it('an answer that does not finish before the deadline is a timeout', async () => {
		useClock({ ...realClock, deadline: () => AbortSignal.abort() });
		const endless = new Readable({ read() {} });
		const stub = helpers(async () => ({ statusCode: 200, body: endless }));
		expect((await checkCredential(stub.helpers, evoLink, data)).message).toBe(
			'Could not reach https://gw.example (ETIMEDOUT): check the Base URL, and that n8n can reach it (network, proxy, firewall)',
		);
		expect(endless.destroyed).toBe(true);
	});

	it("n8n's SSRF protection refusing the URL is not a network problem", async () => {
		const blocked = Object.assign(new Error('Access to 10.0.0.5 is blocked'), {
			name: 'SsrfBlockedIpError',
		});
		const stub = helpers(async () => {
			throw blocked;
		});
		expect((await checkCredential(stub.helpers, evoLink, data)).message).toBe(
			"n8n did not send the request to https://gw.example (Access to 10.0.0.5 is blocked): check the Base URL, and n8n's N8N_SSRF_* settings for a private address",
		);
	});

	it.each([
		['', 'Base URL is empty'],
		['api.evolink.ai', 'Base URL "api.evolink.ai" is not an http(s) URL'],
		['ftp://api.evolink.ai', 'Base URL "ftp://api.evolink.ai" is not an http(s) URL'],
		// The key pasted into the wrong field is not echoed.
		[KEY, 'Base URL "***" is not an http(s) URL'],
	])('Base URL %j: names the field and the fix, sends nothing', async (baseUrl, start) => {
		const stub = helpers(async () => {
			throw new Error('no request expected');
		});
		const result = await checkCredential(stub.helpers, evoLink, { apiKey: KEY, baseUrl });
		expect(result).toEqual({
			status: 'Error',
			message: `${start}: enter the API's full address, starting with https:// (the default is https://api.evolink.ai)`,
		});
		expect(stub.calls).toHaveLength(0);
	});

	it('a key with spaces around it is refused before sending', async () => {
		const stub = helpers(async () => {
			throw new Error('no request expected');
		});
		expect(await checkCredential(stub.helpers, evoLink, { apiKey: ` ${KEY}\n` })).toEqual({
			status: 'Error',
			message: 'API Key has spaces or line breaks around it: paste the key again without them',
		});
		expect(stub.calls).toHaveLength(0);
	});
});
