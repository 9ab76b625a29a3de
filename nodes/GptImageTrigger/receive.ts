import { createHash } from 'crypto';
import type {
	IDataObject,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { currentClock } from '../shared/clock';
import type { ProviderDefinition } from '../shared/provider';
import { ResponseShapeError } from '../shared/schema';
import { TaskClient } from '../shared/taskClient';
import { FINISHED_STATUSES } from '../shared/types';
import type { TaskSnapshot } from '../shared/types';
import {
	CALLBACK_PROVIDERS,
	checkSharedSecret,
	matchingProviders,
	namesOf,
	rememberDelivery,
	wasDelivered,
} from './callbacks';
import { handleOnce } from './deliveries';

/** Answers the HTTP call itself and starts no workflow run. */
function reply(fn: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	fn.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

async function apiKey(
	fn: IWebhookFunctions,
	provider: ProviderDefinition,
): Promise<string | undefined> {
	const type = provider.adapter.credentialType;
	if (!fn.getNode().credentials?.[type]) return undefined;
	const credentials = await fn.getCredentials<IDataObject>(type);
	return typeof credentials.apiKey === 'string' ? credentials.apiKey : undefined;
}

function itemJson(
	provider: ProviderDefinition,
	snapshot: TaskSnapshot,
	event: unknown,
): IDataObject {
	const json: IDataObject = {
		provider: provider.adapter.displayName,
		model: snapshot.model ?? null,
		taskId: snapshot.taskId,
		status: snapshot.status,
		imageUrls: snapshot.imageUrls,
		imageUrl: snapshot.imageUrls[0] ?? null,
		...(snapshot.cost ?? {}),
	};
	if (snapshot.progress !== undefined) json.progress = snapshot.progress;
	if (snapshot.error)
		json.error = { code: snapshot.error.code ?? null, message: snapshot.error.message };
	if (typeof event === 'string') json.event = event;
	return json;
}

/**
 * The providers wait about 10 s for the answer (then retry): the downloads get 8 s in all, so a
 * slow one is answered "try again" in time instead of being cut off as a lost delivery.
 */
export const DOWNLOAD_BUDGET_MS = 8000;

/** Downloads a completed task's images into the item at once, one binary field per image. */
async function attachImages(
	fn: IWebhookFunctions,
	provider: ProviderDefinition,
	snapshot: TaskSnapshot,
	item: INodeExecutionData,
	property: string,
) {
	const clock = currentClock();
	const client = new TaskClient(fn, provider.adapter, { api: '', files: '' }, clock);
	const limits = {
		itemIndex: 0,
		timeoutMs: DOWNLOAD_BUDGET_MS,
		deadline: clock.now() + DOWNLOAD_BUDGET_MS,
	};
	const bounds = { maxBytes: 64 * 1048576, timeoutMs: DOWNLOAD_BUDGET_MS };
	const images = await Promise.all(
		snapshot.imageUrls.map(
			async (url, n) => await client.download(url, `${snapshot.taskId}-${n + 1}`, bounds, limits),
		),
	);
	item.binary = {};
	images.forEach(
		({ binary }, n) => (item.binary![n === 0 ? property : `${property}_${n + 1}`] = binary),
	);
}

/** One delivered task state, the same for every retry of that delivery: a key a later node can dedupe on. */
function deliveryKeyOf(
	provider: ProviderDefinition,
	snapshot: TaskSnapshot,
	finished: boolean,
): string {
	const progress = finished ? '' : String(snapshot.progress ?? '');
	const text = `${provider.key}:${snapshot.taskId}:${snapshot.status}:${progress}`;
	return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Which provider sent the call, and whether it proved it; a reply when it did not. */
async function identify(
	fn: IWebhookFunctions,
	body: unknown,
	headers: IDataObject,
): Promise<ProviderDefinition | IWebhookResponseData> {
	const chosen = fn.getNodeParameter('provider', 'auto') as string;
	const allowed =
		chosen === 'auto' ? CALLBACK_PROVIDERS : CALLBACK_PROVIDERS.filter((p) => p.key === chosen);
	const [provider] = matchingProviders(body, headers, allowed);
	if (!provider) {
		if (matchingProviders(body, headers).length > 0) {
			return reply(fn, 400, { error: `This trigger accepts ${chosen} callbacks only` });
		}
		return reply(fn, 400, { error: `Not a ${namesOf(CALLBACK_PROVIDERS, 'or')} task callback` });
	}
	const signature = provider.adapter.callback!.signature;
	if (signature) {
		const key = await apiKey(fn, provider);
		const name = provider.adapter.displayName;
		if (!key) {
			return reply(fn, 401, {
				error: `Select an ${name} credential in the trigger to verify ${name} callbacks`,
			});
		}
		const raw =
			(fn.getRequestObject() as unknown as { rawBody?: Buffer }).rawBody ??
			Buffer.from(JSON.stringify(body));
		if (!signature.verify(raw, headers[signature.header], key)) {
			return reply(fn, 401, { error: 'Invalid or missing X-Webhook-Signature' });
		}
		return provider;
	}
	if (
		!checkSharedSecret(
			fn.getQueryData() as IDataObject,
			String(fn.getNodeParameter('sharedSecret', '')),
		)
	) {
		return reply(fn, 401, { error: 'Missing or wrong secret in the callback URL' });
	}
	return provider;
}

/**
 * One provider callback: authenticate it, read the task state, drop repeats, and start one
 * workflow run with one item for the task.
 */
export async function receiveCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const body = this.getBodyData();
	const headers = this.getHeaderData() as IDataObject;
	const provider = await identify(this, body, headers);
	if (!('adapter' in provider)) return provider;

	let snapshot: TaskSnapshot;
	try {
		snapshot = provider.adapter.callback!.read(body);
	} catch (error) {
		const message =
			error instanceof ResponseShapeError ? error.message : 'Unreadable callback body';
		return reply(this, 400, { error: message });
	}
	const finished = FINISHED_STATUSES.includes(snapshot.status);
	if (!finished && !options.includeProgress)
		return reply(this, 200, { received: true, started: false });
	if (snapshot.status !== 'completed' && finished && options.includeFailed === false) {
		return reply(this, 200, { received: true, started: false });
	}
	const deliveryKey = deliveryKeyOf(provider, snapshot, finished);
	const item: INodeExecutionData = {
		json: itemJson(provider, snapshot, (body as IDataObject).event),
	};
	item.json.deliveryKey = deliveryKey;
	const now = () => currentClock().now();
	let failure: string | undefined;
	// A delivery counts as seen only once its run's item is built: if a download fails, the
	// provider's retry tries again instead of being answered "duplicate".
	const outcome = await handleOnce(
		`${this.getWorkflow().id}:${this.getNode().id}:${deliveryKey}`,
		now,
		async () => {
			const store = this.getWorkflowStaticData('node');
			if (wasDelivered(store, deliveryKey)) return false;
			if (options.downloadImages && snapshot.status === 'completed') {
				try {
					await attachImages(
						this,
						provider,
						snapshot,
						item,
						String(options.binaryPropertyName || 'data'),
					);
				} catch (error) {
					failure = (error as Error).message;
					return false;
				}
			}
			rememberDelivery(store, deliveryKey, now());
			return true;
		},
	);
	if (outcome === 'started') return { workflowData: [[item]] };
	if (failure !== undefined) {
		return reply(this, 503, { error: `${failure}. Deliver again; no run was started.` });
	}
	return reply(this, 200, { received: true, started: false, duplicate: true });
}
