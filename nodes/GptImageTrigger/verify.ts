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

/**
 * Who sent a callback, and what it may start a run with. A callback arrives on a public URL,
 * so its body is believed only as far as it is verified:
 * - "provider": an unsigned provider's task is read from its API with the selected credential,
 *   and only the API's answer is used (an unknown task ID starts nothing); a signing provider's
 *   body is used once its signature, made with the credential's key, checks out;
 * - "secret": the secret in the URL path is all that is checked (n8n routes only that path here);
 * - "none": nothing is checked.
 * In every mode the task ID must have the provider's form and image URLs are capped at 10.
 */

export type Verification = 'provider' | 'secret' | 'none';

export interface Verified {
	provider: ProviderDefinition;
	snapshot: TaskSnapshot;
	/** The API address the provider was confirmed at (result URLs may share its scheme and host). */
	apiBaseUrl: string;
}

/** The time an API confirmation may take; the downloads get the rest of the provider's 10 s. */
export const CONFIRM_BUDGET_MS = 4000;

export function reply(
	fn: IWebhookFunctions,
	status: number,
	body: IDataObject,
): IWebhookResponseData {
	fn.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

function selected(fn: IWebhookFunctions, provider: ProviderDefinition): boolean {
	return Boolean(fn.getNode().credentials?.[provider.adapter.credentialType]);
}

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

/** Asks the provider's API about the task; the answer replaces what the call said. */
async function confirm(
	fn: IWebhookFunctions,
	provider: ProviderDefinition,
	claimed: TaskSnapshot,
): Promise<Verified | { status: number; error: string }> {
	const { adapter } = provider;
	const credentials = await fn.getCredentials<IDataObject>(adapter.credentialType);
	const urls = adapter.baseUrls(credentials);
	const clock = currentClock();
	const client = new TaskClient(fn, adapter, urls, clock, secretsOf(credentials));
	const limits = {
		itemIndex: 0,
		timeoutMs: CONFIRM_BUDGET_MS,
		deadline: clock.now() + CONFIRM_BUDGET_MS,
	};
	try {
		const snapshot = await client.status(claimed.taskId, limits);
		return {
			provider,
			snapshot: { ...snapshot, imageUrls: cappedImageUrls(snapshot.imageUrls) },
			apiBaseUrl: urls.api,
		};
	} catch (error) {
		const code = error instanceof NodeApiError ? Number(error.httpCode) : NaN;
		if (code === 400 || code === 404) {
			return {
				status: 403,
				error: `${adapter.displayName} does not know task ${claimed.taskId}: nothing was started`,
			};
		}
		// The provider is busy or unreachable: ask the caller to deliver again.
		return {
			status: 503,
			error: `Could not confirm task ${claimed.taskId} with ${adapter.displayName} (${(error as Error).message}); deliver again`,
		};
	}
}

/** Verifies a call in the chosen mode; returns what may start a run, or the reply to send. */
export async function verifyCallback(
	fn: IWebhookFunctions,
	body: unknown,
	headers: IDataObject,
): Promise<Verified | IWebhookResponseData> {
	const chosen = fn.getNodeParameter('provider', 'auto') as string;
	const mode = fn.getNodeParameter('verification', 'provider') as Verification;
	const allowed =
		chosen === 'auto' ? CALLBACK_PROVIDERS : CALLBACK_PROVIDERS.filter((p) => p.key === chosen);
	const candidates = matchingProviders(body, headers, allowed);
	if (candidates.length === 0) {
		const other = matchingProviders(body, headers).length > 0;
		return reply(fn, 400, {
			error: other
				? `This trigger accepts ${chosen} callbacks only`
				: 'Not a task callback this trigger knows',
		});
	}
	if (mode === 'secret' && String(fn.getNodeParameter('sharedSecret', '')) === '') {
		return reply(fn, 401, {
			error: 'Set a Shared Secret in the trigger (Verification: Shared Secret Only)',
		});
	}
	const refusals: string[] = [];
	const masker = new Masker().with([String(fn.getNodeParameter('sharedSecret', '') ?? '')]);
	for (const provider of candidates) {
		const claimed = readBody(provider, body as IDataObject, masker);
		if (!claimed) {
			refusals.push(`not a valid ${provider.adapter.displayName} callback`);
			continue;
		}
		if (mode !== 'provider') return { provider, snapshot: claimed, apiBaseUrl: '' };
		const name = provider.adapter.displayName;
		if (!selected(fn, provider)) {
			refusals.push(`select a ${name} credential in the trigger to confirm ${name} callbacks`);
			continue;
		}
		const signature = provider.adapter.callback!.signature;
		if (signature) {
			const credentials = await fn.getCredentials<IDataObject>(provider.adapter.credentialType);
			const raw =
				(fn.getRequestObject() as unknown as { rawBody?: Buffer }).rawBody ??
				Buffer.from(JSON.stringify(body));
			if (!signature.verify(raw, headers[signature.header], String(credentials.apiKey ?? ''))) {
				return reply(fn, 401, { error: `Invalid or missing ${signature.header}` });
			}
			return {
				provider,
				snapshot: admitSnapshot(provider.adapter, claimed, masker.with(secretsOf(credentials))),
				apiBaseUrl: provider.adapter.baseUrls(credentials).api,
			};
		}
		const confirmed = await confirm(fn, provider, claimed);
		if ('provider' in confirmed) return confirmed;
		if (confirmed.status === 503) return reply(fn, 503, { error: confirmed.error });
		refusals.push(confirmed.error);
	}
	const invalid = refusals.every((r) => r.startsWith('not a valid'));
	const status = refusals.some((r) => r.startsWith('select')) ? 401 : invalid ? 400 : 403;
	return reply(fn, status, { error: refusals.join('; ') });
}
