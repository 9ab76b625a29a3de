/**
 * The GPT Image Trigger in n8n-core's webhook context, fed with the callbacks the fake providers
 * really send when a task submitted by our nodes finishes (a loopback bridge passes each delivery
 * to webhook() and answers the fake with the trigger's HTTP response, so retries are real too).
 */
import type { INodeParameters } from 'n8n-workflow';
import { createHash } from 'node:crypto';

import { signApiframeBody } from '../fakes';
import { startBridge, PUBLIC_ORIGIN } from './bridge';
import type { TriggerBridge } from './bridge';
import { createTrigger, readBinary } from './harness';
import type { TriggerHandle } from './harness';
import {
	clock,
	credentialsFor,
	NODES,
	PNG_SIGNATURE,
	runImage,
	SECRET,
	startFakes,
	stopFakes,
} from './setup';
import type { Fakes, NodeName } from './setup';

let fakes: Fakes;
let bridge: TriggerBridge;
let trigger: TriggerHandle;

const ORIGIN = PUBLIC_ORIGIN;
const PUBLIC = `${ORIGIN}gpt-image`;

/** The credentials selected in the trigger: all of them by default. */
type Selected = Record<string, { id: string; name: string }>;

async function useTrigger(parameters: INodeParameters, selected?: Selected) {
	trigger = await createTrigger({
		node: {
			name: 'GPT Image Trigger',
			type: 'gptImageTrigger',
			parameters,
			...(selected ? { credentials: selected } : {}),
		},
		credentials: credentialsFor(fakes),
	});
	await trigger.lifecycle('create');
	bridge.use(trigger);
	return trigger;
}

beforeAll(async () => {
	fakes = await startFakes();
	bridge = await startBridge();
	for (const fake of Object.values(fakes)) bridge.route(fake);
});
afterAll(async () => {
	await stopFakes(fakes);
	await bridge.close();
});
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

/** Submits with Completion = Callback and waits until the fake has finished delivering. */
async function submitWithCallback(node: NodeName, prompt: string, url = PUBLIC) {
	const result = await runImage(fakes, node, {
		operation: 'generate',
		prompt,
		completion: 'callback',
		callbackUrl: url,
	});
	expect(result.status).toBe('success');
	const [task] = result.output();
	expect(task.json).toMatchObject({ status: 'queued', taskId: expect.any(String) });
	await fakes[node].whenCallbacksIdle();
	return task.json.taskId as string;
}

const started = () => bridge.started();

describe.each(NODES)('%s callback', (node) => {
	it('starts one run with one item per image, in the shape of the provider nodes, downloaded as binary', async () => {
		await useTrigger({ provider: node, options: { output: 'binary' } });
		const taskId = await submitWithCallback(node, 'a lighthouse');
		expect(started()).toHaveLength(1);
		const items = started()[0].items!;
		expect(items).toHaveLength(1);
		const [item] = items;
		expect(item.json).toMatchObject({
			provider: expect.any(String),
			taskId,
			status: 'completed',
			imageUrl: expect.stringContaining(fakes[node].baseUrl),
			index: 0,
			creditsReserved: expect.any(Number),
			providerData: expect.any(Object),
			deliveryKey: expect.stringMatching(/^[0-9a-f]{32}$/),
			fileName: `${taskId}-1.png`,
			mimeType: 'image/png',
		});
		expect((await readBinary(item.binary!.data)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
	});

	it('passes the URLs by default, one item per image', async () => {
		await useTrigger({ provider: node });
		const taskId = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'two boats',
			numberOfImages: 2,
			completion: 'callback',
			callbackUrl: PUBLIC,
		}).then((r) => r.output().map((i) => i.json.taskId as string));
		await fakes[node].whenCallbacksIdle();
		const runs = started();
		// gpt-image-1.5 on StarMagic/EvoLink makes one image per task: two tasks, two runs.
		const images = runs.flatMap((run) => run.items!);
		expect(images).toHaveLength(2);
		expect(new Set(images.map((i) => i.json.taskId))).toEqual(new Set(taskId));
		expect(images.every((i) => i.binary === undefined && typeof i.json.imageUrl === 'string')).toBe(
			true,
		);
		for (const run of runs)
			expect(run.items!.map((i) => i.json.index)).toEqual(run.items!.map((_, n) => n));
	});

	it('reports a failed task with its error', async () => {
		await useTrigger({ provider: 'auto' });
		const taskId = await submitWithCallback(node, 'nope [fail:content_policy_violation]');
		const [item] = started()[0].items!;
		expect(item.json).toMatchObject({
			taskId,
			status: 'failed',
			imageUrl: null,
			error: { message: expect.stringMatching(/policy/i) },
		});
	});
});

describe('delivery rules', () => {
	it('a repeated delivery of the same final state starts no second run', async () => {
		await useTrigger({ provider: 'evoLink' });
		await submitWithCallback('evoLink', 'once');
		const delivered = fakes.evoLink.callbacks[0];
		const again = await trigger.call({
			rawBody: delivered.body,
			headers: { 'content-type': 'application/json' },
		});
		expect(again.items).toBeUndefined();
		expect(again.response).toMatchObject({ statusCode: 200, body: { duplicate: true } });
		expect(started()).toHaveLength(1);
	});

	it('the provider retries a failed delivery and the retry starts the run', async () => {
		await useTrigger({ provider: 'starMagic' });
		let refuse = 1;
		const real = trigger.call.bind(trigger);
		trigger.call = async (request) => {
			if (refuse-- > 0) throw new Error('n8n was restarting');
			return await real(request);
		};
		await submitWithCallback('starMagic', 'retry me');
		expect(fakes.starMagic.callbacks.map((c) => c.status)).toEqual([500, 200]);
		expect(started()).toHaveLength(1);
	});

	it('Apiframe: a bad or missing signature gets 401 and starts nothing', async () => {
		await useTrigger({ provider: 'apiframe' });
		fakes.apiframe.options.callbackSignatureKey = 'afk_not_the_real_key';
		try {
			await submitWithCallback('apiframe', 'forged');
		} finally {
			delete fakes.apiframe.options.callbackSignatureKey;
		}
		expect(fakes.apiframe.callbacks.every((c) => c.status === 401)).toBe(true);
		expect(started()).toHaveLength(0);
		// A fresh delivery (completedAt now, signed with the body) is believed without a read.
		const body = JSON.stringify({
			event: 'completed',
			jobId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
			status: 'COMPLETED',
			result: { images: ['https://cdn.example.com/x.png'] },
			completedAt: new Date(clock.now()).toISOString(),
		});
		const unsigned = await trigger.call({ rawBody: body, headers: {} });
		expect(unsigned.response.statusCode).toBe(401);
		const signed = await trigger.call({
			rawBody: body,
			headers: { 'x-webhook-signature': signApiframeBody(body, SECRET.apiframe) },
		});
		expect(signed.items?.[0].json).toMatchObject({
			provider: 'Apiframe',
			status: 'completed',
			imageUrl: 'https://cdn.example.com/x.png',
		});
		const bare = signApiframeBody(`${body} `, SECRET.apiframe).replace('sha256=', '');
		expect(
			(await trigger.call({ rawBody: `${body} `, headers: { 'x-webhook-signature': bare } }))
				.response.statusCode,
		).not.toBe(401);
	});

	it('a call from a provider whose credential is not selected is refused (401)', async () => {
		await useTrigger({ provider: 'auto' }, { evoLinkApi: { id: '1', name: 'EvoLink' } });
		await submitWithCallback('apiframe', 'who signs');
		expect(fakes.apiframe.callbacks[0].status).toBe(401);
		expect(started()).toHaveLength(0);
	});

	it('publishing a trigger that confirms with the provider but has no credential fails with what to do', async () => {
		await expect(useTrigger({ provider: 'auto' }, {})).rejects.toThrow(
			'Select the StarMagic, EvoLink or Apiframe credential in the GPT Image Callback Trigger, or choose another Verification',
		);
		await expect(useTrigger({ provider: 'evoLink' }, {})).rejects.toThrow(
			'Select the EvoLink credential in the GPT Image Callback Trigger, or choose another Verification',
		);
		// Shared Secret Only needs no credential.
		await useTrigger(
			{ provider: 'evoLink', verification: 'secret', sharedSecret: 'a'.repeat(20) },
			{},
		);
	});

	it('a shared secret is part of the trigger URL: the URL without it is not routed to the trigger', async () => {
		const secret = 's3cret-value-0123456789';
		await useTrigger({ provider: 'evoLink', sharedSecret: secret });
		await submitWithCallback('evoLink', 'no secret');
		expect(fakes.evoLink.callbacks.every((c) => c.status === 404)).toBe(true);
		expect(started()).toHaveLength(0);
		fakes.evoLink.reset();
		await submitWithCallback('evoLink', 'with secret', `${PUBLIC}/${secret}`);
		expect(fakes.evoLink.callbacks.map((c) => c.status)).toEqual([200]);
		expect(started()).toHaveLength(1);
	});

	it('any secret a person types works: one with other characters or under 16 goes into the URL scrambled', async () => {
		const secret = 'my-secret-123';
		await useTrigger({ provider: 'evoLink', sharedSecret: secret });
		const scrambled = createHash('sha256').update(secret).digest('hex').slice(0, 40);
		await submitWithCallback('evoLink', 'raw secret in the URL', `${PUBLIC}/${secret}`);
		expect(fakes.evoLink.callbacks.every((c) => c.status === 404)).toBe(true);
		fakes.evoLink.reset();
		await submitWithCallback('evoLink', 'the URL the editor shows', `${PUBLIC}/${scrambled}`);
		expect(fakes.evoLink.callbacks.map((c) => c.status)).toEqual([200]);
		expect(started()).toHaveLength(1);
		// A secret with spaces and punctuation works the same way.
		await useTrigger({ provider: 'evoLink', sharedSecret: 'correct horse, battery!' });
		const other = createHash('sha256').update('correct horse, battery!').digest('hex').slice(0, 40);
		fakes.evoLink.reset();
		await submitWithCallback('evoLink', 'punctuation', `${PUBLIC}/${other}`);
		expect(fakes.evoLink.callbacks.map((c) => c.status)).toEqual([200]);
	});

	it('a one-character secret works too (the URL carries its SHA-256)', async () => {
		await useTrigger({ provider: 'evoLink', sharedSecret: 'x' });
		const inUrl = createHash('sha256').update('x').digest('hex').slice(0, 40);
		await submitWithCallback('evoLink', 'one character', `${PUBLIC}/${inUrl}`);
		expect(fakes.evoLink.callbacks.map((c) => c.status)).toEqual([200]);
	});

	it('a trigger set to one provider refuses the others', async () => {
		await useTrigger({ provider: 'apiframe' });
		await submitWithCallback('evoLink', 'wrong door');
		expect(fakes.evoLink.callbacks[0].status).toBe(400);
		expect(started()).toHaveLength(0);
	});

	it('activation lifecycle: publishing again keeps the delivery memory, so a replay after it starts nothing', async () => {
		await useTrigger({ provider: 'evoLink' });
		expect(await trigger.lifecycle('checkExists')).toBe(true);
		await submitWithCallback('evoLink', 'remembered');
		const state = () =>
			trigger.staticData()['node:GPT Image Trigger'] as
				{ seenDeliveries?: Record<string, number> } | undefined;
		expect(Object.keys(state()?.seenDeliveries ?? {})).toHaveLength(1);
		expect(await trigger.lifecycle('delete')).toBe(true);
		expect(await trigger.lifecycle('checkExists')).toBe(false);
		expect(await trigger.lifecycle('create')).toBe(true);
		expect(Object.keys(state()?.seenDeliveries ?? {})).toHaveLength(1);
		expect(started()).toHaveLength(1);
		const [delivery] = fakes.evoLink.callbacks;
		const again = await trigger.call({ rawBody: delivery.body });
		expect(again.items).toBeUndefined();
		expect(again.response.body).toMatchObject({ started: false, duplicate: true });
	});
});
