import { NodeApiError } from 'n8n-workflow';
import type { INode } from 'n8n-workflow';
import { createHash, createHmac } from 'crypto';

import {
	apiframeAdapter,
	ASPECT_RATIO_READING,
	checkApiframeSignature,
	INPUT_IMAGES_READING,
	WEBHOOK_READING,
} from '../../nodes/Apiframe/Apiframe.adapter';
import { sendInReadings, ShapeChoice } from '../../nodes/shared/readings';
import type { HttpCall } from '../../nodes/shared/types';
import { request } from '../fixtures/request';

const node: INode = {
	id: 'n',
	name: 'Apiframe',
	type: 'n8n-nodes-gpt-image.apiframe',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

function refusal(status: number, message: string): NodeApiError {
	return new NodeApiError(node, {}, { httpCode: String(status), message });
}

const readings = apiframeAdapter.readings!;

describe('ShapeChoice: the other documented shape after a 400 that names the field', () => {
	it('starts with the first shape of every reading', () => {
		const choice = new ShapeChoice(readings);
		expect(choice.current()).toEqual({});
	});

	it('switches only the readings the 400 names, and keeps what worked', () => {
		const choice = new ShapeChoice(readings);
		const error = refusal(400, 'Apiframe: Validation failed (webhookUrl: Unrecognized key)');
		const next = choice.fallback(error, {}, request());
		expect(next).toEqual({
			shapes: { 'webhook field': 'webhook_url' },
			switched: [WEBHOOK_READING],
		});
		choice.keep({ 'webhook field': 'webhook_url' });
		expect(choice.current()).toEqual({ 'webhook field': 'webhook_url' });
	});

	it('switches several readings at once when one 400 names them all', () => {
		const choice = new ShapeChoice(readings);
		const error = refusal(
			400,
			'Validation failed (gptImageParams.input_images: Expected string, received array; gptImageParams.aspect_ratio: Unrecognized key)',
		);
		const next = choice.fallback(error, {}, request({ imageUrls: ['https://a/x.png'] }));
		expect(next).toEqual({
			shapes: { input_images: 'string', aspect_ratio: 'top' },
			switched: [INPUT_IMAGES_READING, ASPECT_RATIO_READING],
		});
	});

	it('goes back to the first shape when the second one is refused later', () => {
		const choice = new ShapeChoice(readings);
		const error = refusal(400, 'Validation failed (webhook_url: Unrecognized key)');
		expect(choice.fallback(error, { 'webhook field': 'webhook_url' }, request())).toMatchObject({
			shapes: { 'webhook field': 'webhookUrl' },
		});
	});

	it('does not resend for other refusals: another field, another status, not an API error', () => {
		const choice = new ShapeChoice(readings);
		expect(
			choice.fallback(refusal(400, 'Validation failed (prompt: Required)'), {}, request()),
		).toBeUndefined();
		expect(choice.fallback(refusal(500, 'webhookUrl broke'), {}, request())).toBeUndefined();
		expect(choice.fallback(refusal(409, 'webhookUrl'), {}, request())).toBeUndefined();
		expect(choice.fallback(new Error('webhookUrl'), {}, request())).toBeUndefined();
	});

	it('says why a request cannot take the other shape (several images as one URL)', () => {
		const choice = new ShapeChoice(readings);
		const error = refusal(400, 'Validation failed (gptImageParams.input_images: Expected string)');
		const next = choice.fallback(
			error,
			{},
			request({ imageUrls: ['https://a/1.png', 'https://a/2.png'] }),
		);
		expect(next).toEqual({ unfit: expect.stringMatching(/one input image per item/) });
	});

	it('avoid() moves a silently ignored field to its other shape', () => {
		const choice = new ShapeChoice(readings);
		choice.avoid('webhook field', 'webhookUrl');
		expect(choice.current()).toEqual({ 'webhook field': 'webhook_url' });
		choice.avoid('webhook field', 'webhook_url');
		expect(choice.current()).toEqual({ 'webhook field': 'webhookUrl' });
		choice.avoid('no such point', 'x');
		expect(choice.current()).toEqual({ 'webhook field': 'webhookUrl' });
	});

	it('sendInReadings sends the other shape after a 400 that names the field, and says when both were refused', async () => {
		const sent: string[] = [];
		const refuseAll = async (call: HttpCall) => {
			sent.push(Object.keys(call.json ?? {}).join(','));
			throw refusal(
				400,
				'Validation failed (webhook_url: Unrecognized key; webhookUrl: Unrecognized key)',
			);
		};
		const build = (shapes: Record<string, string>) =>
			apiframeAdapter.buildSubmit(request({ callbackUrl: 'https://h/w' }), 1, 'k', shapes);
		const choice = new ShapeChoice(readings);
		const error = await sendInReadings(choice, refuseAll, request(), undefined, build).catch(
			(e) => e,
		);
		expect(sent).toHaveLength(2);
		expect(sent[0]).toContain('webhookUrl');
		expect(sent[1]).toContain('webhook_url');
		expect(error.description).toMatch(/sent both documented shapes of webhook field/);
		// A refusal about another field is not retried and says nothing about readings.
		const other = async () => {
			throw refusal(400, 'Validation failed (prompt: Required)');
		};
		const plain = await sendInReadings(choice, other, request(), undefined, build).catch((e) => e);
		expect(plain.description ?? '').not.toMatch(/both documented shapes/);
		// A call whose answer was lost goes again exactly as it was.
		const resend: HttpCall = { method: 'POST', base: 'api', path: '/x', json: { a: 1 } };
		const echo = async (call: HttpCall) => ({
			taskId: String(call.path),
			status: 'queued' as const,
			imageUrls: [],
		});
		expect((await sendInReadings(choice, echo, request(), resend, build)).snapshot.taskId).toBe(
			'/x',
		);
	});
});

describe('Apiframe submission in each documented shape', () => {
	const withAll = request({
		imageUrls: ['https://a/x.png'],
		callbackUrl: 'https://h/w',
		options: { aspectRatio: '3:2', outputFormat: 'png', webhookEvents: ['completed', 'failed'] },
	});

	it('schema shape (sent first): webhookUrl + webhookEvents, input_images list, ratio in params', () => {
		expect(apiframeAdapter.buildSubmit(withAll, 1, 'k').json).toEqual({
			model: 'gpt-image-1.5',
			prompt: 'a fox',
			gptImageParams: {
				number_of_images: 1,
				aspect_ratio: '3:2',
				output_format: 'png',
				input_images: ['https://a/x.png'],
			},
			webhookUrl: 'https://h/w',
			webhookEvents: ['completed', 'failed'],
		});
	});

	it("model page's shape: webhook_url alone, one URL as text, ratio at the top", () => {
		const shapes = { 'webhook field': 'webhook_url', input_images: 'string', aspect_ratio: 'top' };
		expect(apiframeAdapter.buildSubmit(withAll, 1, 'k', shapes).json).toEqual({
			model: 'gpt-image-1.5',
			prompt: 'a fox',
			aspect_ratio: '3:2',
			gptImageParams: {
				number_of_images: 1,
				output_format: 'png',
				input_images: 'https://a/x.png',
			},
			webhook_url: 'https://h/w',
		});
	});

	it('always sends the output format, whose default the two documents give differently', () => {
		const json = apiframeAdapter.buildSubmit(request({ options: { outputFormat: 'webp' } }), 1, 'k')
			.json as { gptImageParams: { output_format: string } };
		expect(json.gptImageParams.output_format).toBe('webp');
	});
});

describe('Apiframe: did the job record the webhook?', () => {
	const job = {
		id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
		status: 'QUEUED',
		model: 'gpt-image-1.5',
		progress: 0,
		result: null,
		error: null,
		creditCost: null,
	};

	it.each([
		['pending', true],
		['delivered', true],
		['sent', true],
		['failed', true],
	])('webhookStatus "%s" means recorded', (webhookStatus, recorded) => {
		expect(apiframeAdapter.parseStatus({ ...job, webhookStatus }).callbackRecorded).toBe(recorded);
	});

	it('webhookStatus null means none; a stored input with the URL means recorded', () => {
		expect(apiframeAdapter.parseStatus({ ...job, webhookStatus: null }).callbackRecorded).toBe(
			false,
		);
		expect(
			apiframeAdapter.parseStatus({
				...job,
				webhookStatus: null,
				input: { webhook_url: 'https://h/w' },
			}).callbackRecorded,
		).toBe(true);
		expect(apiframeAdapter.parseStatus({ ...job, input: { prompt: 'x' } }).callbackRecorded).toBe(
			false,
		);
	});

	it('a job that shows neither tells nothing', () => {
		expect(apiframeAdapter.parseStatus(job).callbackRecorded).toBeUndefined();
	});
});

describe('Apiframe webhook signature: both readings of "SHA-256 of the API key"', () => {
	const body = Buffer.from('{"event":"completed","jobId":"x"}');
	const key = 'afk_signature_key';
	const digest = createHash('sha256').update(key).digest();
	const sign = (hmacKey: Buffer | string) =>
		createHmac('sha256', hmacKey).update(body).digest('hex');

	it('accepts the SDK form (raw digest) and the docs form (hex text), with or without sha256=', () => {
		expect(checkApiframeSignature(body, `sha256=${sign(digest)}`, key)).toBe(true);
		expect(checkApiframeSignature(body, sign(digest.toString('hex')), key)).toBe(true);
		expect(checkApiframeSignature(body, `sha256=${sign(digest.toString('hex'))}`, key)).toBe(true);
	});

	it('refuses any other key, a changed body and malformed headers', () => {
		expect(checkApiframeSignature(body, sign(key), key)).toBe(false);
		expect(checkApiframeSignature(Buffer.from('{}'), sign(digest), key)).toBe(false);
		expect(checkApiframeSignature(body, 'sha256=xyz', key)).toBe(false);
		expect(checkApiframeSignature(body, undefined, key)).toBe(false);
	});
});
