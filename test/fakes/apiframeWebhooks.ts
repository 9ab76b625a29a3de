/**
 * Apiframe webhooks (docs/providers.md, "Webhooks"): which events are sent when, their
 * envelopes, the signature, and the job's `webhookStatus`, each as the job's reading says.
 */
import * as crypto from 'crypto';

import { jobView } from './apiframeJobs';
import type { Ctx } from './lib/provider';
import { SCHEMA_READING } from './readings';
import type { ApiframeReading, FakeTask } from './types';

/** The fake's choice when a job names no `webhookEvents` (README, Assumptions). */
const DEFAULT_WEBHOOK_EVENTS = ['completed', 'failed'];

type WebhookEvent = 'progress' | 'completed' | 'failed';

/**
 * `sha256=<hex>`: HMAC-SHA256 over the raw body bytes, keyed by SHA-256 of the API key. `form`
 * says which bytes of that digest are the key: 'digest' (default) the raw 32 bytes, as the
 * official SDK's verifier uses them; 'hex' its 64-character hex text, the other way to read the
 * docs' "SHA256(apiKey)" (`apiframeReading.signatureKey`).
 */
export function signApiframeBody(
	rawBody: string | Buffer,
	apiKey: string,
	form: ApiframeReading['signatureKey'] = 'digest',
): string {
	const hash = crypto.createHash('sha256').update(apiKey);
	const secret = form === 'hex' ? hash.digest('hex') : hash.digest();
	return `sha256=${crypto.createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** The documented event envelopes, built from the same job view GET /v2/jobs/{id} shows. */
function webhookPayload(event: WebhookEvent, task: FakeTask, ctx: Ctx): Record<string, unknown> {
	const job = jobView(task, ctx.phase(task), ctx);
	if (event === 'progress')
		return { event, jobId: job.id, status: 'PROCESSING', progress: 50, model: job.model };
	if (event === 'failed')
		return { event, jobId: job.id, status: job.status, error: job.error, model: job.model };
	return {
		event,
		jobId: job.id,
		status: job.status,
		progress: 100,
		result: job.result,
		model: job.model,
		creditCost: job.creditCost,
		completedAt: job.completedAt,
	};
}

/** The reading the job was created under (set by createJob; the schema's otherwise). */
function readingOf(task: FakeTask): ApiframeReading {
	return task.apiframeReading ?? SCHEMA_READING;
}

function sendWebhook(event: WebhookEvent, task: FakeTask, ctx: Ctx): Promise<void> {
	const body = JSON.stringify(webhookPayload(event, task, ctx));
	const { callbackSignatureKey, apiKey } = ctx.options;
	const reading = readingOf(task);
	const headers = {
		'Content-Type': 'application/json',
		'Content-Length': String(Buffer.byteLength(body)),
		'X-Webhook-Event': event,
		'X-Webhook-Signature': signApiframeBody(
			body,
			callbackSignatureKey !== undefined ? callbackSignatureKey : apiKey,
			reading.signatureKey,
		),
	};
	const seq = (task.webhookSeq ?? 0) + 1;
	task.webhookSeq = seq;
	task.webhookStatus = 'pending';
	const success = reading.webhookStatusWords === 'docs' ? 'sent' : 'delivered';
	return ctx
		.deliverCallback({ taskId: task.id, event, url: String(task.webhookUrl), body, headers })
		.then((delivered) => {
			// A slow progress delivery must not overwrite the outcome of the final event; a
			// cancelled one (null, reset/close) decides nothing.
			if (delivered !== null && task.webhookSeq === seq)
				task.webhookStatus = delivered ? success : 'failed';
		});
}

/**
 * Plans a job's webhooks: the final event (completed or failed) when it is due, and one
 * progress event at half time. The target is the webhook field of the job's reading
 * (`task.webhookUrl`). Without `webhookEvents` (always so under `webhook_url`) only the final
 * events are sent.
 */
export function scheduleCallbacks(task: FakeTask, ctx: Ctx): void {
	if (typeof task.webhookUrl !== 'string') return;
	const events: string[] = task.webhookEvents ?? DEFAULT_WEBHOOK_EVENTS;
	const finalEvent: WebhookEvent = task.outcome === 'failed' ? 'failed' : 'completed';
	const wantsProgress = events.includes('progress');
	const wantsFinal = events.includes(finalEvent) && task.outcome !== 'never';
	if (!wantsProgress && !wantsFinal) return;
	task.webhookSeq = 0;
	task.webhookStatus = 'pending';
	if (wantsProgress) {
		ctx.atTaskTime(task, task.durationMs / 2, () => {
			const { phase } = ctx.phase(task);
			// A zero-length task is already final at half time: no PROCESSING event after the fact.
			return phase === 'completed' || phase === 'failed'
				? undefined
				: sendWebhook('progress', task, ctx);
		});
	}
	if (wantsFinal) ctx.whenFinished(task, () => sendWebhook(finalEvent, task, ctx));
}
