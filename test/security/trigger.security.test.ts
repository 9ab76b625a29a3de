/**
 * Forged callbacks against the GPT Image Trigger, in n8n-core's webhook context: unsigned and
 * unknown tasks, made-up image URLs, oversized IDs and URL lists, wrong signatures and secrets.
 * What may start a run is checked against the provider (its API, or its signature).
 */
import type { INodeParameters } from 'n8n-workflow';
import * as net from 'node:net';

import { PROVIDERS } from '../../nodes/providers';
import { deliveryFor, finishedDelivery, runningTask } from '../engine/deliveries';
import { createTrigger } from '../engine/harness';
import type { TriggerCall, TriggerHandle } from '../engine/harness';
import { credentialsFor, NODES, startFakes, stopFakes } from '../engine/setup';
import type { Fakes, NodeName } from '../engine/setup';
import { AttackTable } from './table';

const table = new AttackTable('Forged callbacks');
let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => {
	await stopFakes(fakes);
	table.print();
});
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

const unified = NODES.filter(
	(n) => PROVIDERS.find((p) => p.key === n)!.adapter.wireFormat === 'unified-task',
);
const signing = NODES.filter(
	(n) => PROVIDERS.find((p) => p.key === n)!.adapter.callback?.signature,
);

/** A trigger with these parameters; `credentials` lists the credential types selected in it. */
async function trigger(
	parameters: INodeParameters,
	credentials?: string[],
): Promise<TriggerHandle> {
	const handle = await createTrigger({
		node: {
			name: 'GPT Image Trigger',
			type: 'gptImageTrigger',
			parameters,
			...(credentials
				? { credentials: Object.fromEntries(credentials.map((c) => [c, { id: '1', name: c }])) }
				: {}),
		},
		credentials: credentialsFor(fakes),
	});
	await handle.lifecycle('create');
	return handle;
}

const started = (call: TriggerCall) => call.items !== undefined;

describe.each(unified)('%s callbacks (unsigned)', (node) => {
	it('with the defaults and no credential selected, nothing starts', async () => {
		const handle = await trigger({ provider: 'auto' }, ['apiframeApi']);
		const forged = deliveryFor(fakes, node, {
			taskId: 'task-unified-1757156493-forged01',
			images: ['https://evil.example/x.png'],
		});
		const call = await handle.call(forged);
		expect(started(call)).toBe(false);
		expect(call.response).toMatchObject({
			statusCode: 401,
			body: { error: 'Not authorized' },
		});
		table.add(
			`Unsigned ${node} callback, defaults, only an Apiframe credential selected`,
			'a run started with the forged imageUrls',
			'401, no run',
		);
	});

	it('a task ID the provider does not know starts nothing', async () => {
		const handle = await trigger({ provider: node });
		const call = await handle.call(
			deliveryFor(fakes, node, {
				taskId: 'task-unified-1757156493-unknown1',
				images: ['https://evil.example/x.png'],
			}),
		);
		expect(started(call)).toBe(false);
		expect(call.response.statusCode).toBe(403);
		table.add(
			`${node}: forged callback with an unknown task ID`,
			'a run started',
			'403, no run (the provider does not know the task)',
		);
	});

	it("a real task's callback with made-up image URLs starts the run with the provider's URLs only", async () => {
		const handle = await trigger({ provider: node, options: { output: 'binary' } });
		const real = await finishedDelivery(fakes, node);
		const forged = deliveryFor(fakes, node, {
			taskId: real.taskId,
			images: ['http://127.0.0.1:9/internal.png', 'http://10.0.0.1/secret'],
		});
		const call = await handle.call(forged);
		expect(started(call)).toBe(true);
		expect(call.items!.map((i) => i.json.imageUrl)).toEqual(
			fakes[node].tasks.get(real.taskId)!.images,
		);
		expect(JSON.stringify(call.items)).not.toMatch(/internal\.png|10\.0\.0\.1/);
		table.add(
			`${node}: callback for a real task with internal imageUrls, binary output`,
			'n8n fetched the internal address into the binary',
			"the provider's own URLs only; the internal ones are never fetched",
		);
	});

	it('a forged "completed" sent before the task finished starts nothing and does not block the real one', async () => {
		const handle = await trigger({ provider: node });
		const taskId = await runningTask(fakes, node);
		const early = await handle.call(
			deliveryFor(fakes, node, { taskId, images: ['https://evil.example/x.png'] }),
		);
		expect(started(early)).toBe(false);
		expect(early.response.body).toMatchObject({ started: false });
		expect(early.response.body).not.toMatchObject({ duplicate: true });
		table.add(
			`${node}: forged "completed" delivery sent before the genuine one`,
			'the genuine one was answered duplicate: the real image never started a run',
			'no run (the provider says processing); the genuine delivery is not blocked',
		);
	});
});

describe('bounded input', () => {
	it('20 forged callbacks with 500 KB task IDs are refused and leave no trace', async () => {
		const handle = await trigger({ provider: 'auto', verification: 'none' });
		const huge = `task-unified-1-${'a'.repeat(500 * 1024)}`;
		const calls = await Promise.all(
			Array.from(
				{ length: 20 },
				async () => await handle.call(deliveryFor(fakes, 'evoLink', { taskId: huge })),
			),
		);
		expect(calls.every((c) => c.response.statusCode === 400)).toBe(true);
		expect(JSON.stringify(handle.staticData()).length).toBeLessThan(2000);
		table.add(
			'20 forged callbacks with 500 KB task IDs',
			"the workflow's static data grew to 10 MB",
			`400 each; static data ${JSON.stringify(handle.staticData()).length} bytes`,
		);
	});

	it('a callback with 10,000 image URLs becomes a run with at most 10', async () => {
		const handle = await trigger({ provider: 'auto', verification: 'none' });
		const images = Array.from({ length: 10000 }, (_, i) => `https://cdn.example/${i}.png`);
		const call = await handle.call(
			deliveryFor(fakes, 'evoLink', { taskId: 'task-unified-1757156493-manyurls', images }),
		);
		// One item per image, at most 10.
		expect(call.items).toHaveLength(10);
		table.add(
			'Callback body with 10,000 image URLs (no verification)',
			'a run with 10,000 URLs',
			'a run with 10 URLs',
		);
	});

	it('internal URLs in an unverified callback are not fetched, and the answer stays quick', async () => {
		const handle = await trigger({
			provider: 'auto',
			verification: 'none',
			options: { output: 'binary' },
		});
		const images = Array.from({ length: 300 }, (_, i) => `http://127.0.0.1:9/${i}.png`);
		const began = Date.now();
		const call = await handle.call(
			deliveryFor(fakes, 'evoLink', { taskId: 'task-unified-1757156493-internal', images }),
		);
		expect(started(call)).toBe(false);
		expect(call.response).toMatchObject({
			statusCode: 503,
			body: { error: 'Could not take the images now; deliver again' },
		});
		table.add(
			'300 internal image URLs with downloads on (no verification)',
			'held the answer 8 s, fetched internal addresses',
			`refused in ${Date.now() - began} ms, nothing fetched`,
		);
	});

	it('Put Output Images in Field = __proto__ is refused', async () => {
		const handle = await trigger({
			provider: 'auto',
			verification: 'none',
			options: { binaryPropertyName: '__proto__' },
		});
		const call = await handle.call(
			deliveryFor(fakes, 'evoLink', { taskId: 'task-unified-1757156493-protoxxx' }),
		);
		expect(started(call)).toBe(false);
		expect(call.response).toMatchObject({
			statusCode: 500,
			body: { error: 'The trigger is not set up right; its owner can see why' },
		});
		table.add(
			'Trigger option Put Output Images in Field = __proto__',
			'the download happened, the item had no binary',
			'refused, no run',
		);
	});
});

describe.each(signing)('%s callbacks (signed)', (node: NodeName) => {
	it('without a signature, or signed with another key, nothing starts', async () => {
		const handle = await trigger({ provider: node });
		const delivery = deliveryFor(fakes, node, {
			taskId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
			images: ['https://cdn.example/x.png'],
		});
		const unsigned = await handle.call({
			rawBody: delivery.rawBody,
			headers: { 'content-type': 'application/json' },
		});
		const badKey = await handle.call({
			...delivery,
			headers: { ...delivery.headers, 'x-webhook-signature': 'sha256=' + '0'.repeat(64) },
		});
		expect([unsigned, badKey].map((c) => c.response.statusCode)).toEqual([401, 401]);
		table.add(`${node}: callback without a valid signature`, '401', '401, no run');
	});
});

describe('verification choices', () => {
	it('Shared Secret Only without a secret refuses every call', async () => {
		const handle = await trigger({ provider: 'auto', verification: 'secret' });
		const call = await handle.call(
			deliveryFor(fakes, 'evoLink', { taskId: 'task-unified-1757156493-nosecret' }),
		);
		expect(call.response.statusCode).toBe(401);
		table.add(
			'Shared Secret Only, but no secret set',
			'every call accepted',
			'401 until a secret is set',
		);
	});

	it('with a secret, only the URL that contains it reaches the trigger', async () => {
		const secret = 'only-with-this-0123456789';
		const handle = await trigger({
			provider: 'auto',
			verification: 'secret',
			sharedSecret: secret,
		});
		const delivery = deliveryFor(fakes, 'evoLink', {
			taskId: 'task-unified-1757156493-withsecr',
			images: ['https://cdn.example/x.png'],
		});
		const without = await handle.call({ ...delivery, path: 'gpt-image' });
		const withIt = await handle.call({ ...delivery, path: `gpt-image/${secret}` });
		expect(without.response.statusCode).toBe(404);
		expect(started(withIt)).toBe(true);
		table.add('Call without the secret (secret set)', '401', 'not routed to the trigger (404)');
	});
});

describe('what a caller sends is checked where it enters', () => {
	const SECRET_PATH = 'shared-secret-0123456789abcdef';

	it('a failed-task callback that repeats the shared secret starts a run without it', async () => {
		const handle = await trigger({
			provider: 'auto',
			verification: 'secret',
			sharedSecret: SECRET_PATH,
		});
		const body = {
			id: 'task-unified-1757156493-echosecr',
			status: 'failed',
			progress: 100,
			model: 'gpt-image-1.5',
			error: { code: 'bad_callback', message: `callback /gpt-image/${SECRET_PATH} refused` },
		};
		const call = await handle.call({
			rawBody: JSON.stringify(body),
			headers: { 'content-type': 'application/json' },
			path: `gpt-image/${SECRET_PATH}`,
		});
		const shown = JSON.stringify(call.items ?? call.response.body);
		table.add(
			'Shared Secret Only: a callback whose error message repeats the secret',
			"the secret in the run's item (json.error.message)",
			shown.includes(SECRET_PATH) ? "the secret in the run's item" : 'masked as *** in the run',
		);
		expect(started(call)).toBe(true);
		expect(shown).not.toContain(SECRET_PATH);
		expect(call.items![0].json.error).toMatchObject({ message: 'callback /gpt-image/*** refused' });
	});

	it('a callback with a 77-character task ID is refused, even without verification', async () => {
		const handle = await trigger({ provider: 'auto', verification: 'none' });
		const call = await handle.call(
			deliveryFor(fakes, 'evoLink', {
				taskId: `task-unified-${'c'.repeat(64)}`,
				images: ['https://cdn.example/x.png'],
			}),
		);
		table.add(
			'Callback with a 77-character task ID (no verification)',
			'a run started',
			started(call) ? 'a run started' : `${call.response.statusCode}, no run`,
		);
		expect(call.response.statusCode).toBe(400);
	});
});

describe('result hosts are resolved, then checked (real sockets)', () => {
	// The DNS answers an attacker's name server would give; everything else resolves as usual.
	const dns = require('node:dns') as typeof import('node:dns');
	const realLookup = dns.lookup;
	const ATTACKER: Record<string, string> = {
		'img.attacker.test': '127.0.0.1',
		// systemd-resolved and others answer the rooted spelling of localhost like localhost.
		'localhost.': '127.0.0.1',
	};
	let listener: net.Server;
	let port = 0;
	let connections = 0;

	beforeAll(async () => {
		listener = net.createServer((socket) => {
			connections += 1;
			socket.destroy();
		});
		await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
		port = (listener.address() as net.AddressInfo).port;
		const patched = (hostname: string, options: unknown, callback?: unknown) => {
			const done = (typeof options === 'function' ? options : callback) as (
				error: Error | null,
				address: unknown,
				family?: number,
			) => void;
			const all = typeof options === 'object' && (options as { all?: boolean })?.all;
			const address = ATTACKER[hostname.toLowerCase()];
			if (!address)
				return (realLookup as (...args: unknown[]) => void)(hostname, options, callback);
			if (all) done(null, [{ address, family: 4 }]);
			else done(null, address, 4);
		};
		(dns as { lookup: unknown }).lookup = patched;
	});
	afterAll(async () => {
		(dns as { lookup: unknown }).lookup = realLookup;
		await new Promise((resolve) => listener.close(resolve));
	});
	beforeEach(() => (connections = 0));

	it.each(['img.attacker.test', 'localhost.'])(
		'Shared Secret Only with Binary Files: https://%s:PORT/ never reaches the loopback listener',
		async (host) => {
			const handle = await trigger({
				provider: 'auto',
				verification: 'secret',
				sharedSecret: 'binary-secret-0123456789abcdef',
				options: { output: 'binary' },
			});
			const call = await handle.call({
				...deliveryFor(fakes, 'evoLink', {
					taskId: 'task-unified-1757156493-loopback',
					images: [`https://${host}:${port}/x.png`],
				}),
				path: 'gpt-image/binary-secret-0123456789abcdef',
			});
			table.add(
				`Shared Secret Only + Binary Files, result URL https://${host === 'localhost.' ? 'localhost.' : '<a name resolving to 127.0.0.1>'}:PORT/`,
				`the loopback listener received ${host === 'localhost.' ? 4 : 3} connections`,
				connections > 0
					? `the loopback listener received ${connections} connection(s)`
					: `${call.response.statusCode}, no run; the listener received no connection`,
			);
			expect(connections).toBe(0);
			expect(started(call)).toBe(false);
			expect(call.response.statusCode).toBe(503);
		},
	);
});
