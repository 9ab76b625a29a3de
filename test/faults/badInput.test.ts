/**
 * Bad-input matrix: every input below must fail with a NodeOperationError that names the field
 * (message "<Field>: ...") and says how to fix it (description), and the fake providers must
 * record zero requests: nothing is sent, nothing is billed.
 */
import type { INodeParameters } from 'n8n-workflow';

import { pngBytes } from '../fakes';
import type { InputItem } from '../engine/harness';
import { ADAPTERS, NODES, runImage, startFakes, stopFakes } from '../engine/setup';
import { unreadable } from '../tools/readable';
import type { Fakes, NodeName } from '../engine/setup';

const gen = (extra: INodeParameters): INodeParameters => ({
	operation: 'generate',
	prompt: 'a fox',
	...extra,
});
const edit = (extra: INodeParameters): INodeParameters => ({
	operation: 'edit',
	prompt: 'make it blue',
	imageUrls: 'https://images.example.com/a.png',
	...extra,
});
const wait = (taskId: string): INodeParameters => ({ operation: 'waitForTask', taskId });
const png = { buffer: pngBytes(8, 8), mimeType: 'image/png', fileName: 'a.png' };
const withBinary = (binary: InputItem['binary']): InputItem[] => [{ json: {}, binary }];
const urls = (n: number) =>
	Array.from({ length: n }, (_, i) => `https://images.example.com/${i}.png`).join('\n');

/** [what, node, parameters, message, input items] */
const BAD_INPUTS: Array<[string, NodeName, INodeParameters, RegExp, InputItem[]?]> = [
	// Prompt
	['empty prompt', 'evoLink', gen({ prompt: '  ' }), /^Prompt is empty/],
	[
		'empty prompt from an expression',
		'apiframe',
		gen({ prompt: '={{ $json.missing ?? "" }}' }),
		/^Prompt is empty/,
	],
	[
		// StarMagic counts 2,000 tokens, which only it can count: refused here is only what no
		// GPT Image model takes (the provider's own 400, which costs nothing, decides below that).
		'prompt over 32000 for StarMagic gpt-image-1.5 (limit in tokens)',
		'starMagic',
		gen({ prompt: 'x'.repeat(32001) }),
		/^Prompt has 32,001 characters; no GPT Image model takes more than 32,000/,
	],
	[
		'prompt over 32000 for EvoLink gpt-image-1 (limit in tokens)',
		'evoLink',
		gen({ model: 'gpt-image-1', prompt: 'x'.repeat(32001) }),
		/^Prompt has 32,001 characters; no GPT Image model/,
	],
	[
		'prompt over 2000 on Apiframe gpt-image-2',
		'apiframe',
		gen({ model: 'gpt-image-2', prompt: 'x'.repeat(2001) }),
		/^Prompt has 2,001/,
	],
	[
		'prompt over 32000 on gpt-image-2',
		'evoLink',
		gen({ model: 'gpt-image-2', prompt: 'x'.repeat(32001) }),
		/^Prompt has 32,001 characters; GPT Image 2 takes at most 32,000/,
	],
	// Number of images
	['11 images', 'apiframe', gen({ numberOfImages: 11 }), /^Number of Images is 11/],
	[
		'0 images from an expression',
		'evoLink',
		gen({ numberOfImages: '={{ 0 }}' }),
		/^Number of Images is 0/,
	],
	['2.5 images', 'starMagic', gen({ numberOfImages: '={{ 2.5 }}' }), /^Number of Images is 2.5/],
	// Sizes and options a model does not take
	[
		'custom size not in multiples of 16',
		'evoLink',
		gen({ model: 'gpt-image-2', sizeV2: 'custom', customSize: '1000x1000' }),
		/^Custom Size: 1000x1000 is not in multiples of 16/,
	],
	[
		'custom size wider than 3:1',
		'starMagic',
		gen({ model: 'gpt-image-2', sizeV2: 'custom', customSize: '3072x768' }),
		/^Custom Size: 3072x768 is wider than 3:1/,
	],
	[
		'custom size too small',
		'evoLink',
		gen({ model: 'gpt-image-2', sizeV2: 'custom', customSize: '512x512' }),
		/^Custom Size: 512x512 has 262144 pixels/,
	],
	[
		'custom size edge over 3840',
		'evoLink',
		gen({ model: 'gpt-image-2', sizeV2: 'custom', customSize: '4096x1024' }),
		/^Custom Size: an edge of 4096x1024 is outside/,
	],
	[
		'custom size not WxH',
		'starMagic',
		gen({ model: 'gpt-image-2', sizeV2: 'custom', customSize: 'large' }),
		/^Custom Size: "large" is not WIDTHxHEIGHT/,
	],
	[
		'ratio size gpt-image-1.5 does not take',
		'evoLink',
		gen({ size: '={{ "16:9" }}' }),
		/^Size: "16:9" is not offered by GPT Image 1.5/,
	],
	[
		'aspect ratio Apiframe does not take',
		'apiframe',
		gen({ aspectRatio: '={{ "16:9" }}' }),
		/^Aspect Ratio: "16:9" is not offered by GPT Image 1.5/,
	],
	[
		'resolution gpt-image-2 does not take',
		'starMagic',
		gen({ model: 'gpt-image-2', sizeV2: '16:9', resolution: '={{ "8K" }}' }),
		/^Resolution: "8K" is not offered/,
	],
	[
		'quality the model does not take',
		'apiframe',
		gen({ quality: 'ultra' }),
		/^Quality: "ultra" is not offered by GPT Image 1.5/,
	],
	[
		'quality auto on EvoLink',
		'evoLink',
		gen({ quality: '={{ "auto" }}' }),
		/^Quality: "auto" is not offered/,
	],
	[
		'transparent background on Apiframe gpt-image-2',
		'apiframe',
		gen({ model: 'gpt-image-2', backgroundV2: 'transparent' }),
		/^Background: "transparent" is not offered by GPT Image 2/,
	],
	[
		'unknown model from an expression',
		'apiframe',
		gen({ model: '={{ "gpt-image-1" }}' }),
		/^Model: "gpt-image-1" is not offered by Apiframe/,
	],
	// Input images
	[
		'edit without images',
		'evoLink',
		{ operation: 'edit', prompt: 'x' },
		/^Image URLs is empty, and so is Input Binary Fields: Edit needs at least one image$/,
	],
	[
		'17 image URLs',
		'apiframe',
		edit({ imageUrls: urls(17) }),
		/^Image URLs and Input Binary Fields have 17 images together; at most 16/,
	],
	[
		'16 URLs plus a binary',
		'evoLink',
		edit({ imageUrls: urls(16), binaryFields: 'data' }),
		/^Image URLs and Input Binary Fields have 17 images together; at most 16/,
		withBinary({ data: png }),
	],
	[
		'ftp image URL',
		'starMagic',
		edit({ imageUrls: 'ftp://images.example.com/x.png' }),
		/^Image URLs: "ftp:\/\/images.example.com\/x.png" is not an http\(s\) URL/,
	],
	[
		'data: URL instead of a link',
		'evoLink',
		edit({ imageUrls: 'data:image/png;base64,iVBORw0KGgo=' }),
		/^Image URLs: "data:image\/png;base64,iVBORw0KGgo=" is not an http\(s\) URL/,
	],
	[
		'gif on EvoLink',
		'evoLink',
		edit({ imageUrls: 'https://images.example.com/x.gif' }),
		/^Image URLs: "x.gif" is a .gif file/,
	],
	[
		'tiff on Apiframe',
		'apiframe',
		edit({ imageUrls: 'https://images.example.com/x.tiff' }),
		/^Image URLs: "x.tiff" is a .tiff file/,
	],
	[
		'svg on StarMagic',
		'starMagic',
		edit({ imageUrls: 'https://images.example.com/logo.svg' }),
		/^Image URLs: "logo.svg" is a .svg file/,
	],
	[
		'image URL over 2048 characters',
		'apiframe',
		edit({ imageUrls: `https://images.example.com/${'x'.repeat(2100)}.png` }),
		/^Image URLs: a URL is \d+ characters long/,
	],
	// Binary inputs
	[
		'missing binary field',
		'evoLink',
		edit({ binaryFields: 'photo' }),
		/^Input Binary Fields: the input item has no binary field "photo"/,
	],
	[
		'binary on StarMagic',
		'starMagic',
		edit({ binaryFields: 'data' }),
		/^Input Binary Fields: StarMagic has no file upload/,
		withBinary({ data: png }),
	],
	[
		'PDF binary',
		'evoLink',
		edit({ binaryFields: 'data' }),
		/^Input Binary Fields: "data" is application\/pdf/,
		withBinary({
			data: { buffer: Buffer.from('%PDF-1.4'), mimeType: 'application/pdf', fileName: 'a.pdf' },
		}),
	],
	[
		"binary over Apiframe's 25 MB",
		'apiframe',
		edit({ binaryFields: 'data' }),
		/^Input Binary Fields: "data" is 26 MB/,
		withBinary({
			data: { buffer: Buffer.alloc(26 * 1048576), mimeType: 'image/png', fileName: 'big.png' },
		}),
	],
	// Masks
	[
		'JPEG mask URL',
		'evoLink',
		edit({ model: 'gpt-image-2', maskUrl: 'https://images.example.com/m.jpg' }),
		/^Mask URL: "m.jpg" is a .jpg file/,
	],
	[
		'JPEG mask binary',
		'evoLink',
		edit({ model: 'gpt-image-2', maskBinaryField: 'mask' }),
		/^Mask Binary Field: "mask" is image\/jpeg/,
		withBinary({
			mask: { buffer: Buffer.from([0xff, 0xd8, 0xff]), mimeType: 'image/jpeg', fileName: 'm.jpg' },
		}),
	],
	[
		'binary mask on StarMagic',
		'starMagic',
		edit({ model: 'gpt-image-2', maskBinaryField: 'mask' }),
		/^Mask Binary Field: StarMagic has no file upload/,
		withBinary({ mask: png }),
	],
	// Callback URLs
	[
		'http callback',
		'evoLink',
		gen({ completion: 'callback', callbackUrl: 'http://n8n.example.com/hook' }),
		/^Callback URL must use https/,
	],
	[
		'loopback callback',
		'starMagic',
		gen({ completion: 'callback', callbackUrl: 'https://127.0.0.1/hook' }),
		/^Callback URL points to a private or local address/,
	],
	[
		'localhost callback',
		'evoLink',
		gen({ completion: 'callback', callbackUrl: 'https://localhost:5678/webhook/x' }),
		/^Callback URL points to a private or local address \(localhost\)/,
	],
	[
		'private 10/8 callback',
		'evoLink',
		gen({ completion: 'callback', callbackUrl: 'https://10.0.0.5/hook' }),
		/^Callback URL points to a private/,
	],
	[
		'private 192.168 callback',
		'starMagic',
		gen({ completion: 'callback', callbackUrl: 'https://192.168.0.10/hook' }),
		/^Callback URL points to a private/,
	],
	[
		'IPv6 loopback callback',
		'evoLink',
		gen({ completion: 'callback', callbackUrl: 'https://[::1]/hook' }),
		/^Callback URL points to a private/,
	],
	[
		'cloud metadata address callback',
		'evoLink',
		gen({ completion: 'callback', callbackUrl: 'https://169.254.169.254/latest' }),
		/^Callback URL points to a private/,
	],
	[
		'callback over 2048 characters',
		'evoLink',
		gen({ completion: 'callback', callbackUrl: `https://n8n.example.com/${'x'.repeat(2050)}` }),
		/^Callback URL is 2074 characters long/,
	],
	[
		'webhook URL that is not a URL',
		'apiframe',
		gen({ completion: 'callback', callbackUrl: 'hook' }),
		/^Webhook URL: "hook" is not a URL/,
	],
	[
		'webhook URL over 2048 characters',
		'apiframe',
		gen({ completion: 'callback', callbackUrl: `https://n8n.example.com/${'x'.repeat(2050)}` }),
		/^Webhook URL is 2074 characters long/,
	],
	[
		'unknown webhook event',
		'apiframe',
		gen({
			completion: 'callback',
			callbackUrl: 'https://n8n.example.com/h',
			webhookEvents: '={{ ["done"] }}',
		}),
		/^Webhook Events: "done" is not offered/,
	],
	[
		'callback completion without a URL',
		'evoLink',
		gen({ completion: 'callback', callbackUrl: '={{ "" }}' }),
		/^Callback URL is empty/,
	],
	// Task IDs
	[
		'Apiframe ID on EvoLink',
		'evoLink',
		wait('a1b2c3d4-e5f6-7890-abcd-ef1234567890'),
		/^Task ID: "a1b2c3d4-.*" is not an EvoLink task ID/,
	],
	[
		'EvoLink ID on Apiframe',
		'apiframe',
		wait('task-unified-1757156493-imcg5zqt'),
		/^Task ID: .* is not an Apiframe task ID/,
	],
	[
		'short ID on StarMagic',
		'starMagic',
		wait('task-123'),
		/^Task ID: "task-123" is not a StarMagic task ID/,
	],
	[
		'ID with spaces',
		'evoLink',
		wait('task-unified-17 5715'),
		/^Task ID: .* is not an EvoLink task ID/,
	],
	[
		'prompt from an expression that names a field the input lacks',
		'evoLink',
		gen({ prompt: '={{ $json.title }}' }),
		/^Prompt is empty: the expression \{\{ \$json\.title \}\} gave nothing$/,
		[{ json: { prompt: 'a fox', id: 7 } }],
	],
	[
		'number of images from an expression that gives a word',
		'apiframe',
		gen({ numberOfImages: '={{ $json.count }}' }),
		/^Number of Images is "lots" \(from the expression \{\{ \$json\.count \}\}\), not a whole number/,
		[{ json: { count: 'lots' } }],
	],
	[
		'empty task ID from an expression',
		'starMagic',
		wait('={{ $json.missing ?? "" }}'),
		/^Task ID is empty/,
	],
];

let fakes: Fakes;
beforeAll(async () => (fakes = await startFakes()));
afterAll(async () => await stopFakes(fakes));
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

describe(`${BAD_INPUTS.length} bad inputs fail before any request`, () => {
	it('covers at least 30 distinct inputs on every wire format', () => {
		expect(new Set(BAD_INPUTS.map(([name]) => name)).size).toBe(BAD_INPUTS.length);
		expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(30);
		const formats = (nodes: string[]) => new Set(nodes.map((node) => ADAPTERS[node].wireFormat));
		expect(formats(BAD_INPUTS.map(([, node]) => node))).toEqual(formats(NODES));
	});

	const cases = BAD_INPUTS.map(([name, node, parameters, message, items]) => ({
		name,
		node,
		parameters,
		message,
		items,
	}));
	it.each(cases)('$name ($node)', async ({ node, parameters, message, items }) => {
		const result = await runImage(fakes, node, parameters, { items });
		expect(result.status).toBe('error');
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toMatch(message);
		expect(result.error?.description).toEqual(expect.stringMatching(/\w{3,}/));
		// A sentence a person can act on: no leaked template words.
		expect(unreadable(result.error?.message)).toBeUndefined();
		expect(unreadable(result.error?.description)).toBeUndefined();
		expect(Object.values(fakes).reduce((sum, fake) => sum + fake.requests.length, 0)).toBe(0);
	});

	it('an expression that finds nothing names itself and the fields the input has', async () => {
		const result = await runImage(fakes, 'evoLink', gen({ prompt: '={{ $json.title }}' }), {
			items: [{ json: { prompt: 'a fox', id: 7 } }],
		});
		expect(result.error?.description).toBe(
			'The input item has the fields prompt, id. Check the field name in the expression.',
		);
	});

	it('a bad second item stops the node before the first is submitted', async () => {
		const result = await runImage(fakes, 'evoLink', gen({ prompt: '={{ $json.prompt }}' }), {
			items: [{ json: { prompt: 'good' } }, { json: { prompt: '' } }],
		});
		expect(result.error?.message).toMatch(/^Prompt is empty/);
		expect(fakes.evoLink.requests).toHaveLength(0);
	});
});
