import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { currentClock } from '../shared/clock';
import { admitSnapshot } from '../shared/gate';
import { Masker, secretsOf } from '../shared/mask';
import type { ProviderDefinition } from '../shared/provider';
import { cappedImageUrls } from '../shared/resultUrls';
import { TaskClient } from '../shared/taskClient';
import type { TaskSnapshot } from '../shared/types';
import { CALLBACK_PROVIDERS, matchingProviders } from './callbacks';
import { basisOf, fixFor, missingRouteText, routeOf } from '../shared/guesses';
import { ledger } from '../shared/ledger';
import { missingRouteOf } from '../shared/taskClient';
import { CONFIRM_LIMITS, confirmAlerts, confirmClients, gateOf, unknownTasks } from './memory';

/**
 * Who sent a callback, and what it may start a run with. A callback arrives on a public URL, so
 * its body is believed only as far as it is verified:
 * - "provider": an unsigned provider's task is read from its API with the selected credential and
 *   only the API's answer is used (an unknown task ID starts nothing); a signing provider's body is
 *   used once its signature, made with the credential's key, checks out;
 * - "secret": the secret in the URL path is all that is checked (n8n routes only that path here);
 * - "none": nothing is checked.
 * In every mode the task ID must have the provider's form and image URLs are capped at 10.
 * A caller learns nothing from the answer: short fixed texts, never a provider's message, a socket
 * error or the state of an account; the reason for a refusal goes to n8n's log for the owner.
 */

export type Verification = 'provider' | 'secret' | 'none';

export interface Verified {
	provider: ProviderDefinition;
	snapshot: TaskSnapshot;
	/** The API address the provider was confirmed at (result URLs may share its scheme and host). */
	apiBaseUrl: string;
}

/** The time one read of the provider's API may take; the downloads get the rest of its 10 s. */
export const CONFIRM_BUDGET_MS = 4000;
/** A delivery comes as the task ends: a signed one older than this is checked against the job. */
export const FRESH_MS = 60 * 1000;
/** A callback for a task created longer ago than this is not its delivery: it starts nothing. */
export const STALE_MS = 3600 * 1000;

/** The only texts a caller ever gets back. */
export const ANSWERS = {
	400: 'Not a task callback this trigger knows',
	401: 'Not authorized',
	403: 'Unknown task',
	429: 'Too many callbacks at once; deliver again later',
	503: 'Could not confirm the task now; deliver again',
} as const;

export function reply(
	fn: IWebhookFunctions,
	status: number,
	body: IDataObject,
	headers: Record<string, string> = {},
): IWebhookResponseData {
	const res = fn.getResponseObject();
	for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
	res.status(status).json(body);
	return { noWebhookResponse: true };
}

function refuse(fn: IWebhookFunctions, status: keyof typeof ANSWERS, why?: string) {
	if (why) fn.logger?.warn(`GPT Image Callback Trigger "${fn.getNode().name}": ${why}`);
	const headers =
		status === 429 ? { 'Retry-After': String(CONFIRM_LIMITS.retryAfterSeconds) } : undefined;
	return reply(fn, status, { error: ANSWERS[status] }, headers);
}

/** A call that starts nothing, answered as received so the provider stops delivering it. */
export const notStarted = (fn: IWebhookFunctions, extra: IDataObject = {}) =>
	reply(fn, 200, { received: true, started: false, ...extra });

/**
 * The body's own account of the task, through the same gate as every provider answer (the
 * provider's ID form, every text masked, here with the trigger's shared secret too), and at most
 * 10 image URLs.
 */
function readBody(
	provider: ProviderDefinition,
	body: IDataObject,
	masker: Masker,
): TaskSnapshot | undefined {
	let snapshot: TaskSnapshot;
	try {
		snapshot = admitSnapshot(provider.adapter, provider.adapter.callback!.read(body), masker);
	} catch {
		// A body that does not have the provider's shape or ID form is simply not its callback.
		return undefined;
	}
	return { ...snapshot, imageUrls: cappedImageUrls(snapshot.imageUrls) };
}

/** What a trigger keeps of its decrypted credential for a minute (never a client: see below). */
interface Confirmer {
	urls: ReturnType<ProviderDefinition['adapter']['baseUrls']>;
	apiBaseUrl: string;
	apiKey: string;
	/** The credential's secrets, for masking a signed body's texts. */
	secrets: string[];
}

/**
 * The credential of this trigger, decrypted once a minute, and a client bound to this call. The
 * client is made per call: it sends through this call's n8n helpers, and a client kept from an
 * earlier call would send through helpers whose request n8n has already answered (in n8n 2.41 its
 * reads then fail, and a genuine callback was answered 503).
 */
async function confirmer(fn: IWebhookFunctions, provider: ProviderDefinition, trigger: string) {
	const type = provider.adapter.credentialType;
	const key = `${trigger}:${type}:${fn.getNode().credentials?.[type]?.id ?? ''}`;
	const clock = currentClock();
	let kept = confirmClients.get(key, clock.now()) as Confirmer | undefined;
	if (!kept) {
		const credentials = await fn.getCredentials<IDataObject>(type);
		const urls = provider.adapter.baseUrls(credentials);
		const apiKey = String(credentials.apiKey ?? '');
		kept = { urls, apiBaseUrl: urls.api, apiKey, secrets: secretsOf(credentials) };
		confirmClients.set(key, kept, clock.now());
	}
	const client = new TaskClient(fn, provider.adapter, kept.urls, clock, kept.secrets);
	return { ...kept, client };
}

/**
 * Why a call is refused. With `alert`, the refusal is not about the call but about this trigger:
 * it cannot confirm any call of the provider (a route is not where the package assumed it).
 */
type Refusal = { status: keyof typeof ANSWERS; why?: string; alert?: string };

/**
 * A call this trigger cannot confirm because of the provider's API, not the call: answered 503, so
 * the provider delivers it again; said at error level in n8n's log every time, and by a run with
 * one error item (at most one such run per trigger every ten minutes), so genuine callbacks are
 * never refused without a word where the owner looks.
 */
function refuseWith(fn: IWebhookFunctions, refusal: Refusal, taskId: string, provider: string) {
	if (!refusal.alert) return refuse(fn, refusal.status, refusal.why);
	const node = fn.getNode().name;
	fn.logger?.error(`GPT Image Callback Trigger "${node}": ${refusal.alert}`);
	const answered = refuse(fn, 503);
	const trigger = `${fn.getWorkflow().id}:${fn.getNode().id ?? node}`;
	const now = currentClock().now();
	if (confirmAlerts.get(trigger, now)) return answered;
	confirmAlerts.set(trigger, true, now);
	const json: IDataObject = {
		provider,
		taskId,
		status: 'unconfirmed',
		imageUrl: null,
		error: { code: 'confirmation_failed', message: refusal.alert },
	};
	return { ...answered, workflowData: [[{ json }]] };
}

/** Why a read that the provider answered "not there" is about this trigger, not the call. */
function confirmationAlert(
	provider: ProviderDefinition,
	taskId: string,
	error: unknown,
): string | undefined {
	const { adapter } = provider;
	const name = adapter.displayName;
	const missing = missingRouteOf(error);
	const fallback = `Meanwhile every ${name} callback is answered 503 and ${name} delivers it again a few times: to take them without this check, set Verification to Shared Secret Only with a Shared Secret.`;
	if (missing) {
		return `could not confirm task ${taskId}: ${missingRouteText(adapter, missing)} ${fallback}`;
	}
	const code = error instanceof NodeApiError ? Number(error.httpCode) : NaN;
	// A task this n8n submitted itself exists: "not found" is about the credential or the route.
	if (code === 404 && ledger.knows(taskId)) {
		const route = routeOf(adapter, adapter.buildStatus(taskId));
		return `${name} says it does not know task ${taskId}, which this n8n submitted: the ${name} credential selected in the trigger may belong to another account, or ${basisOf(name, route)} and it does not answer for ${name}'s tasks. ${fixFor(adapter, route)} ${fallback}`;
	}
	return undefined;
}

/**
 * One read of the task from the provider's API, within the trigger's gate, without retries (the
 * provider delivers again): the API's account of the task, or why the call is refused.
 */
async function readTask(
	fn: IWebhookFunctions,
	provider: ProviderDefinition,
	taskId: string,
	trigger: string,
): Promise<TaskSnapshot | Refusal> {
	const clock = currentClock();
	const name = provider.adapter.displayName;
	const unknown = `${name} does not know task ${taskId}; nothing was started`;
	if (unknownTasks.get(`${provider.key}:${taskId}`, clock.now()))
		return { status: 403, why: unknown };
	const gate = gateOf(trigger, clock.now());
	if (!(await gate.take(clock))) {
		return { status: 429, why: `more calls than it confirms at once with ${name}` };
	}
	try {
		const { client } = await confirmer(fn, provider, trigger);
		// The deadline is now: one attempt only.
		const limits = { itemIndex: 0, timeoutMs: CONFIRM_BUDGET_MS, deadline: clock.now() };
		const snapshot = await client.status(taskId, limits);
		return { ...snapshot, imageUrls: cappedImageUrls(snapshot.imageUrls) };
	} catch (error) {
		const alert = confirmationAlert(provider, taskId, error);
		if (alert) return { status: 503, alert };
		const code = error instanceof NodeApiError ? Number(error.httpCode) : NaN;
		if (code === 400 || code === 404) {
			unknownTasks.set(`${provider.key}:${taskId}`, true, clock.now());
			return { status: 403, why: unknown };
		}
		const why = error instanceof Error ? error.message : String(error);
		return { status: 503, why: `could not confirm task ${taskId} with ${name} (${why})` };
	} finally {
		gate.release();
	}
}

/** A signing provider: the signature, then, for a delivery that is not fresh, the job's record. */
async function checkSigned(
	fn: IWebhookFunctions,
	provider: ProviderDefinition,
	claimed: TaskSnapshot,
	headers: IDataObject,
	trigger: string,
	masker: Masker,
): Promise<Verified | IWebhookResponseData> {
	const { apiBaseUrl, apiKey, secrets } = await confirmer(fn, provider, trigger);
	const signature = provider.adapter.callback!.signature!;
	const raw =
		(fn.getRequestObject() as unknown as { rawBody?: Buffer }).rawBody ??
		Buffer.from(JSON.stringify(fn.getBodyData()));
	if (!signature.verify(raw, headers[signature.header], apiKey)) {
		return refuse(fn, 401, `a call without a valid ${signature.header} was refused`);
	}
	const snapshot = admitSnapshot(provider.adapter, claimed, masker.with(secrets));
	const verified = { provider, snapshot, apiBaseUrl };
	const now = currentClock().now();
	if (claimed.finishedAt !== undefined && now - claimed.finishedAt < FRESH_MS) return verified;
	// Old or undated: the provider's own record says whether this delivery was acknowledged already.
	const job = await readTask(fn, provider, claimed.taskId, trigger);
	if (!('taskId' in job)) return refuseWith(fn, job, claimed.taskId, provider.adapter.displayName);
	const old = job.finishedAt !== undefined && now - job.finishedAt >= FRESH_MS;
	if (job.callbackDelivered && old) return notStarted(fn, { duplicate: true });
	return verified;
}

/** Verifies a call in the chosen mode; returns what may start a run, or the answer to send. */
export async function verifyCallback(
	fn: IWebhookFunctions,
	body: unknown,
	headers: IDataObject,
	known: (provider: ProviderDefinition, claimed: TaskSnapshot) => boolean,
): Promise<Verified | IWebhookResponseData> {
	const chosen = fn.getNodeParameter('provider', 'auto') as string;
	const mode = fn.getNodeParameter('verification', 'provider') as Verification;
	const allowed =
		chosen === 'auto' ? CALLBACK_PROVIDERS : CALLBACK_PROVIDERS.filter((p) => p.key === chosen);
	const candidates = matchingProviders(body, headers, allowed);
	if (candidates.length === 0) return refuse(fn, 400);
	if (mode === 'secret' && String(fn.getNodeParameter('sharedSecret', '')) === '') {
		return refuse(fn, 401, 'Verification is Shared Secret Only but no Shared Secret is set');
	}
	const trigger = `${fn.getWorkflow().id}:${fn.getNode().id ?? fn.getNode().name}`;
	const masker = new Masker().with([String(fn.getNodeParameter('sharedSecret', '') ?? '')]);
	let refusal: Refusal | undefined;
	let alert: { refusal: Refusal; taskId: string; provider: string } | undefined;
	for (const provider of candidates) {
		const claimed = readBody(provider, body as IDataObject, masker);
		if (!claimed) continue;
		// A delivery this process already turned into a run costs no read of the provider's API.
		if (known(provider, claimed)) return notStarted(fn, { duplicate: true });
		if (mode !== 'provider') return { provider, snapshot: claimed, apiBaseUrl: '' };
		if (!fn.getNode().credentials?.[provider.adapter.credentialType]) {
			const name = provider.adapter.displayName;
			const why = `select a ${name} credential in the trigger to confirm its calls`;
			refusal ??= { status: 401, why };
			continue;
		}
		if (provider.adapter.callback!.signature) {
			return await checkSigned(fn, provider, claimed, headers, trigger, masker);
		}
		const snapshot = await readTask(fn, provider, claimed.taskId, trigger);
		// Another provider of the same shape may know the task; a busy one is asked again later.
		if (!('taskId' in snapshot) && snapshot.alert) {
			const name = provider.adapter.displayName;
			alert ??= { refusal: snapshot, taskId: claimed.taskId, provider: name };
			continue;
		}
		if (!('taskId' in snapshot) && snapshot.status === 403) refusal = snapshot;
		if (!('taskId' in snapshot) && snapshot.status === 403) continue;
		if (!('taskId' in snapshot)) return refuse(fn, snapshot.status, snapshot.why);
		const now = currentClock().now();
		if (snapshot.createdAt !== undefined && now - snapshot.createdAt > STALE_MS) {
			return notStarted(fn, { stale: true });
		}
		const { apiBaseUrl } = await confirmer(fn, provider, trigger);
		return { provider, snapshot, apiBaseUrl };
	}
	if (alert) return refuseWith(fn, alert.refusal, alert.taskId, alert.provider);
	return refusal ? refuse(fn, refusal.status, refusal.why) : refuse(fn, 400);
}
