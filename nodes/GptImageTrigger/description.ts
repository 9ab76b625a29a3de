import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

import { binaryPropertyOption, optionsCollection } from '../shared/descriptions/common';
import { CALLBACK_PROVIDERS, countWord, namesOf } from './callbacks';

const signed = CALLBACK_PROVIDERS.filter((p) => p.adapter.callback!.signature !== undefined);
const unsigned = CALLBACK_PROVIDERS.filter((p) => p.adapter.callback!.signature === undefined);

/** A signing provider's credential verifies its callbacks; shown for Detect and that provider. */
export function triggerCredentials(): INodeCredentialDescription[] {
	return signed.map((p) => ({
		name: p.adapter.credentialType,
		required: false,
		displayOptions: { show: { provider: ['auto', p.key] } },
	}));
}

export function describeCallback(): INodeProperties[] {
	return [
		{
			displayName: `Put this node's Production URL into the Callback URL of a ${namesOf(CALLBACK_PROVIDERS, 'or')} node (Completion: Callback to a Trigger). Activate this workflow first; the providers only call public HTTPS URLs.`,
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Provider',
			name: 'provider',
			type: 'options',
			options: [
				{
					name: 'Detect From the Call',
					value: 'auto',
					description: `Accept calls from any of the ${countWord(CALLBACK_PROVIDERS.length)} providers`,
				},
				...CALLBACK_PROVIDERS.map((p) => ({ name: p.adapter.displayName, value: p.key })),
			],
			default: 'auto',
			description:
				'Which provider calls this URL. Apiframe calls are verified with the selected Apiframe credential.',
		},
		{
			displayName: 'Shared Secret',
			name: 'sharedSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: `${namesOf(unsigned, 'and')} sign nothing. Set a secret and add ?secret=the-same-value to the callback URL: calls without it are refused with 401. The secret travels in the URL, so keep that URL private.`,
			displayOptions: { show: { provider: ['auto', ...unsigned.map((p) => p.key)] } },
		},
		optionsCollection([
			binaryPropertyOption(
				'Field for the first image; further images go to data_2, data_3, and so on',
			),
			{
				displayName: 'Download Images',
				name: 'downloadImages',
				type: 'boolean',
				default: false,
				description:
					'Whether to download the images as binary before starting the workflow (the provider waits up to 10 s for the answer)',
			},
			{
				displayName: 'Include Failed Tasks',
				name: 'includeFailed',
				type: 'boolean',
				default: true,
				description:
					'Whether failed tasks start the workflow too (with their error code and message)',
			},
			{
				displayName: 'Include Progress Events',
				name: 'includeProgress',
				type: 'boolean',
				default: false,
				description: 'Whether Apiframe progress events start the workflow too',
			},
		]),
	];
}
