/**
 * Read-back (nodes/shared/readBack.ts), in n8n-core's engine against the fakes: after the first
 * submission of an execution, what the provider kept is compared with what was sent; a field it
 * dropped without a word is a warning on that item, the next items send the other reading, and
 * it costs one free read per combination of readings, never one per item.
 */
import type { IDataObject } from 'n8n-workflow';

import { apiframeAdapter } from '../../nodes/Apiframe/Apiframe.adapter';
import { FAST, runImage, startFakes, stopFakes } from '../engine/setup';
import type { Fakes } from '../engine/setup';

let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => {
	for (const fake of Object.values(fakes)) {
		fake.reset();
		delete fake.options.apiframeReading;
		delete fake.options.apiframeJobShowsInput;
		delete fake.options.wrongFacts;
	}
});

const prompts = (n: number) => ({
	items: Array.from({ length: n }, (_, i) => ({ json: { prompt: `a tall tower ${i}` } })),
});

/** Apiframe Generate at 3:2, one item per prompt, all at once; Return Task IDs unless said. */
async function tallTowers(n: number, completion = 'submit') {
	return await runImage(
		fakes,
		'apiframe',
		{
			operation: 'generate',
			prompt: '={{ $json.prompt }}',
			aspectRatio: '3:2',
			completion,
			options: FAST,
		},
		prompts(n),
	);
}

const aspects = () =>
	[...fakes.apiframe.tasks.values()].sort((a, b) => a.seq - b.seq).map((t) => t.aspectRatio);

describe('Apiframe: an aspect ratio dropped without a word', () => {
	beforeEach(() => {
		// The model page's placement (top level), with unknown keys dropped: the schema's
		// placement inside gptImageParams is accepted and ignored, so images come back 1:1.
		fakes.apiframe.options.apiframeReading = { aspectRatio: 'top', unknownKeys: 'ignore' };
		fakes.apiframe.options.apiframeJobShowsInput = true;
	});

	it('the first item says so; the others went after its read, the other way, and kept it', async () => {
		const result = await tallTowers(4);
		expect(result.error).toBeUndefined();
		const items = result.output();
		expect(items).toHaveLength(4);
		expect(items[0].json.warnings).toEqual([
			expect.stringMatching(
				/^Apiframe did not keep gptImageParams\.aspect_ratio as sent \(it shows none\): it dropped it without an error, so this task was made without it\. Later items send it the other documented way/,
			),
		]);
		for (const item of items.slice(1)) expect(item.json.warnings).toBeUndefined();
		expect(aspects()).toEqual(['1:1', '3:2', '3:2', '3:2']);
		// One read of the first job, one of the first job sent the other way: not one per item.
		expect(fakes.apiframe.counts.statusPolls).toBe(2);
		expect(fakes.apiframe.counts.submissions).toBe(4);
	});

	it("waiting for the images: the warning is on the first item's image", async () => {
		const result = await tallTowers(2, 'wait');
		expect(result.error).toBeUndefined();
		const [first, second] = result.output();
		expect(first.json.warnings).toEqual([expect.stringContaining('aspect_ratio')]);
		expect(second.json.warnings).toBeUndefined();
		expect(second.binary?.data.mimeType).toBe('image/png');
	});
});

describe('Apiframe: what is kept is said nowhere, and costs one read', () => {
	it('the schema reading, the job showing its input: one read, no warning, every job 3:2', async () => {
		fakes.apiframe.options.apiframeJobShowsInput = true;
		const result = await tallTowers(4);
		expect(result.output().every((i) => i.json.warnings === undefined)).toBe(true);
		expect(aspects()).toEqual(['3:2', '3:2', '3:2', '3:2']);
		expect(fakes.apiframe.counts.statusPolls).toBe(1);
	});

	it('a job that does not show its input cannot tell: one read, no warning, no switch', async () => {
		const result = await tallTowers(3);
		expect(result.output().every((i) => i.json.warnings === undefined)).toBe(true);
		expect(fakes.apiframe.counts.statusPolls).toBe(1);
	});

	it('1:1 (the default) and no webhook: nothing worth reading, no read', async () => {
		const result = await runImage(
			fakes,
			'apiframe',
			{
				operation: 'generate',
				prompt: '={{ $json.prompt }}',
				aspectRatio: '1:1',
				completion: 'submit',
			},
			prompts(3),
		);
		expect(result.error).toBeUndefined();
		expect(fakes.apiframe.counts.statusPolls).toBe(0);
	});
});

describe('StarMagic/EvoLink: the submit answer shows the model that runs', () => {
	it.each(['starMagic', 'evoLink'])(
		'%s: another model is a warning, at no extra request',
		async (node) => {
			fakes[node].options.wrongFacts = ['modelShown'];
			const result = await runImage(
				fakes,
				node,
				{ operation: 'generate', prompt: '={{ $json.prompt }}', completion: 'submit' },
				prompts(2),
			);
			expect(result.error).toBeUndefined();
			const name = node === 'evoLink' ? 'EvoLink' : 'StarMagic';
			for (const item of result.output())
				expect(item.json.warnings).toEqual([
					`${name} ran this task with the model another-model, not the one asked for`,
				]);
			expect(fakes[node].counts.statusPolls).toBe(0);
		},
	);

	it('the model asked for: no warning', async () => {
		const result = await runImage(fakes, 'evoLink', {
			operation: 'generate',
			prompt: 'a fox',
			options: FAST,
		});
		expect(result.output()[0].json.warnings).toBeUndefined();
	});
});

describe("Apiframe's comparison of a job's record with what was sent (pure)", () => {
	const call = apiframeAdapter.buildSubmit(
		{
			operation: 'edit',
			model: 'gpt-image-1.5',
			prompt: 'brighter',
			imageCount: 1,
			imageUrls: ['https://images.example.com/a.png'],
			callbackUrl: 'https://n8n.example.com/webhook/x/gpt-image',
			options: { aspectRatio: '2:3', quality: 'low', outputFormat: 'png' },
		},
		1,
		'key',
	);
	const job = (kept: IDataObject | undefined, callbackRecorded?: boolean) => ({
		taskId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
		status: 'queued' as const,
		imageUrls: [],
		kept,
		callbackRecorded,
	});
	const compare = apiframeAdapter.readBack!.compare;

	it('everything kept: every check says so', () => {
		const kept = {
			...call.json,
			gptImageParams: { ...(call.json!.gptImageParams as IDataObject) },
		};
		expect(compare(call, job(kept, true)).map((c) => [c.field, c.kept])).toEqual([
			['webhookUrl', true],
			['gptImageParams.aspect_ratio', true],
			['gptImageParams.input_images', true],
		]);
	});

	it('input images, the webhook and a quality dropped: each named, the disputed ones with their reading', () => {
		const kept = {
			model: 'gpt-image-1.5',
			prompt: 'brighter',
			gptImageParams: { aspect_ratio: '2:3', output_format: 'png', number_of_images: 1 },
		};
		const checks = compare(call, job(kept, false));
		expect(checks.filter((c) => c.kept === false)).toEqual([
			{ field: 'webhookUrl', kept: false, reading: 'webhook field' },
			{ field: 'gptImageParams.input_images', kept: false, reading: 'input_images' },
			{ field: 'gptImageParams.quality', kept: false, shown: 'none' },
		]);
	});

	it('a job that shows no input tells only about the webhook', () => {
		expect(compare(call, job(undefined, true)).map((c) => [c.field, c.kept])).toEqual([
			['webhookUrl', true],
			['gptImageParams.aspect_ratio', undefined],
			['gptImageParams.input_images', undefined],
		]);
	});
});
