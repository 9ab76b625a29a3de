import { pngBytes } from '../fakes';
import { ADAPTERS, FAST, NODES, runImage, startFakes, stopFakes } from './setup';
import type { Fakes, NodeName } from './setup';

let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

/** The input images of a submit body, in either wire format. */
const inputImages = (node: NodeName, body: Record<string, any>): string[] =>
	ADAPTERS[node].wireFormat === 'apiframe-v2' ? body.gptImageParams.input_images : body.image_urls;
const withUpload = NODES.filter((n) => ADAPTERS[n].upload);
const withoutUpload = NODES.filter((n) => !ADAPTERS[n].upload);
const withMask = NODES.filter((n) => ADAPTERS[n].mask);

const photo = (variant = 1) => ({
	buffer: pngBytes(32, 32, variant),
	mimeType: 'image/png',
	fileName: `photo${variant}.png`,
});

describe.each(NODES)('%s Edit from URLs', (node) => {
	it("sends the URLs as the provider's input images", async () => {
		const urls = 'https://images.example.com/a.png,\nhttps://images.example.com/b.webp';
		const result = await runImage(fakes, node, {
			operation: 'edit',
			prompt: 'merge them',
			imageUrls: urls,
			options: FAST,
		});
		expect(result.error).toBeUndefined();
		expect(result.output()[0].binary?.data.mimeType).toBe('image/png');
		const body = fakes[node].requests.find((r) => r.route === 'submit')!.body;
		expect(inputImages(node, body)).toEqual([
			'https://images.example.com/a.png',
			'https://images.example.com/b.webp',
		]);
	});
});

describe.each(
	withUpload.flatMap(
		(n) =>
			[
				[n, 'default'],
				[n, 'filesystem'],
			] as Array<[NodeName, 'default' | 'filesystem']>,
	),
)('%s Edit from binary fields (%s binary mode)', (node, binaryMode) => {
	it('uploads each binary to the provider file host, then edits with the hosted URLs', async () => {
		const result = await runImage(
			fakes,
			node,
			{
				operation: 'edit',
				prompt: 'combine',
				binaryFields: 'data, second',
				imageUrls: 'https://images.example.com/c.jpg',
				options: FAST,
			},
			{ binaryMode, items: [{ json: {}, binary: { data: photo(1), second: photo(2) } }] },
		);
		expect(result.error).toBeUndefined();
		const fake = fakes[node];
		expect(fake.counts.uploads).toBe(2);
		// Uploads run in parallel, so they may arrive in either order.
		const uploads = fake.requests.filter((r) => r.route === 'upload').map((u) => u.body.files[0]);
		uploads.sort((a, b) => a.fileName.localeCompare(b.fileName));
		expect(uploads).toEqual([
			expect.objectContaining({
				field: 'file',
				fileName: 'photo1.png',
				contentType: 'image/png',
				size: photo(1).buffer.length,
			}),
			expect.objectContaining({
				field: 'file',
				fileName: 'photo2.png',
				contentType: 'image/png',
				size: photo(2).buffer.length,
			}),
		]);
		const body = fake.requests.find((r) => r.route === 'submit')!.body;
		const sent = inputImages(node, body);
		expect(sent[0]).toBe('https://images.example.com/c.jpg');
		expect(sent.slice(1).every((u) => u.startsWith(fake.baseUrl))).toBe(true);
		expect(result.output()[0].pairedItem).toEqual({ item: 0 });
	});
});

describe.each(withMask)('%s masks (gpt-image-2)', (node) => {
	it('takes a mask URL as mask_url', async () => {
		await runImage(fakes, node, {
			operation: 'edit',
			model: 'gpt-image-2',
			prompt: 'fill',
			imageUrls: 'https://images.example.com/a.png',
			maskUrl: 'https://images.example.com/mask.png',
			options: FAST,
		});
		expect(fakes[node].requests.find((r) => r.route === 'submit')!.body.mask_url).toBe(
			'https://images.example.com/mask.png',
		);
	});

	if (ADAPTERS[node].upload) {
		it('uploads a binary mask and sends its hosted URL', async () => {
			await runImage(
				fakes,
				node,
				{
					operation: 'edit',
					model: 'gpt-image-2',
					prompt: 'fill',
					imageUrls: 'https://images.example.com/a.png',
					maskBinaryField: 'mask',
					options: FAST,
				},
				{ items: [{ json: {}, binary: { mask: { ...photo(3), fileName: 'mask.png' } } }] },
			);
			const body = fakes[node].requests.find((r) => r.route === 'submit')!.body;
			expect(body.mask_url).toMatch(/^http:\/\/127\.0\.0\.1/);
			expect(fakes[node].counts.uploads).toBe(1);
		});
	}
});

describe.each(withoutUpload)('%s binary input (no file host)', (node) => {
	it('fails before any request and says to use URLs', async () => {
		const result = await runImage(
			fakes,
			node,
			{ operation: 'edit', prompt: 'x', binaryFields: 'data' },
			{ items: [{ json: {}, binary: { data: photo() } }] },
		);
		expect(result.error?.message).toBe(
			`Input Binary Fields: ${ADAPTERS[node].displayName} has no file upload for binary images`,
		);
		expect(result.error?.description).toMatch(/Image URLs/);
		expect(fakes[node].requests).toHaveLength(0);
	});
});
