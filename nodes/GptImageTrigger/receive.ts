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
} from './callbacks';

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

/** Downloads a completed task's images into the item, one binary field per image. */
async function attachImages(
	fn: IWebhookFunctions,
	provider: ProviderDefinition,
	snapshot: TaskSnapshot,
	item: INodeExecutionData,
	property: string,
) {
	const clock = currentClock();
	const client = new TaskClient(fn, provider.adapter, { api: '', files: '' }, clock);
	const limits = { itemIndex: 0, timeoutMs: 60000, deadline: clock.now() + 300000 };
	const bounds = { maxBytes: 64 * 1048576, timeoutMs: 120000 };
	item.binary = {};
	for (const [n, url] of snapshot.imageUrls.entries()) {
		const { binary } = await client.download(url, `${snapshot.taskId}-${n + 1}`, bounds, limits);
		item.binary[n === 0 ? property : `${property}_${n + 1}`] = binary;
	}
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
	const deliveryKey = `${snapshot.taskId}:${snapshot.status}:${finished ? '' : String(snapshot.progress ?? '')}`;
	if (!rememberDelivery(this.getWorkflowStaticData('node'), deliveryKey, currentClock().now())) {
		return reply(this, 200, { received: true, started: false, duplicate: true });
	}

	const item: INodeExecutionData = {
		json: itemJson(provider, snapshot, (body as IDataObject).event),
	};
	if (options.downloadImages && snapshot.status === 'completed') {
		await attachImages(
			this,
			provider,
			snapshot,
			item,
			String(options.binaryPropertyName || 'data'),
		);
	}
	return { workflowData: [[item]] };
}
