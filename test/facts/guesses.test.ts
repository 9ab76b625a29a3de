/**
 * Guesses fail soft and say so (README, "Provider facts this package assumes"), in n8n-core's
 * engine against the fakes playing a guessed route missing: no verdict on the key or the input,
 * the route named with where the package got it from, and the user told where they look.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import * as path from 'node:path';

import type * as LedgerModule from '../../nodes/shared/ledger';
import type * as MemoryModule from '../../nodes/GptImageTrigger/memory';
import { deliveryFor } from '../engine/deliveries';
import { createTrigger, REPO_ROOT, testCredential } from '../engine/harness';
import { pngBytes } from '../fakes';
import type { TriggerHandle } from '../engine/harness';
import { credentialsFor, FAST, runImage, startFakes, stopFakes } from '../engine/setup';
import type { Fakes } from '../engine/setup';

/** The trigger's process memory and the ledger of the engine's copy of the nodes (dist). */
const memory = require(
	path.join(REPO_ROOT, 'dist/nodes/GptImageTrigger/memory'),
) as typeof MemoryModule;
const { ledger } = require(path.join(REPO_ROOT, 'dist/nodes/shared/ledger')) as typeof LedgerModule;

let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => {
	for (const fake of Object.values(fakes)) {
		fake.reset();
		delete fake.options.wrongFacts;
	}
	memory.forgetDeliveries();
});

const NOT_THE_KEY = /This is not about your API key, task ID or input/;

describe('StarMagic without the guessed balance route', () => {
	beforeEach(() => (fakes.starMagic.options.wrongFacts = ['balanceRoute']));

	it('Get Credits says the route is not where the package assumed, and that the key is not the problem', async () => {
		const result = await runImage(fakes, 'starMagic', {
			resource: 'account',
			operation: 'getCredits',
		});
		expect(result.error?.message).toBe(
			'StarMagic: Get Credits cannot read the balance: StarMagic has no GET /v1/credits, where this package assumed it',
		);
		expect(result.error?.description).toMatch(NOT_THE_KEY);
		expect(result.error?.description).toMatch(
			/GET \/v1\/credits is where this package assumes it, a guess no StarMagic page confirms \(copied from EvoLink/,
		);
		expect(result.error?.description).toMatch(
			/Check the Base URL of the StarMagic credential \(the default is https:\/\/api\.starmagic\.ai\); if it is right, the package's assumption is wrong: please report it/,
		);
	});

	it('Check Balance First stops before submitting anything and names the option to switch off', async () => {
		const result = await runImage(fakes, 'starMagic', {
			operation: 'generate',
			prompt: 'a fox',
			options: { ...FAST, checkBalance: true },
		});
		expect(result.error?.message).toBe(
			'Check Balance First: StarMagic has no GET /v1/credits to read the balance from, so nothing was submitted',
		);
		expect(result.error?.description).toMatch(
			/^Check Balance First: StarMagic has no GET \/v1\/credits to read the balance from, so nothing was submitted\. .* Switch Check Balance First off in Options to run without it\.$/,
		);
		expect(result.error?.description).toMatch(NOT_THE_KEY);
		expect(fakes.starMagic.counts.submitRequests).toBe(0);
		// Switched off, the same run goes through.
		const without = await runImage(fakes, 'starMagic', {
			operation: 'generate',
			prompt: 'a fox',
			options: FAST,
		});
		expect(without.error).toBeUndefined();
	});
});

describe('StarMagic without the guessed status route', () => {
	beforeEach(() => (fakes.starMagic.options.wrongFacts = ['statusRoute']));

	it('Wait for Task names the route, not the task ID or the key', async () => {
		const result = await runImage(fakes, 'starMagic', {
			operation: 'waitForTask',
			taskId: 'task-unified-1757156493-imcg5zqt',
			options: FAST,
		});
		expect(result.error?.message).toMatch(/^StarMagic: No route for GET \/v1\/tasks\//);
		expect(result.error?.description).toMatch(/^StarMagic has no GET \/v1\/tasks\/\{id\}: /);
		expect(result.error?.description).toMatch(NOT_THE_KEY);
		expect(result.error?.description).not.toMatch(/Check the Task ID/);
	});

	it('Generate says the same, and names the task it paid for', async () => {
		const result = await runImage(fakes, 'starMagic', {
			operation: 'generate',
			prompt: 'a fox',
			options: FAST,
		});
		const [task] = [...fakes.starMagic.tasks.keys()];
		expect(result.error?.description).toMatch(/^StarMagic has no GET \/v1\/tasks\/\{id\}/);
		expect(`${result.error?.message} ${result.error?.description}`).toContain(task);
	});
});

describe('EvoLink without its documented upload route', () => {
	it('an edit with a binary input names the route and the File Upload URL, nothing is submitted', async () => {
		fakes.evoLink.options.wrongFacts = ['upload'];
		const result = await runImage(
			fakes,
			'evoLink',
			{ operation: 'edit', prompt: 'brighter', binaryFields: 'data', options: FAST },
			{
				items: [
					{
						json: {},
						binary: {
							data: { buffer: pngBytes(32, 32, 1), mimeType: 'image/png', fileName: 'a.png' },
						},
					},
				],
			},
		);
		expect(result.error?.description).toMatch(
			/^EvoLink has no POST \/api\/v1\/files\/upload\/stream: POST \/api\/v1\/files\/upload\/stream is where EvoLink's documents put it/,
		);
		expect(result.error?.description).toMatch(
			/Check the File Upload URL of the EvoLink credential\.$/,
		);
		expect(fakes.evoLink.counts.submitRequests).toBe(0);
	});
});

describe('the credential test of StarMagic without the guessed balance route', () => {
	it('says the key works, which features need the route, and that the route was a guess', async () => {
		fakes.starMagic.options.wrongFacts = ['balanceRoute'];
		const result = await testCredential('starMagicApi', credentialsFor(fakes).starMagicApi);
		expect(result).toEqual({
			status: 'OK',
			message:
				"Connected: StarMagic accepted the key (its GET /v1/tasks/{id} answered), but it has no GET /v1/credits, where this package reads the balance, a guess of this package. Get Credits and Check Balance First cannot be used; everything else works. Check the Base URL of the StarMagic credential (the default is https://api.starmagic.ai); if it is right, the package's assumption is wrong: please report it at https://github.com/n8n-nodes-gpt-image/n8n-nodes-gpt-image/issues.",
		});
	});
});

describe("the trigger's Confirm With the Provider when StarMagic's status route is not there", () => {
	let errors: string[];
	let spy: jest.SpyInstance;
	beforeEach(() => {
		errors = [];
		spy = jest
			.spyOn(Container.get(Logger), 'error')
			.mockImplementation((message: string) => void errors.push(message));
	});
	afterEach(() => spy.mockRestore());

	async function trigger(parameters: Record<string, unknown> = {}): Promise<TriggerHandle> {
		const handle = await createTrigger({
			node: {
				name: 'GPT Image Trigger',
				type: 'gptImageTrigger',
				parameters: { provider: 'starMagic', ...parameters },
			},
			credentials: credentialsFor(fakes),
		});
		await handle.lifecycle('create');
		return handle;
	}

	it('a genuine callback is answered 503, logged at error level with the route and the fix, and one run says so', async () => {
		const taskId = 'task-unified-1757156493-gen00001';
		fakes.starMagic.options.wrongFacts = ['statusRoute'];
		const handle = await trigger();
		const delivery = deliveryFor(fakes, 'starMagic', {
			taskId,
			images: ['https://cdn.example.com/a.png'],
		});
		const first = await handle.call(delivery);
		expect(first.response).toEqual({
			statusCode: 503,
			body: { error: 'Could not confirm the task now; deliver again' },
			ended: true,
		});
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatch(
			new RegExp(
				`^GPT Image Callback Trigger "GPT Image Trigger": could not confirm task ${taskId}: StarMagic has no GET /v1/tasks/\\{id\\}`,
			),
		);
		expect(errors[0]).toMatch(NOT_THE_KEY);
		expect(errors[0]).toMatch(/set Verification to Shared Secret Only with a Shared Secret/);
		expect(first.items).toEqual([
			{
				json: {
					provider: 'StarMagic',
					taskId,
					status: 'unconfirmed',
					imageUrl: null,
					error: {
						code: 'confirmation_failed',
						message: expect.stringContaining('GET /v1/tasks/{id}'),
					},
				},
			},
		]);
		// The provider's retry: answered and logged again, but no second run for ten minutes.
		const retry = await handle.call(delivery);
		expect(retry.response.statusCode).toBe(503);
		expect(retry.items).toBeUndefined();
		expect(errors).toHaveLength(2);
	});

	it('an unknown task on a route that is there is still refused (403), with no alarm', async () => {
		const handle = await trigger();
		const delivery = deliveryFor(fakes, 'starMagic', {
			taskId: 'task-unified-1757156493-unknown1',
			images: ['https://cdn.example.com/a.png'],
		});
		const call = await handle.call(delivery);
		expect(call.response.statusCode).toBe(403);
		expect(call.items).toBeUndefined();
		expect(errors).toEqual([]);
	});

	it('"no such task" for a task this n8n submitted itself is about the credential or the route: answered 503, said, one run', async () => {
		const submitted = await runImage(fakes, 'starMagic', {
			operation: 'generate',
			prompt: 'a fox',
			completion: 'submit',
		});
		const taskId = String(submitted.output()[0].json.taskId);
		expect(ledger.knows(taskId)).toBe(true);
		// The provider no longer knows it (another account's credential in the trigger, say).
		fakes.starMagic.reset();
		const handle = await trigger();
		const call = await handle.call(
			deliveryFor(fakes, 'starMagic', { taskId, images: ['https://cdn.example.com/a.png'] }),
		);
		expect(call.response.statusCode).toBe(503);
		expect(errors[0]).toMatch(
			new RegExp(
				`StarMagic says it does not know task ${taskId}, which this n8n submitted: the StarMagic credential selected in the trigger may belong to another account`,
			),
		);
		expect(call.items?.[0].json).toMatchObject({ taskId, status: 'unconfirmed' });
	});
});
