/** Apiframe webhooks sent by the fake (docs/providers.md, "Webhooks"). */
import * as crypto from 'crypto';

import { signApiframeBody } from './index';
import { afJob, afSubmit, expectedSignature, FAST_RETRIES, receiverFixture } from './testReceiver';

const { setup } = receiverFixture();

// ---------------------------------------------------------------- Apiframe

describe('Apiframe webhooks', () => {
	it('sends the completed envelope, signed with the documented scheme', async () => {
		const { fake: f, receiver: r } = await setup('apiframe');
		const id = await afSubmit(f, {
			prompt: 'x',
			gptImageParams: { number_of_images: 2, quality: 'low', output_format: 'png' },
		});
		await f.whenCallbacksIdle();
		const job = await afJob(f, id);
		expect(r.hits).toHaveLength(1);
		const [hit] = r.hits;
		expect(hit.json).toEqual({
			event: 'completed',
			jobId: id,
			status: 'COMPLETED',
			progress: 100,
			result: job.result,
			model: 'gpt-image-1.5',
			creditCost: 8,
			completedAt: job.completedAt,
		});
		expect(hit.json.result.images).toHaveLength(2);
		expect(Object.keys(hit.json)).toEqual([
			'event',
			'jobId',
			'status',
			'progress',
			'result',
			'model',
			'creditCost',
			'completedAt',
		]);
		expect(hit.headers['content-type']).toBe('application/json');
		expect(hit.headers['x-webhook-event']).toBe('completed');
		const signature = hit.headers['x-webhook-signature'];
		expect(signature).toBe(expectedSignature(hit.raw, f.apiKey));
		expect(signApiframeBody(hit.raw, f.apiKey)).toBe(signature);
		expect(signApiframeBody(Buffer.from(hit.raw), f.apiKey)).toBe(signature);
		expect(signApiframeBody(hit.raw, 'afk_other_key')).not.toBe(signature);
		expect(signApiframeBody(`${hit.raw} `, f.apiKey)).not.toBe(signature); // bound to the exact bytes
		// not the hex text of the digest as key: the raw 32 bytes
		const hexKeyed = crypto
			.createHmac('sha256', crypto.createHash('sha256').update(f.apiKey).digest('hex'))
			.update(hit.raw)
			.digest('hex');
		expect(signature).not.toBe(`sha256=${hexKeyed}`);
		expect(job.webhookStatus).toBe('delivered');
	});

	it('signs with callbackSignatureKey when set, so the account key fails to verify', async () => {
		const { fake: f, receiver: r } = await setup('apiframe', undefined, {
			callbackSignatureKey: 'afk_not_the_account_key',
		});
		await afSubmit(f, { prompt: 'x' });
		await f.whenCallbacksIdle();
		const { raw, headers } = r.hits[0];
		expect(headers['x-webhook-signature']).not.toBe(expectedSignature(raw, f.apiKey));
		expect(headers['x-webhook-signature']).toBe(expectedSignature(raw, 'afk_not_the_account_key'));
	});

	it('sends the failed envelope and a bare-string result when configured', async () => {
		const { fake: f, receiver: r } = await setup('apiframe', undefined, {
			apiframeResultShape: 'string',
		});
		const failed = await afSubmit(f, { prompt: 'x [fail:content_policy_violation]' });
		const ok = await afSubmit(f, { prompt: 'y' });
		await f.whenCallbacksIdle();
		const byJob = Object.fromEntries(r.hits.map((h) => [h.json.jobId, h]));
		expect(byJob[failed].json).toEqual({
			event: 'failed',
			jobId: failed,
			status: 'FAILED',
			error: (await afJob(f, failed)).error,
			model: 'gpt-image-1.5',
		});
		expect(byJob[failed].headers['x-webhook-event']).toBe('failed');
		expect(byJob[ok].json.result).toBe((await afJob(f, ok)).result);
		expect(typeof byJob[ok].json.result).toBe('string');
	});

	it('filters by webhookEvents; the default is completed and failed only', async () => {
		const { fake: f, receiver: r } = await setup('apiframe');
		const plain = await afSubmit(f, { prompt: 'x' });
		const progressOnly = await afSubmit(f, { prompt: 'x', webhookEvents: ['progress'] });
		const all = await afSubmit(f, {
			prompt: 'x',
			webhookEvents: ['progress', 'completed', 'failed'],
		});
		const failsQuietly = await afSubmit(f, {
			prompt: 'x [fail:bad]',
			webhookEvents: ['completed'],
		});
		await f.whenCallbacksIdle();
		const events = (id: string) =>
			r.hits.filter((h) => h.json.jobId === id).map((h) => h.json.event);
		expect(events(plain)).toEqual(['completed']);
		expect(events(progressOnly)).toEqual(['progress']);
		expect(events(all)).toEqual(['progress', 'completed']);
		expect(events(failsQuietly)).toEqual([]);
		const progress = r.hits.find((h) => h.json.jobId === progressOnly)!;
		expect(progress.json).toEqual({
			event: 'progress',
			jobId: progressOnly,
			status: 'PROCESSING',
			progress: 50,
			model: 'gpt-image-1.5',
		});
		expect(progress.headers['x-webhook-event']).toBe('progress');
		expect((await afJob(f, failsQuietly)).webhookStatus).toBeNull();
	});

	it('tracks webhookStatus: pending until delivered, failed after the last retry', async () => {
		const { fake: f, receiver: r } = await setup('apiframe', () => 500);
		const id = await afSubmit(f, { prompt: 'x' });
		expect((await afJob(f, id)).webhookStatus).toBe('pending');
		await f.whenCallbacksIdle();
		expect(r.hits).toHaveLength(1 + FAST_RETRIES.length);
		expect(f.callbacks.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
		expect(new Set(f.callbacks.map((c) => c.headers['X-Webhook-Signature'])).size).toBe(1);
		expect((await afJob(f, id)).webhookStatus).toBe('failed');
	});
});
