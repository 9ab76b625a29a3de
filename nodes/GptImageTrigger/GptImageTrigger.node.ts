import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { CALLBACK_PROVIDERS, namesOf } from './callbacks';
import { describeCallback, SECRET_PATTERN, triggerCredentials, WEBHOOK_PATH } from './description';
import { receiveCallback } from './receive';

export class GptImageTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'GPT Image Trigger',
		name: 'gptImageTrigger',
		icon: { light: 'file:../../icons/gptimage.svg', dark: 'file:../../icons/gptimage.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"from " + $parameter["provider"]}}',
		description: `Starts a workflow when ${namesOf(CALLBACK_PROVIDERS, 'or')} finishes an image task`,
		defaults: { name: 'GPT Image Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: triggerCredentials(),
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				// A call that starts a run is answered 200 with no body. Without this, n8n answers
				// with the name of its default response setting, the text "firstEntryJson".
				responseData: 'noData',
				path: WEBHOOK_PATH,
			},
		],
		properties: describeCallback(),
	};

	/**
	 * The providers take the callback URL with each task, so there is nothing to register at the
	 * provider. These methods keep the trigger's own state: the URL it was activated with, and
	 * its memory of deliveries already turned into runs, which starts empty on each activation.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node');
				return state.activeUrl === this.getNodeWebhookUrl('default');
			},
			async create(this: IHookFunctions): Promise<boolean> {
				const secret = String(this.getNodeParameter('sharedSecret', '') ?? '');
				if (secret !== '' && !SECRET_PATTERN.test(secret)) {
					throw new NodeOperationError(
						this.getNode(),
						'Shared Secret: it goes into the URL, so it must be 16-128 letters, digits, - or _',
						{
							description: 'Choose a longer secret of those characters, or leave it empty',
						},
					);
				}
				const state = this.getWorkflowStaticData('node');
				state.activeUrl = this.getNodeWebhookUrl('default');
				state.seenDeliveries = {} as IDataObject;
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node');
				delete state.activeUrl;
				delete state.seenDeliveries;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveCallback.call(this);
	}
}
