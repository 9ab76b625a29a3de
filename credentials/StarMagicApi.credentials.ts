import type { IAuthenticateGeneric, Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

export class StarMagicApi implements ICredentialType {
	name = 'starMagicApi';

	displayName = 'StarMagic API';

	icon: Icon = { light: 'file:../icons/starmagic.svg', dark: 'file:../icons/starmagic.dark.svg' };

	documentationUrl =
		'https://starmagic.ai/en/docs/model-api/image-series/gpt-image-1.5/gpt-image-1.5-image-generation';

	/** Where a user creates a key; shown as a link at the top of the form. */
	static readonly keyPageUrl = 'https://starmagic.ai/app/api-keys';

	properties: INodeProperties[] = [
		{
			displayName: `Get your API key from <a href="${StarMagicApi.keyPageUrl}" target="_blank">${StarMagicApi.keyPageUrl.replace('https://', '')}</a>`,
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
			description: "Create a key on StarMagic's API keys page",
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.starmagic.ai',
			description: 'Change only to go through a gateway or proxy',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	};

	// No declarative `test`: n8n would run it instead of the nodes' `testedBy` function
	// (nodes/shared/credentialTest.ts), which says what to check when the key or URL is wrong.
}
