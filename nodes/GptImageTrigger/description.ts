import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

import { credentialTestName } from '../shared/credentialTest';
import { binaryPropertyOption, optionsCollection } from '../shared/descriptions/common';
import type { ProviderDefinition } from '../shared/provider';
import { CALLBACK_PROVIDERS, countWord, namesOf } from './callbacks';

/** Under the node on the canvas: "from EvoLink", or "from any provider". */
export const TRIGGER_SUBTITLE = `={{"from " + (${JSON.stringify(
	Object.fromEntries([
		['auto', 'any provider'],
		...CALLBACK_PROVIDERS.map((p) => [p.key, p.adapter.displayName]),
	]),
)}[$parameter["provider"]] || $parameter["provider"])}}`;

/** A secret that is already fit for a URL path goes into it as it is (the URLs of 0.1.0 stay). */
export const URL_SAFE_SECRET = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The trigger's webhook path: with a shared secret, the secret (or, for a secret with other
 * characters or fewer than 16 of them, the first 40 hex digits of its SHA-256) is part of the
 * Production URL the editor shows, so any secret a person types works, and pasting that URL into
 * the submitting node is all it takes.
 */
export const WEBHOOK_PATH = `={{ $parameter["verification"] !== "none" && $parameter["sharedSecret"] ? "gpt-image/" + (${URL_SAFE_SECRET.toString()}.test($parameter["sharedSecret"]) ? $parameter["sharedSecret"] : String($parameter["sharedSecret"]).hash("sha256").slice(0, 40)) : "gpt-image" }}`;

/**
 * Each provider's credential confirms its callbacks: StarMagic and EvoLink callbacks are checked
 * by reading the task from the provider's API, Apiframe callbacks by their signature. Shown only
 * for Detect and that provider, and only when callbacks are confirmed with the provider.
 */
export function triggerCredentials(): INodeCredentialDescription[] {
	return CALLBACK_PROVIDERS.map((p) => ({
		name: p.adapter.credentialType,
		required: false,
		// n8n tests a credential with the first node that lists it with testedBy: all of ours do.
		testedBy: credentialTestName(p),
		// Shown for Detect and for this provider. Written as "hide the others" on purpose: when every
		// value of an options field appears in the credentials' `show` rules, n8n's editor takes that
		// field for the node's authentication selector, hides it and resets it when a credential is
		// picked (the Provider field vanished and fell back to Detect).
		displayOptions: {
			show: { verification: ['provider'] },
			hide: { provider: CALLBACK_PROVIDERS.filter((o) => o.key !== p.key).map((o) => o.key) },
		},
	}));
}

/** How the chosen providers' calls are confirmed, for the providers a Provider value accepts. */
function howFor(providers: readonly ProviderDefinition[]): string {
	const unsigned = providers.filter((p) => p.adapter.callback!.signature === undefined);
	const signed = providers.filter((p) => p.adapter.callback!.signature !== undefined);
	return [
		unsigned.length > 0
			? `${namesOf(unsigned, 'and')} callbacks are confirmed by reading the task from the provider's API`
			: '',
		signed.length > 0 ? `${namesOf(signed, 'and')} callbacks by their signature` : '',
	]
		.filter(Boolean)
		.join('; ');
}

const how = howFor(CALLBACK_PROVIDERS);

/** One notice per Provider value, naming only the providers that value accepts. */
function credentialNotices(): INodeProperties[] {
	const choices: Array<[string, readonly ProviderDefinition[]]> = [
		['auto', CALLBACK_PROVIDERS],
		...CALLBACK_PROVIDERS.map((p) => [p.key, [p]] as [string, readonly ProviderDefinition[]]),
	];
	return choices.map(([value, providers]) => ({
		displayName: `The ${namesOf(providers, 'and')} credential${providers.length > 1 ? 's' : ''} above ${providers.length > 1 ? 'are' : 'is'} used only to confirm callbacks: ${howFor(providers)}. Nothing is submitted or billed. A call from a provider without a selected credential is refused.`,
		name: `credentialNotice_${value}`,
		type: 'notice' as const,
		default: '',
		displayOptions: { show: { verification: ['provider'], provider: [value] } },
	}));
}

export function describeCallback(): INodeProperties[] {
	return [
		{
			displayName: `In order: pick the Provider and the Verification, set a Shared Secret if you want one, then copy the Production URL (under Webhook URLs, above) into the Callback URL of a ${namesOf(CALLBACK_PROVIDERS, 'or')} node (Completion: Callback to a Trigger), and publish this workflow. The providers only call public HTTPS URLs. While you listen for a test event, the Test URL works the same way.`,
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
			description: 'Which provider calls this URL',
		},
		{
			displayName: 'Verification',
			name: 'verification',
			type: 'options',
			options: [
				{
					name: 'Confirm With the Provider (Recommended)',
					value: 'provider',
					description: `${how}. Uses the credentials selected above.`,
				},
				{
					name: 'Shared Secret Only',
					value: 'secret',
					description: 'Accept calls to the URL with the secret in it, and trust what they say',
				},
				{
					name: 'None (Accept Any Call)',
					value: 'none',
					description: 'Anyone who knows the URL can start this workflow with made-up task data',
				},
			],
			default: 'provider',
			description: 'How the trigger makes sure a call really comes from the provider',
		},
		...credentialNotices(),
		{
			displayName:
				'Without verification, anyone who finds this URL can start this workflow with made-up task data and images of their choice. Use it only for tests.',
			name: 'noVerificationNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { verification: ['none'] } },
		},
		{
			displayName: 'Shared Secret',
			name: 'sharedSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'e.g. 9f3c2a71b6d84e05a1c7',
			description:
				"Any text; a long random one is hard to guess. It becomes part of this node's Production and Test URLs (as it is, or scrambled when it has other characters than letters, digits, - and _ or fewer than 16 of them), so a call must know it. Set it before you copy the URL, and copy the URL again after changing it. Optional with Confirm With the Provider.",
			hint: 'Part of the URL: keep the URL private',
			displayOptions: { show: { verification: ['provider', 'secret'] } },
		},
		optionsCollection([
			binaryPropertyOption(
				'The binary field each image goes into (one item per image), with Output Images As: Binary Files',
			),
			{
				displayName: 'Output Images As',
				name: 'output',
				type: 'options',
				options: [
					{
						name: 'URLs Only',
						value: 'url',
						description: "The provider's image URLs (they expire after about 24 hours)",
					},
					{
						name: 'Binary Files',
						value: 'binary',
						description:
							'Download the images before the workflow starts (within the 10 s the provider waits)',
					},
				],
				default: 'url',
				description:
					'Whether to download the images or pass their URLs; a later node can download them too (Wait for Task with the taskId)',
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
