import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { CALLBACK_PROVIDERS, namesOf } from './callbacks';
import { describeCallback, triggerCredentials } from './description';
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
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'gpt-image' },
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
