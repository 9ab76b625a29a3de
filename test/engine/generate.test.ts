import { readBinary } from './harness';
import {
	ADAPTERS,
	FAST,
	NODES,
	PNG_SIGNATURE,
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

const isApiframe = (node: NodeName) => ADAPTERS[node].wireFormat === 'apiframe-v2';
/** Tasks one item of `images` gpt-image-1.5 images needs with this provider. */
const tasksFor = (node: NodeName, images: number) =>
	Math.ceil(
		images / ADAPTERS[node].models.find((m) => m.value === 'gpt-image-1.5')!.maxImagesPerTask,
	);

describe.each(NODES)('%s Generate', (node) => {
	it('waits, downloads the image as binary and fills the output contract', async () => {
		const result = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'a red fox in snow',
			options: FAST,
		});
		expect(result.error).toBeUndefined();
		const [item, ...rest] = result.output();
		expect(rest).toHaveLength(0);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({
			provider: ADAPTERS[node].displayName,
			model: 'gpt-image-1.5',
			status: 'completed',
			prompt: 'a red fox in snow',
			index: 0,
			imageUrl: expect.stringContaining(fakes[node].baseUrl),
		});
		const taskId = item.json.taskId as string;
		expect(fakes[node].tasks.has(taskId)).toBe(true);
		const binary = item.binary!.data;
		expect(binary.fileName).toBe(`${taskId}-1.png`);
		expect(binary.mimeType).toBe('image/png');
		expect((await readBinary(binary)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		// One figure for every provider, the provider's own fields kept under providerData.
		expect(item.json.creditsReserved).toEqual(expect.any(Number));
		if (isApiframe(node))
			expect(item.json.providerData).toEqual({ creditCost: expect.any(Number) });
		else
			expect(item.json.providerData).toEqual({
				usage: expect.objectContaining({ billing_rule: 'per_call' }),
			});
		expect(Object.keys(item.json)).toEqual([
			'provider',
			'model',
			'taskId',
			'status',
			'prompt',
			'imageUrl',
			'index',
			'creditsReserved',
			'providerData',
			'fileName',
			'mimeType',
		]);

		const fake = fakes[node];
		expect(fake.counts.submissions).toBe(1);
		expect(fake.counts.downloads).toBe(1);
		const submit = fake.requests.find((r) => r.route === 'submit')!;
		if (isApiframe(node)) {
			expect(submit.headers['x-api-key']).toBe(SECRET[node]);
			expect(submit.headers['idempotency-key']).toEqual(expect.any(String));
			expect(submit.body).toEqual({
				model: 'gpt-image-1.5',
				prompt: 'a red fox in snow',
				gptImageParams: {
					number_of_images: 1,
					aspect_ratio: '1:1',
					quality: 'auto',
					output_format: 'png',
					background: 'auto',
				},
			});
		} else {
			expect(submit.headers.authorization).toBe(`Bearer ${SECRET[node]}`);
			expect(submit.body).toEqual({
				model: 'gpt-image-1.5',
				prompt: 'a red fox in snow',
				size: '1:1',
				quality: 'high',
			});
		}
	});

	it('returns URLs only when asked, without downloading', async () => {
		const result = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'a fox',
			options: { ...FAST, output: 'url' },
		});
		const [item] = result.output();
		expect(item.binary).toBeUndefined();
		expect(item.json.imageUrl).toEqual(expect.stringMatching(/^http:\/\/127\.0\.0\.1/));
		expect(fakes[node].counts.downloads).toBe(0);
	});

	it('makes 3 images per item: natively where the model allows, else 3 tasks', async () => {
		const result = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'three foxes',
			numberOfImages: 3,
			options: { ...FAST, binaryPropertyName: 'image' },
		});
		const out = result.output();
		expect(out.map((i) => i.json.index)).toEqual([0, 1, 2]);
		expect(out.every((i) => i.binary?.image?.mimeType === 'image/png')).toBe(true);
		expect(out.every((i) => JSON.stringify(i.pairedItem) === JSON.stringify({ item: 0 }))).toBe(
			true,
		);
		const fake = fakes[node];
		// gpt-image-1.5 takes n=1 only on the unified task API; Apiframe takes number_of_images.
		expect(fake.counts.submissions).toBe(tasksFor(node, 3));
		const names = out.map((i) => i.binary!.image.fileName);
		expect(new Set(names).size).toBe(3);
	});

	it('with waiting off returns one item per task, then Wait for Task fetches the images', async () => {
		const submitted = await runImage(fakes, node, {
			operation: 'generate',
			prompt: 'later',
			numberOfImages: 2,
			completion: 'submit',
		});
		const tasks = submitted.output();
		expect(tasks.length).toBe(tasksFor(node, 2));
		for (const [index, task] of tasks.entries()) {
			expect(task.json).toMatchObject({
				taskId: expect.any(String),
				status: 'queued',
				index,
				prompt: 'later',
			});
			expect(task.binary).toBeUndefined();
		}
		expect(fakes[node].counts.statusPolls).toBe(0);

		const waited = await runImage(
			fakes,
			node,
			{ operation: 'waitForTask', taskId: '={{ $json.taskId }}', options: FAST },
			{ items: tasks.map((t) => ({ json: t.json })) },
		);
		const images = waited.output();
		expect(images).toHaveLength(2);
		expect(images.map((i) => i.json.status)).toEqual(['completed', 'completed']);
		if (tasks.length === 2)
			expect(images.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(fakes[node].counts.submissions).toBe(tasks.length);
	});

	it('runs many items at once and keeps their order and pairing', async () => {
		const prompts = ['one', 'two [slow:12000]', 'three', 'four [slow:6000]', 'five'];
		const result = await runImage(
			fakes,
			node,
			{ operation: 'generate', prompt: '={{ $json.prompt }}', options: FAST },
			{ items: prompts.map((prompt) => ({ json: { prompt } })) },
		);
		const out = result.output();
		expect(out.map((i) => i.json.prompt)).toEqual(prompts);
		expect(out.map((i) => i.pairedItem)).toEqual(prompts.map((_, item) => ({ item })));
		expect(fakes[node].counts.submissions).toBe(5);
	});
});

describe('gpt-image-2 and model extras', () => {
	it.each(NODES.filter((n) => !isApiframe(n)))(
		'%s sends ratio, resolution, quality, background and native n',
		async (node) => {
			await runImage(fakes, node, {
				operation: 'generate',
				model: 'gpt-image-2',
				prompt: 'poster',
				sizeV2: '16:9',
				resolution: '2K',
				qualityV2: 'high',
				background: 'transparent',
				numberOfImages: 2,
				options: FAST,
			});
			const submit = fakes[node].requests.find((r) => r.route === 'submit')!;
			expect(submit.body).toEqual({
				model: 'gpt-image-2',
				prompt: 'poster',
				size: '16:9',
				resolution: '2K',
				quality: 'high',
				background: 'transparent',
				n: 2,
			});
			expect(fakes[node].counts.submissions).toBe(1);
		},
	);

	it('EvoLink gpt-image-1 takes n natively; custom gpt-image-2 sizes go as WxH without resolution', async () => {
		await runImage(fakes, 'evoLink', {
			operation: 'generate',
			model: 'gpt-image-1',
			prompt: 'x',
			numberOfImages: 2,
			size: '1536x1024',
			options: { ...FAST, output: 'url' },
		});
		await runImage(fakes, 'evoLink', {
			operation: 'generate',
			model: 'gpt-image-2',
			prompt: 'y',
			sizeV2: 'custom',
			customSize: '2048x1152',
			options: { ...FAST, output: 'url' },
		});
		const bodies = fakes.evoLink.requests.filter((r) => r.route === 'submit').map((r) => r.body);
		expect(bodies).toEqual([
			{ model: 'gpt-image-1', prompt: 'x', size: '1536x1024', quality: 'high', n: 2 },
			{
				model: 'gpt-image-2',
				prompt: 'y',
				size: '2048x1152',
				quality: 'medium',
				background: 'opaque',
				n: 1,
			},
		]);
	});

	it('Apiframe gpt-image-2 nests its own params; webhook settings go top-level', async () => {
		await runImage(fakes, 'apiframe', {
			operation: 'generate',
			model: 'gpt-image-2',
			prompt: 'z',
			aspectRatio: '2:3',
			quality: 'low',
			outputFormat: 'webp',
			moderation: 'low',
			completion: 'callback',
			callbackUrl: 'https://n8n.example.com/webhook/af',
			webhookEvents: ['completed'],
		});
		const submit = fakes.apiframe.requests.find((r) => r.route === 'submit')!;
		expect(submit.body).toEqual({
			model: 'gpt-image-2',
			prompt: 'z',
			gptImage2Params: {
				number_of_images: 1,
				aspect_ratio: '2:3',
				quality: 'low',
				output_format: 'webp',
				background: 'auto',
				moderation: 'low',
			},
			webhookUrl: 'https://n8n.example.com/webhook/af',
			webhookEvents: ['completed'],
		});
	});

	it('Apiframe WebP results keep their MIME type and extension', async () => {
		const result = await runImage(fakes, 'apiframe', {
			operation: 'generate',
			prompt: 'w',
			outputFormat: 'webp',
			options: FAST,
		});
		const binary = result.output()[0].binary!.data;
		expect(binary.mimeType).toBe('image/webp');
		expect(binary.fileName).toMatch(/-1\.webp$/);
	});

	it('Apiframe result given as a bare URL string is accepted', async () => {
		fakes.apiframe.options.apiframeResultShape = 'string';
		try {
			const result = await runImage(fakes, 'apiframe', {
				operation: 'generate',
				prompt: 's',
				options: FAST,
			});
			expect(result.output()[0].json.status).toBe('completed');
		} finally {
			fakes.apiframe.options.apiframeResultShape = 'object';
		}
	});

	it('passes the callback URL to StarMagic/EvoLink as callback_url', async () => {
		await runImage(fakes, 'evoLink', {
			operation: 'generate',
			prompt: 'cb',
			completion: 'callback',
			callbackUrl: 'https://n8n.example.com/webhook/done',
		});
		expect(fakes.evoLink.requests.find((r) => r.route === 'submit')!.body.callback_url).toBe(
			'https://n8n.example.com/webhook/done',
		);
	});
});
