import type {
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { MAIN_CONNECTION } from '../shared/connections';
import { credentialTests } from '../shared/credentialTest';
import { CALLBACK_PROVIDERS, namesOf } from './callbacks';
import {
	describeCallback,
	TRIGGER_SUBTITLE,
	triggerCredentials,
	WEBHOOK_PATH,
} from './description';
import { receiveCallback } from './receive';

/**
 * Publishing a trigger that confirms callbacks with the provider but has no credential to do it
 * with fails at once, in the editor, instead of answering every call 401 later.
 */
function missingCredentials(
	fn: IHookFunctions,
): { message: string; description: string } | undefined {
	if (fn.getNodeParameter('verification', 'provider') !== 'provider') return undefined;
	const chosen = fn.getNodeParameter('provider', 'auto') as string;
	const allowed =
		chosen === 'auto' ? CALLBACK_PROVIDERS : CALLBACK_PROVIDERS.filter((p) => p.key === chosen);
	const selected = fn.getNode().credentials ?? {};
	if (allowed.some((p) => selected[p.adapter.credentialType] !== undefined)) return undefined;
	return {
		// n8n shows only the message when publishing fails: it says what to do.
		message: `Select the ${namesOf(allowed, 'or')} credential in the GPT Image Callback Trigger, or choose another Verification`,
		description:
			'With Verification: Confirm With the Provider, each call is checked with the credential of the provider that makes it; without one every call is refused (401). Select it, or choose another Verification.',
	};
}

export class GptImageTrigger implements INodeType {
	description: INodeTypeDescription = {
		// Not "GPT Image Trigger": the panel then lists the provider nodes first for "gpt image".
		displayName: 'GPT Image Callback Trigger',
		name: 'gptImageTrigger',
		icon: {
			light: 'file:../../icons/gptimage-trigger.svg',
			dark: 'file:../../icons/gptimage-trigger.dark.svg',
		},
		group: ['trigger'],
		version: 1,
		subtitle: TRIGGER_SUBTITLE,
		description: `Starts a workflow when ${namesOf(CALLBACK_PROVIDERS, 'or')} calls back with a finished image task`,
		eventTriggerDescription: `Waiting for ${namesOf(CALLBACK_PROVIDERS, 'or')} to call the Test URL`,
		activationMessage: 'The providers can now call the Production URL when a task finishes.',
		triggerPanel: {
			// Without a header n8n writes "Pull in events from GPT Image Callback", a service that does not exist.
			header: `Listen for a callback from ${namesOf(CALLBACK_PROVIDERS, 'or')}`,
			executionsHelp: {
				inactive: `This trigger has a Test URL and a Production URL. <br /><br /><b>To try it</b>, click the listen button, then run a ${namesOf(CALLBACK_PROVIDERS, 'or')} node whose Callback URL is the Test URL: the call shows up here.<br /><br /><b>To run automatically</b>, publish this workflow and put the Production URL in the Callback URL. Those runs show up in the executions list.`,
				active: `This trigger has a Test URL and a Production URL. <br /><br /><b>To try it</b>, click the listen button, then run a ${namesOf(CALLBACK_PROVIDERS, 'or')} node whose Callback URL is the Test URL: the call shows up here.<br /><br /><b>The workflow is published</b>: calls to the Production URL start runs, which show up in the <a data-key="executions">executions list</a>.`,
			},
			activationHint:
				'Once the workflow works, publish it and give the providers the Production URL: they call it when each task finishes.',
		},
		defaults: { name: 'GPT Image Callback Trigger' },
		inputs: [],
		outputs: [MAIN_CONNECTION],
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

	methods = { credentialTest: credentialTests(CALLBACK_PROVIDERS) };

	/**
	 * The providers take the callback URL with each task, so there is nothing to register at the
	 * provider. These methods keep the URL the trigger was activated with. Its memory of deliveries
	 * already turned into runs is kept across publishing again: a replay after it starts nothing.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node');
				return state.activeUrl === this.getNodeWebhookUrl('default');
			},
			async create(this: IHookFunctions): Promise<boolean> {
				const missing = missingCredentials(this);
				if (missing) throw new NodeOperationError(this.getNode(), missing.message, missing);
				const state = this.getWorkflowStaticData('node');
				state.activeUrl = this.getNodeWebhookUrl('default');
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node');
				delete state.activeUrl;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveCallback.call(this);
	}
}
