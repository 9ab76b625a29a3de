import { apiframeAdapter } from '../../nodes/Apiframe/Apiframe.adapter';
import { evoLink } from '../../nodes/EvoLink/EvoLink.provider';
import { request } from '../fixtures/request';
import {
	checkCallbackUrl,
	checkImageUrl,
	checkRequest,
	checkTaskId,
	codePointLength,
	isPrivateHost,
} from '../../nodes/shared/validation';
import { splitList } from '../../nodes/shared/actions/image/edit.operation';
import { planTasks } from '../../nodes/shared/pipeline';

const evoLinkAdapter = evoLink.adapter;
const unified = evoLinkAdapter.callback!;

describe('shared validation', () => {
	it('counts prompt length in code points and per model', () => {
		expect(codePointLength('🦊🦊')).toBe(2);
		expect(checkRequest(request({ prompt: '🦊'.repeat(2000) }), evoLinkAdapter, 0)).toBeUndefined();
		// Characters where the provider counts characters (Apiframe: 2,000).
		expect(checkRequest(request({ prompt: 'x'.repeat(2001) }), apiframeAdapter, 0)).toMatchObject({
			field: 'Prompt',
			message: expect.stringContaining('2,000'),
		});
		// A limit in tokens (EvoLink gpt-image-1.5: "Limited to 2000 tokens") is the provider's to
		// count: nothing it could take is refused here, only what no GPT Image model takes.
		expect(checkRequest(request({ prompt: 'x'.repeat(8000) }), evoLinkAdapter, 0)).toBeUndefined();
		expect(checkRequest(request({ prompt: 'x'.repeat(32000) }), evoLinkAdapter, 0)).toBeUndefined();
		expect(checkRequest(request({ prompt: 'x'.repeat(32001) }), evoLinkAdapter, 0)).toMatchObject({
			field: 'Prompt',
			message: 'has 32,001 characters; no GPT Image model takes more than 32,000',
			fix: expect.stringContaining('2,000 tokens'),
		});
		expect(
			checkRequest(request({ model: 'gpt-image-2', prompt: 'x'.repeat(32000) }), evoLinkAdapter, 0),
		).toBeUndefined();
		expect(checkRequest(request({ prompt: '   ' }), evoLinkAdapter, 0)).toMatchObject({
			field: 'Prompt',
			message: 'is empty',
		});
	});

	it('checks image count, models, input image counts and mask support', () => {
		expect(checkRequest(request({ imageCount: 11 }), evoLinkAdapter, 0)?.field).toBe(
			'Number of Images',
		);
		expect(checkRequest(request({ imageCount: 0 }), evoLinkAdapter, 0)?.field).toBe(
			'Number of Images',
		);
		expect(checkRequest(request({ model: 'gpt-image-1' }), apiframeAdapter, 0)).toMatchObject({
			field: 'Model',
		});
		expect(checkRequest(request({ operation: 'edit' }), evoLinkAdapter, 0)).toMatchObject({
			field: 'Image URLs',
			message: expect.stringContaining('Edit needs at least one image'),
		});
		expect(checkRequest(request({ operation: 'edit' }), evoLinkAdapter, 17)).toMatchObject({
			message: 'and Input Binary Fields have 17 images together; at most 16 are taken',
		});
		expect(
			checkRequest(request({ operation: 'edit', maskUrl: 'https://a/m.png' }), evoLinkAdapter, 1),
		).toMatchObject({ field: 'Mask' });
		expect(
			checkRequest(
				request({ operation: 'edit', model: 'gpt-image-2', maskUrl: 'https://a/m.jpg' }),
				evoLinkAdapter,
				1,
			),
		).toMatchObject({ field: 'Mask URL' });
		expect(
			checkRequest(request({ operation: 'edit', model: 'gpt-image-2' }), evoLinkAdapter, 1, true),
		).toBeUndefined();
	});

	it('accepts http(s) image URLs of the provider types only', () => {
		expect(checkImageUrl('https://a.example/x.PNG', 'Image URLs', ['png'])).toBeUndefined();
		expect(checkImageUrl('https://a.example/image?id=3', 'Image URLs', ['png'])).toBeUndefined();
		expect(checkImageUrl('ftp://a.example/x.png', 'Image URLs', ['png'])?.message).toMatch(
			/not an http/,
		);
		expect(checkImageUrl('https://a.example/x.bmp', 'Image URLs', ['png', 'jpg'])?.fix).toMatch(
			/\.png, \.jpg/,
		);
		expect(
			checkImageUrl(`https://a.example/${'x'.repeat(2100)}.png`, 'Image URLs', ['png'])?.message,
		).toMatch(/characters/);
	});

	it('applies callback rules: https, public host, length', () => {
		expect(
			checkCallbackUrl('https://n8n.example.com/webhook/x', 'Callback URL', unified),
		).toBeUndefined();
		expect(
			checkCallbackUrl('http://n8n.example.com/webhook/x', 'Callback URL', unified)?.message,
		).toBe('must use https');
		for (const host of [
			'127.0.0.1',
			'10.1.2.3',
			'172.20.0.1',
			'192.168.1.1',
			'localhost',
			'[::1]',
			'169.254.1.1',
		]) {
			expect(checkCallbackUrl(`https://${host}/cb`, 'Callback URL', unified)?.message).toMatch(
				/private or local/,
			);
		}
		expect(
			checkCallbackUrl(`https://a.example/${'x'.repeat(2048)}`, 'Callback URL', unified)?.message,
		).toMatch(/characters long/);
		expect(
			checkCallbackUrl('http://192.168.1.1/hook', 'Webhook URL', apiframeAdapter.callback!),
		).toBeUndefined();
		expect(checkCallbackUrl('not a url', 'Webhook URL', apiframeAdapter.callback!)?.field).toBe(
			'Webhook URL',
		);
		expect(isPrivateHost('172.32.0.1')).toBe(false);
	});

	it('checks task IDs per provider', () => {
		expect(checkTaskId('task-unified-1757156493-imcg5zqt', evoLinkAdapter)).toBeUndefined();
		expect(checkTaskId('', evoLinkAdapter)?.message).toBe('is empty');
		expect(checkTaskId('12345', apiframeAdapter)?.fix).toMatch(/a1b2c3d4/);
	});

	it('splits list parameters and plans tasks', () => {
		expect(splitList('https://a/x.png, https://b/y.png\nhttps://c/z.png?a=1,2', true)).toEqual([
			'https://a/x.png',
			'https://b/y.png',
			'https://c/z.png?a=1,2',
		]);
		expect(splitList(['https://a/x.png', ' '], true)).toEqual(['https://a/x.png']);
		expect(splitList('data, photo2,,', false)).toEqual(['data', 'photo2']);
		expect(planTasks(3, 1)).toEqual([1, 1, 1]);
		expect(planTasks(10, 10)).toEqual([10]);
		expect(planTasks(7, 4)).toEqual([4, 3]);
	});
});
