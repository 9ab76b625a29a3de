import type { INodeParameters } from 'n8n-workflow';

import { pngBytes } from '../fakes';
import { testCredential } from './harness';
import { PROVIDERS } from '../../nodes/providers';
import {
	ADAPTERS,
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
			json: { error: 'Prompt is empty', description: expect.any(String) },
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
	it.each(PROVIDERS.map((p) => [p.adapter.credentialType, p.key] as [string, NodeName]))(
		'%s: OK with the right key, Error with a wrong one',
		async (type, node) => {
			const data = credentialsFor(fakes)[type];
			expect((await testCredential(type, data)).status).toBe('OK');
			const bad = await testCredential(type, { ...data, apiKey: 'wrong' });
			expect(bad.status).toBe('Error');
			expect(bad.httpStatus).toBe(401);
			expect(fakes[node].counts.keyChecks).toBe(2);
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
