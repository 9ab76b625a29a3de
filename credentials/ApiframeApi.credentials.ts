import type { IAuthenticateGeneric, Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

export class ApiframeApi implements ICredentialType {
	name = 'apiframeApi';

	displayName = 'Apiframe API';

	icon: Icon = { light: 'file:../icons/apiframe.svg', dark: 'file:../icons/apiframe.dark.svg' };

	documentationUrl = 'https://docs-v2.apiframe.ai/docs/getting-started/authentication';

	/** Where a user creates a key; shown as a link at the top of the form. */
	static readonly keyPageUrl = 'https://console.apiframe.ai';

	properties: INodeProperties[] = [
		{
			displayName: `Get your API key from <a href="${ApiframeApi.keyPageUrl}" target="_blank">${ApiframeApi.keyPageUrl.replace('https://', '')}</a>`,
			name: 'keyPageNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'An Apiframe v2 key (it starts with afk_)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.apiframe.ai',
			description: 'Change only to go through a gateway or proxy',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { 'X-API-Key': '={{$credentials.apiKey}}' } },
	};

	// No declarative `test`: n8n would run it instead of the nodes' `testedBy` function
	// (nodes/shared/credentialTest.ts), which says what to check when the key or URL is wrong.
}
