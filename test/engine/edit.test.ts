import { pngBytes } from '../fakes';
import { FAST, runImage, startFakes, stopFakes } from './setup';
import type { Fakes, NodeName } from './setup';

let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

const photo = (variant = 1) => ({ buffer: pngBytes(32, 32, variant), mimeType: 'image/png', fileName: `photo${variant}.png` });

describe.each(['starMagic', 'evoLink', 'apiframe'] as NodeName[])('%s Edit from URLs', (node) => {
	it('sends the URLs as the provider\'s input images', async () => {
		const urls = 'https://images.example.com/a.png,\nhttps://images.example.com/b.webp';
		const result = await runImage(fakes, node, { operation: 'edit', prompt: 'merge them', imageUrls: urls, options: FAST });
		expect(result.error).toBeUndefined();
		expect(result.output()[0].binary?.data.mimeType).toBe('image/png');
		const body = fakes[node].requests.find((r) => r.route === 'submit')!.body;
		const sent = node === 'apiframe' ? body.gptImageParams.input_images : body.image_urls;
		expect(sent).toEqual(['https://images.example.com/a.png', 'https://images.example.com/b.webp']);
	});
});

describe.each([
	['evoLink', 'default'],
	['evoLink', 'filesystem'],
	['apiframe', 'default'],
	['apiframe', 'filesystem'],
] as Array<[NodeName, 'default' | 'filesystem']>)('%s Edit from binary fields (%s binary mode)', (node, binaryMode) => {
	it('uploads each binary to the provider file host, then edits with the hosted URLs', async () => {
		const result = await runImage(
			fakes,
			node,
			{ operation: 'edit', prompt: 'combine', binaryFields: 'data, second', imageUrls: 'https://images.example.com/c.jpg', options: FAST },
			{ binaryMode, items: [{ json: {}, binary: { data: photo(1), second: photo(2) } }] },
		);
		expect(result.error).toBeUndefined();
		const fake = fakes[node];
		expect(fake.counts.uploads).toBe(2);
		// Uploads run in parallel, so they may arrive in either order.
		const uploads = fake.requests.filter((r) => r.route === 'upload').map((u) => u.body.files[0]);
		uploads.sort((a, b) => a.fileName.localeCompare(b.fileName));
		expect(uploads).toEqual([
			expect.objectContaining({ field: 'file', fileName: 'photo1.png', contentType: 'image/png', size: photo(1).buffer.length }),
			expect.objectContaining({ field: 'file', fileName: 'photo2.png', contentType: 'image/png', size: photo(2).buffer.length }),
		]);
		const body = fake.requests.find((r) => r.route === 'submit')!.body;
		const sent: string[] = node === 'apiframe' ? body.gptImageParams.input_images : body.image_urls;
		expect(sent[0]).toBe('https://images.example.com/c.jpg');
		expect(sent.slice(1).every((u) => u.startsWith(fake.baseUrl))).toBe(true);
		expect(result.output()[0].pairedItem).toEqual({ item: 0 });
	});
});

describe('masks (gpt-image-2 on StarMagic/EvoLink)', () => {
	it('EvoLink uploads a binary mask and sends mask_url', async () => {
		await runImage(
			fakes,
			'evoLink',
			{ operation: 'edit', model: 'gpt-image-2', prompt: 'fill', imageUrls: 'https://images.example.com/a.png', maskBinaryField: 'mask', options: FAST },
			{ items: [{ json: {}, binary: { mask: { ...photo(3), fileName: 'mask.png' } } }] },
		);
		const body = fakes.evoLink.requests.find((r) => r.route === 'submit')!.body;
		expect(body.mask_url).toMatch(/^http:\/\/127\.0\.0\.1/);
		expect(fakes.evoLink.counts.uploads).toBe(1);
	});

	it('StarMagic takes a mask URL', async () => {
		await runImage(fakes, 'starMagic', {
			operation: 'edit',
			model: 'gpt-image-2',
			prompt: 'fill',
			imageUrls: 'https://images.example.com/a.png',
			maskUrl: 'https://images.example.com/mask.png',
			options: FAST,
		});
		expect(fakes.starMagic.requests.find((r) => r.route === 'submit')!.body.mask_url).toBe('https://images.example.com/mask.png');
	});
});

describe('StarMagic binary input', () => {
	it('fails before any request and says to use URLs', async () => {
		const result = await runImage(fakes, 'starMagic', { operation: 'edit', prompt: 'x', binaryFields: 'data' }, { items: [{ json: {}, binary: { data: photo() } }] });
		expect(result.error?.message).toMatch(/^Input Binary Fields: StarMagic has no file upload/);
		expect(result.error?.description).toMatch(/Image URLs/);
		expect(fakes.starMagic.requests).toHaveLength(0);
	});
});
