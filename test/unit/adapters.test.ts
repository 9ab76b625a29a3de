import { apiframeAdapter } from '../../nodes/Apiframe/Apiframe.adapter';
import { evoLink } from '../../nodes/EvoLink/EvoLink.provider';
import { customSizeProblem } from '../../nodes/shared/unifiedTask/unifiedTask.adapter';
import { ResponseShapeError } from '../../nodes/shared/schema';
import type { ImageRequest } from '../../nodes/shared/types';
import { request } from '../fixtures/request';
import { starMagic } from '../../nodes/StarMagic/StarMagic.provider';

const evoLinkAdapter = evoLink.adapter;
const starMagicAdapter = starMagic.adapter;
import * as af from '../fixtures/apiframe';
import * as ev from '../fixtures/evolink';

describe('EvoLink adapter (unified task format)', () => {
	it('reads the documented submit, completed and failed bodies', () => {
		expect(evoLinkAdapter.parseSubmit(ev.submitted)).toMatchObject({
			taskId: ev.submitted.id,
			status: 'queued',
			estimatedSeconds: 100,
			cost: { usage: ev.submitted.usage },
		});
		expect(evoLinkAdapter.parseStatus(ev.completed)).toMatchObject({
			status: 'completed',
			imageUrls: ev.completed.results,
			progress: 100,
		});
		expect(evoLinkAdapter.parseStatus(ev.failed)).toMatchObject({
			status: 'failed',
			error: {
				code: 'content_policy_violation',
				message: expect.stringContaining('Content policy'),
			},
		});
	});

	it('reports drift by field name', () => {
		const { results, ...noResults } = ev.completed;
		expect(results).toBeDefined();
		expect(() => evoLinkAdapter.parseStatus(noResults)).toThrow(/"results" is missing/);
		expect(() => evoLinkAdapter.parseStatus({ ...ev.completed, status: 'weird' })).toThrow(
			ResponseShapeError,
		);
		expect(() => evoLinkAdapter.parseStatus({ ...ev.completed, status: 'weird' })).toThrow(
			/field "status"/,
		);
		expect(() => evoLinkAdapter.parseStatus('<html>')).toThrow(/field "\(body\)"/);
	});

	it('builds a flat body; n only where the model takes it; 1.5 gets no n', () => {
		const classic = evoLinkAdapter.buildSubmit(
			request({ options: { size: '2:3', quality: 'low' } }),
			1,
			'k',
		);
		expect(classic).toMatchObject({ method: 'POST', path: '/v1/images/generations' });
		expect(classic.json).toEqual({
			model: 'gpt-image-1.5',
			prompt: 'a fox',
			size: '2:3',
			quality: 'low',
		});
		const v1 = evoLinkAdapter.buildSubmit(request({ model: 'gpt-image-1' }), 4, 'k');
		expect(v1.json?.n).toBe(4);
	});

	it('maps gpt-image-2 sizes: ratio + resolution, auto, custom pixels', () => {
		const v2 = (options: Record<string, unknown>) =>
			evoLinkAdapter.buildSubmit(
				request({ model: 'gpt-image-2', options: options as ImageRequest['options'] }),
				2,
				'k',
			).json;
		expect(
			v2({ sizeV2: '16:9', resolution: '2K', qualityV2: 'high', background: 'transparent' }),
		).toEqual({
			model: 'gpt-image-2',
			prompt: 'a fox',
			size: '16:9',
			resolution: '2K',
			quality: 'high',
			background: 'transparent',
			n: 2,
		});
		expect(v2({ sizeV2: 'auto' })).toMatchObject({ size: 'auto' });
		expect(v2({ sizeV2: 'auto' })).not.toHaveProperty('resolution');
		expect(v2({ sizeV2: 'custom', customSize: '1536×1024' })).toMatchObject({ size: '1536x1024' });
	});

	it('sends edit inputs, mask and callback under their wire names', () => {
		const body = evoLinkAdapter.buildSubmit(
			request({
				model: 'gpt-image-2',
				operation: 'edit',
				imageUrls: ['https://a/x.png'],
				maskUrl: 'https://a/m.png',
				callbackUrl: 'https://h/cb',
			}),
			1,
			'k',
		).json;
		expect(body).toMatchObject({
			image_urls: ['https://a/x.png'],
			mask_url: 'https://a/m.png',
			callback_url: 'https://h/cb',
		});
	});

	it('checks custom sizes as documented', () => {
		expect(customSizeProblem('1536x1024')).toBeUndefined();
		expect(customSizeProblem('3840x2160')).toBeUndefined();
		expect(customSizeProblem('1000x1000')?.message).toMatch(/multiples of 16/);
		expect(customSizeProblem('4096x2048')?.message).toMatch(/outside 16-3840/);
		expect(customSizeProblem('512x512')?.message).toMatch(/pixels/);
		expect(customSizeProblem('3072x768')?.message).toMatch(/3:1/);
		expect(customSizeProblem('big')?.message).toMatch(/WIDTHxHEIGHT/);
	});

	it('reads both error envelopes and upload answers', () => {
		expect(evoLinkAdapter.parseError(402, ev.httpError)).toMatchObject({
			message: 'Insufficient quota',
			code: 'insufficient_quota',
		});
		expect(evoLinkAdapter.parseError(429, ev.creditsError)).toMatchObject({
			code: '429',
			description: 'retry after 60 seconds',
		});
		expect(evoLinkAdapter.parseError(502, 'Bad gateway')).toMatchObject({
			message: 'HTTP 502: Bad gateway',
		});
		expect(evoLinkAdapter.upload!.parse(ev.uploaded)).toBe(ev.uploaded.data.file_url);
		expect(() =>
			evoLinkAdapter.upload!.parse({ success: false, code: 40002, msg: 'File type not allowed' }),
		).toThrow(/File type not allowed/);
		expect(
			evoLinkAdapter.upload!.build({
				field: 'file',
				fileName: 'a.png',
				mimeType: 'image/png',
				content: Buffer.from('x'),
			}),
		).toMatchObject({
			base: 'files',
			path: '/api/v1/files/upload/stream',
		});
	});

	it('accepts only unified task IDs', () => {
		expect(evoLinkAdapter.taskId.pattern.test('task-unified-1757156493-imcg5zqt')).toBe(true);
		expect(evoLinkAdapter.taskId.pattern.test('a1b2c3d4-e5f6-7890-abcd-ef1234567890')).toBe(false);
	});

	it('StarMagic shares the format but has no file upload and no gpt-image-1', () => {
		expect(starMagicAdapter.upload).toBeUndefined();
		expect(starMagicAdapter.models.map((m) => m.value)).toEqual(['gpt-image-1.5', 'gpt-image-2']);
		expect(starMagicAdapter.parseStatus(ev.completed).imageUrls).toEqual(ev.completed.results);
	});
});

describe('Apiframe adapter', () => {
	it('reads the 202 answer and both result shapes', () => {
		expect(apiframeAdapter.parseSubmit(af.accepted)).toEqual({
			taskId: af.accepted.jobId,
			status: 'queued',
			imageUrls: [],
		});
		expect(apiframeAdapter.parseStatus(af.processing)).toMatchObject({
			status: 'processing',
			progress: 65,
			imageUrls: [],
		});
		expect(apiframeAdapter.parseStatus(af.completedObject)).toMatchObject({
			status: 'completed',
			imageUrls: af.completedObject.result.images,
			cost: { creditCost: 24 },
		});
		expect(apiframeAdapter.parseStatus(af.completedString).imageUrls).toEqual([
			af.completedString.result,
		]);
		expect(apiframeAdapter.parseStatus(af.failed)).toMatchObject({
			status: 'failed',
			error: { message: af.failed.error },
			cost: { creditCost: 0 },
		});
		expect(apiframeAdapter.parseStatus({ ...af.processing, status: 'CANCELLED' }).status).toBe(
			'cancelled',
		);
	});

	it('reports a completed job without images, or a renamed field, as drift', () => {
		expect(() => apiframeAdapter.parseStatus({ ...af.completedObject, result: null })).toThrow(
			/field "result"/,
		);
		expect(() =>
			apiframeAdapter.parseStatus({ ...af.completedObject, result: { images: [] } }),
		).toThrow(/result.images/);
		const { status, ...renamed } = af.processing;
		expect(status).toBeDefined();
		expect(() => apiframeAdapter.parseStatus({ ...renamed, state: 'PROCESSING' })).toThrow(
			/field "status"/,
		);
	});

	it('nests parameters per model and carries the idempotency key', () => {
		const call = apiframeAdapter.buildSubmit(
			request({
				imageCount: 3,
				options: {
					aspectRatio: '3:2',
					quality: 'high',
					outputFormat: 'png',
					background: 'transparent',
					inputFidelity: 'high',
				},
			}),
			3,
			'key-1',
		);
		expect(call.headers).toEqual({ 'Idempotency-Key': 'key-1' });
		expect(call.json).toEqual({
			model: 'gpt-image-1.5',
			prompt: 'a fox',
			gptImageParams: {
				number_of_images: 3,
				aspect_ratio: '3:2',
				quality: 'high',
				output_format: 'png',
				background: 'transparent',
				input_fidelity: 'high',
			},
		});
		const v2 = apiframeAdapter.buildSubmit(
			request({
				model: 'gpt-image-2',
				imageUrls: ['https://a/x.png'],
				callbackUrl: 'https://h/w',
				options: { backgroundV2: 'opaque', moderation: 'low', webhookEvents: ['completed'] },
			}),
			1,
			'k',
		).json;
		expect(v2).toEqual({
			model: 'gpt-image-2',
			prompt: 'a fox',
			gptImage2Params: {
				number_of_images: 1,
				background: 'opaque',
				moderation: 'low',
				input_images: ['https://a/x.png'],
			},
			webhookUrl: 'https://h/w',
			webhookEvents: ['completed'],
		});
	});

	it('turns flat errors into messages with their details', () => {
		expect(apiframeAdapter.parseError(400, af.validationError).message).toBe(
			'Validation failed (gptImageParams.quality: Invalid enum value)',
		);
		expect(apiframeAdapter.parseError(402, af.creditsError)).toMatchObject({
			message: 'Insufficient credits',
			description: expect.stringContaining('24 credits'),
		});
		expect(apiframeAdapter.parseError(401, { error: 'Invalid API key' }).description).toMatch(
			/afk_/,
		);
		expect(apiframeAdapter.upload!.parse(af.uploaded)).toBe(af.uploaded.url);
	});

	it('accepts UUID job IDs only', () => {
		expect(apiframeAdapter.taskId.pattern.test(af.accepted.jobId)).toBe(true);
		expect(apiframeAdapter.taskId.pattern.test('task-unified-1757156493-imcg5zqt')).toBe(false);
	});
});
