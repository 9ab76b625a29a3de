import type { ICredentialDataDecryptedObject, INodeParameters } from 'n8n-workflow';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { pngBytes } from '../fakes';
import { testCredential } from './harness';
import { PROVIDERS } from '../../nodes/providers';
import {
	ADAPTERS,
	assertNoSecret,
	credentialsFor,
	FAST,
	NODES,
	runImage,
	SECRET,
	startFakes,
	stopFakes,
} from './setup';
import type { Fakes, NodeName } from './setup';

let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

const gen = (extra: INodeParameters): INodeParameters => ({
	operation: 'generate',
	prompt: 'a fox',
	...extra,
});

describe('provider failures', () => {
	it.each(NODES)('%s: an HTTP error carries the provider message', async (node) => {
		fakes[node].inject({ route: 'submit', status: 402 });
		const result = await runImage(fakes, node, gen({}));
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(
			new RegExp(`^${ADAPTERS[node].displayName}: .*(quota|credit)`, 'i'),
		);
		expect(fakes[node].counts.submissions).toBe(0);
	});

	it.each(NODES)('%s: a failed task reports its code and message', async (node) => {
		const result = await runImage(
			fakes,
			node,
			gen({ prompt: 'forbidden [fail:content_policy_violation]', options: FAST }),
		);
		expect(result.error?.message).toMatch(/Task .* failed: /);
		expect(result.error?.description).toMatch(/safety filter/);
		// The unified task API reports codes; Apiframe only text.
		if (ADAPTERS[node].wireFormat === 'unified-task')
			expect(result.error?.description).toMatch(/Code: content_policy_violation/);
	});

	it('a wrong key is reported without echoing it', async () => {
		const credentials = credentialsFor(fakes);
		const result = await runImage(fakes, 'evoLink', gen({}), {});
		expect(result.status).toBe('success');
		fakes.evoLink.options.apiKey = 'sk-other';
		try {
			const denied = await runImage(fakes, 'evoLink', gen({}));
			expect(denied.error?.message).toMatch(/^EvoLink: /);
			expect(denied.error?.description).toMatch(/API key/);
			expect(JSON.stringify(denied.run)).not.toContain(SECRET.evoLink);
		} finally {
			fakes.evoLink.options.apiKey = String(credentials.evoLinkApi.apiKey);
		}
	});

	it('Max Wait ends with the task ID and the next step', async () => {
		const result = await runImage(
			fakes,
			'apiframe',
			gen({ prompt: 'slow [never]', options: { ...FAST, maxWaitSeconds: 2 } }),
		);
		const taskId = [...fakes.apiframe.tasks.keys()][0];
		expect(result.error?.message).toMatch(
			new RegExp(
				`^Apiframe: Task ${taskId} did not finish within 2 s \\(last status: processing, \\d+%\\)$`,
			),
		);
		expect(result.error?.description).toMatch(/Wait for Task operation and task ID/);
		expect(fakes.apiframe.counts.statusPolls).toBeLessThanOrEqual(3);
	});

	it('Continue On Fail: the failing item yields one paired error item, the others go on', async () => {
		const prompts = ['one', 'two [fail:generation_timeout]', 'three'];
		const result = await runImage(
			fakes,
			'evoLink',
			gen({ prompt: '={{ $json.prompt }}', options: FAST }),
			{ items: prompts.map((prompt) => ({ json: { prompt } })), continueOnFail: true },
		);
		expect(result.status).toBe('success');
		const out = result.output();
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json.prompt).toBe('one');
		expect(out[1].json.error).toMatch(/failed: /);
		expect(out[1].json.description).toMatch(/temporary provider problem/);
		expect(out[2].json.prompt).toBe('three');
	});

	it('Continue On Fail also covers bad input: the bad item errors, nothing is sent for it', async () => {
		const result = await runImage(
			fakes,
			'apiframe',
			gen({ prompt: '={{ $json.prompt }}', options: FAST }),
			{
				items: [{ json: { prompt: 'ok' } }, { json: { prompt: '' } }],
				continueOnFail: true,
			},
		);
		const out = result.output();
		expect(out[0].json.status).toBe('completed');
		expect(out[1]).toMatchObject({
			json: {
				error: 'Prompt is empty: the expression {{ $json.prompt }} gave nothing',
				description: expect.any(String),
			},
			pairedItem: { item: 1 },
		});
		expect(fakes.apiframe.counts.submissions).toBe(1);
	});

	it('StarMagic/EvoLink: a 500 after submit is not retried and says a task may exist', async () => {
		fakes.evoLink.inject({ route: 'submit', status: 500, createTask: true });
		const result = await runImage(fakes, 'evoLink', gen({}));
		expect(result.error?.description).toMatch(/may have created \(and billed\) a task/);
		expect(fakes.evoLink.counts.submitRequests).toBe(1);
	});

	it('Apiframe: a 502 on submit is retried with the same Idempotency-Key, billed once', async () => {
		fakes.apiframe.inject({ route: 'submit', status: 502, createTask: true });
		const result = await runImage(fakes, 'apiframe', gen({ options: FAST }));
		expect(result.status).toBe('success');
		const keys = fakes.apiframe.requests
			.filter((r) => r.route === 'submit')
			.map((r) => r.headers['idempotency-key']);
		expect(keys).toHaveLength(2);
		expect(keys[0]).toBe(keys[1]);
		expect(fakes.apiframe.counts.submissions).toBe(1);
	});

	it('a status poll answered 429 is retried', async () => {
		fakes.starMagic.inject({ route: 'status', status: 429, headers: { 'Retry-After': '1' } });
		const result = await runImage(fakes, 'starMagic', gen({ options: FAST }));
		expect(result.status).toBe('success');
	});

	it('an expired result URL says so', async () => {
		fakes.evoLink.inject({
			route: 'download',
			status: 404,
			body: { error: { code: 'not_found', message: 'gone' } },
		});
		const result = await runImage(fakes, 'evoLink', gen({ options: FAST }));
		expect(result.error?.message).toMatch(
			/Could not download the result image: the image URL answered 404/,
		);
		expect(result.error?.description).toMatch(/expire about 24 hours/);
	});
});

describe('credential tests', () => {
	/**
	 * What each provider's credential test should say, written out here rather than read from
	 * the code under test: the fakes' default balances (test/fakes/README.md), the key pages and
	 * the default Base URLs of the credentials.
	 */
	const EXPECTED: Record<
		NodeName,
		{ connected: string; keyPage: string; prefix: string; defaultUrl: string; path: string }
	> = {
		starMagic: {
			connected: 'Connected: 1,095.4 StarMagic credits left',
			keyPage: 'starmagic.ai/app/api-keys',
			prefix: 'sk-',
			defaultUrl: 'https://api.starmagic.ai',
			path: '/v1/credits',
		},
		evoLink: {
			connected: 'Connected: 1,095.4 EvoLink credits left',
			keyPage: 'evolink.ai/dashboard/keys',
			prefix: 'sk-',
			defaultUrl: 'https://api.evolink.ai',
			path: '/v1/credits',
		},
		apiframe: {
			connected: 'Connected: 1,000 Apiframe credits left',
			keyPage: 'console.apiframe.ai',
			prefix: 'afk_',
			defaultUrl: 'https://api.apiframe.ai',
			path: '/v2/me',
		},
	};
	const CASES = PROVIDERS.map(
		(p) => [p.adapter.displayName, p.key, p.adapter.credentialType] as [string, NodeName, string],
	);

	/** Runs the node's credential test as n8n does, and checks the key is not in what it says. */
	async function test(type: string, data: ICredentialDataDecryptedObject) {
		const result = await testCredential(type, data);
		assertNoSecret(result.message, `the credential test of ${type}`);
		return result;
	}

	/** A plain HTTP server on 127.0.0.1 that records what reaches it. */
	async function server(
		answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
	): Promise<{ origin: string; hits: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
		const hits: http.IncomingHttpHeaders[] = [];
		const srv = http.createServer((req, res) => {
			hits.push(req.headers);
			answer(req, res);
		});
		await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
		const { port } = srv.address() as AddressInfo;
		return {
			origin: `http://127.0.0.1:${port}`,
			hits,
			close: async () => await new Promise<void>((resolve) => srv.close(() => resolve())),
		};
	}

	it.each(CASES)('%s: the right key is OK and says what is left', async (_name, node, type) => {
		const result = await test(type, credentialsFor(fakes)[type]);
		expect(result).toEqual({ status: 'OK', message: EXPECTED[node].connected });
		expect(fakes[node].counts.keyChecks).toBe(1);
	});

	it.each(CASES)(
		'%s: a wrong key is refused with the key page, and the prefix when it lacks it',
		async (name, node, type) => {
			const data = credentialsFor(fakes)[type];
			const { keyPage, prefix } = EXPECTED[node];
			const wrong = await test(type, { ...data, apiKey: 'wrong' });
			expect(wrong).toEqual({
				status: 'Error',
				httpStatus: 401,
				message: `${name} refused the API key (HTTP 401). Check the key at ${keyPage}; ${name} keys start with ${prefix}, and this one does not`,
			});
			const revoked = await test(type, { ...data, apiKey: `${prefix}revoked-0001` });
			expect(revoked.message).toBe(
				`${name} refused the API key (HTTP 401). Check the key at ${keyPage}`,
			);
			expect(fakes[node].counts.keyChecks).toBe(2);
		},
	);

	it.each(CASES)(
		'%s: a Base URL on a closed port cannot be reached',
		async (_name, _node, type) => {
			const closed = await server(() => undefined);
			await closed.close();
			const result = await test(type, { ...credentialsFor(fakes)[type], baseUrl: closed.origin });
			expect(result).toEqual({
				status: 'Error',
				message: `Could not reach ${closed.origin} (ECONNREFUSED): check the Base URL, and that n8n can reach it (network, proxy, firewall)`,
			});
		},
	);

	it.each(CASES)(
		'%s: a balance route that answers 404 is not taken for a wrong key: the status route confirms the key, and the missing route is named',
		async (name, node, type) => {
			const { path } = EXPECTED[node];
			fakes[node].inject({ route: 'keycheck', status: 404 });
			const missing = await test(type, credentialsFor(fakes)[type]);
			expect(missing.status).toBe('OK');
			expect(missing.message).toMatch(
				new RegExp(
					`^Connected: ${name} accepted the key \\(its GET /v\\d/\\w+/\\{id\\} answered\\), but it has no GET ${path}, where this package reads the balance`,
				),
			);
			expect(missing.message).toMatch(
				/Get Credits and Check Balance First cannot be used; everything else works\. Check the Base URL/,
			);
			// One read of the balance route, one of the status route with a task no one has.
			expect(fakes[node].counts.keyChecks).toBe(1);
			expect(fakes[node].counts.statusPolls).toBe(1);
			// The same with a wrong key: the status route refuses it, so the key is what is named.
			fakes[node].inject({ route: 'keycheck', status: 404 });
			const wrong = await test(type, { ...credentialsFor(fakes)[type], apiKey: 'wrong' });
			expect(wrong.message).toMatch(new RegExp(`^${name} refused the API key \\(HTTP 401\\)`));
		},
	);

	it.each(CASES)(
		'%s: a Base URL where neither route answers is named, with the default, and not the key',
		async (name, node, type) => {
			const { defaultUrl, path } = EXPECTED[node];
			const base = fakes[node].baseUrl;
			// A gateway path that the API does not have.
			const prefixed = await test(type, { ...credentialsFor(fakes)[type], baseUrl: `${base}/gw/` });
			expect(prefixed.status).toBe('Error');
			expect(prefixed.message).toMatch(
				`${name} answered HTTP 404 at ${base}/gw${path}, and HTTP 404 at its GET `,
			);
			expect(prefixed.message).toMatch(
				`neither route is there, so the key could not be checked (this says nothing against the key). Check the Base URL of the ${name} credential (the default is ${defaultUrl})`,
			);
		},
	);

	it.each(CASES)(
		'%s: a Base URL that is not an http(s) URL is named, and nothing is sent',
		async (_name, node, type) => {
			const { defaultUrl } = EXPECTED[node];
			const host = defaultUrl.replace('https://', '');
			const result = await test(type, { ...credentialsFor(fakes)[type], baseUrl: host });
			expect(result).toEqual({
				status: 'Error',
				message: `Base URL "${host}" is not an http(s) URL: enter the API's full address, starting with https:// (the default is ${defaultUrl})`,
			});
			expect(fakes[node].counts.total).toBe(0);
		},
	);

	it.each(CASES)(
		'%s: a 307 to another origin is not followed, so the key stays where it was sent',
		async (name, node, type) => {
			const { path } = EXPECTED[node];
			const elsewhere = await server((_req, res) => res.writeHead(200).end('{}'));
			const gateway = await server((req, res) =>
				res.writeHead(307, { Location: `${elsewhere.origin}${req.url}` }).end(),
			);
			try {
				const result = await test(type, {
					...credentialsFor(fakes)[type],
					baseUrl: gateway.origin,
				});
				expect(result).toEqual({
					status: 'Error',
					httpStatus: 307,
					message: `${name} answered HTTP 307 at ${gateway.origin}${path} with a redirect to ${elsewhere.origin}${path}, which is not followed: check the Base URL (the default is ${EXPECTED[node].defaultUrl})`,
				});
				expect(gateway.hits).toHaveLength(1);
				expect(elsewhere.hits).toHaveLength(0);
			} finally {
				await Promise.all([gateway.close(), elsewhere.close()]);
			}
		},
	);
});

describe('secrets', () => {
	it('the API key appears in no output or error, whatever happened', async () => {
		const runs = await Promise.all([
			runImage(fakes, 'evoLink', gen({ options: FAST })),
			runImage(
				fakes,
				'apiframe',
				{ operation: 'edit', prompt: 'x', binaryFields: 'data', options: FAST },
				{
					items: [
						{
							json: {},
							binary: {
								data: { buffer: pngBytes(8, 8), mimeType: 'image/png', fileName: 'a.png' },
							},
						},
					],
				},
			),
			runImage(
				fakes,
				'starMagic',
				gen({ prompt: 'bad [fail:content_policy_violation]', options: FAST }),
			),
			runImage(fakes, 'starMagic', { operation: 'waitForTask', taskId: 'task-unified-1-missing' }),
		]);
		const text = JSON.stringify(runs.map((r) => r.run));
		for (const key of Object.values(SECRET)) expect(text).not.toContain(key);
	});
});
