import type { IDataObject, INodeExecutionData, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { ResponseShapeError } from '../shared/schema';
import { TaskClient } from '../shared/taskClient';
import { FINISHED_STATUSES } from '../shared/types';
import type { TaskSnapshot } from '../shared/types';
import {
	CALLBACK_ADAPTERS,
	checkApiframeSignature,
	checkSharedSecret,
	detectFamily,
	readCallback,
	rememberDelivery,
} from './callbacks';
import type { CallbackProvider } from './callbacks';

/** Answers the HTTP call itself and starts no workflow run. */
function reply(fn: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	fn.getResponseObject().status(status).json(body);
	return { noWebhookResponse: true };
}

async function apiframeKey(fn: IWebhookFunctions): Promise<string | undefined> {
	const declared = fn.getNode().credentials?.apiframeApi;
	if (!declared) return undefined;
	const credentials = await fn.getCredentials<IDataObject>('apiframeApi');
	return typeof credentials.apiKey === 'string' ? credentials.apiKey : undefined;
}

function itemJson(provider: CallbackProvider, snapshot: TaskSnapshot, event: unknown): IDataObject {
	const json: IDataObject = {
		provider: CALLBACK_ADAPTERS[provider].displayName,
		model: snapshot.model ?? null,
		taskId: snapshot.taskId,
		status: snapshot.status,
		imageUrls: snapshot.imageUrls,
		imageUrl: snapshot.imageUrls[0] ?? null,
		...(snapshot.cost ?? {}),
	};
	if (snapshot.progress !== undefined) json.progress = snapshot.progress;
	if (snapshot.error) json.error = { code: snapshot.error.code ?? null, message: snapshot.error.message };
	if (typeof event === 'string') json.event = event;
	return json;
}

/** Downloads a completed task's images into the item, one binary field per image. */
async function attachImages(fn: IWebhookFunctions, provider: CallbackProvider, snapshot: TaskSnapshot, item: INodeExecutionData, property: string) {
	const client = new TaskClient(fn, CALLBACK_ADAPTERS[provider], { api: '', files: '' });
	const limits = { itemIndex: 0, timeoutMs: 60000, deadline: Date.now() + 300000 };
	item.binary = {};
	for (const [n, url] of snapshot.imageUrls.entries()) {
		const { binary } = await client.download(url, `${snapshot.taskId}-${n + 1}`, { maxBytes: 64 * 1048576, timeoutMs: 120000 }, limits);
		item.binary[n === 0 ? property : `${property}_${n + 1}`] = binary;
	}
}

/**
 * One provider callback: authenticate it, read the task state, drop repeats, and start one
 * workflow run with one item for the task.
 */
export async function receiveCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const chosen = this.getNodeParameter('provider', 'auto') as 'auto' | CallbackProvider;
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const body = this.getBodyData();
	const headers = this.getHeaderData() as IDataObject;
	const family = detectFamily(body, headers);
	if (!family) return reply(this, 400, { error: 'Not a StarMagic, EvoLink or Apiframe task callback' });

	let provider: CallbackProvider;
	if (family === 'apiframe') {
		if (chosen !== 'auto' && chosen !== 'apiframe') return reply(this, 400, { error: `This trigger accepts ${chosen} callbacks only` });
		const key = await apiframeKey(this);
		if (!key) return reply(this, 401, { error: 'Select an Apiframe credential in the trigger to verify Apiframe callbacks' });
		const raw = (this.getRequestObject() as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.from(JSON.stringify(body));
		if (!checkApiframeSignature(raw, headers['x-webhook-signature'], key)) return reply(this, 401, { error: 'Invalid or missing X-Webhook-Signature' });
		provider = 'apiframe';
	} else {
		if (chosen === 'apiframe') return reply(this, 400, { error: 'This trigger accepts apiframe callbacks only' });
		if (!checkSharedSecret(this.getQueryData() as IDataObject, String(this.getNodeParameter('sharedSecret', '')))) {
			return reply(this, 401, { error: 'Missing or wrong secret in the callback URL' });
		}
		// Both post the same task object; without a choice it is reported as EvoLink's format.
		provider = chosen === 'auto' ? 'evoLink' : chosen;
	}

	let snapshot: TaskSnapshot;
	try {
		snapshot = readCallback(provider, body);
	} catch (error) {
		const message = error instanceof ResponseShapeError ? error.message : 'Unreadable callback body';
		return reply(this, 400, { error: message });
	}
	const finished = FINISHED_STATUSES.includes(snapshot.status);
	if (!finished && !options.includeProgress) return reply(this, 200, { received: true, started: false });
	if (snapshot.status !== 'completed' && finished && options.includeFailed === false) return reply(this, 200, { received: true, started: false });
	const deliveryKey = `${snapshot.taskId}:${snapshot.status}:${finished ? '' : String(snapshot.progress ?? '')}`;
	if (!rememberDelivery(this.getWorkflowStaticData('node'), deliveryKey, Date.now())) {
		return reply(this, 200, { received: true, started: false, duplicate: true });
	}

	const item: INodeExecutionData = { json: itemJson(provider, snapshot, (body as IDataObject).event) };
	if (options.downloadImages && snapshot.status === 'completed') {
		await attachImages(this, provider, snapshot, item, String(options.binaryPropertyName || 'data'));
	}
	return { workflowData: [[item]] };
}
