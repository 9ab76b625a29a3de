import type { IAuthenticateGeneric, Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

export class EvoLinkApi implements ICredentialType {
	name = 'evoLinkApi';

	displayName = 'EvoLink API';

	icon: Icon = { light: 'file:../icons/evolink.svg', dark: 'file:../icons/evolink.dark.svg' };

	documentationUrl = 'https://docs.evolink.ai/en/quickstart';

	/** Where a user creates a key; shown as a link at the top of the form. */
	static readonly keyPageUrl = 'https://evolink.ai/dashboard/keys';

	properties: INodeProperties[] = [
		{
			displayName: `Get your API key from <a href="${EvoLinkApi.keyPageUrl}" target="_blank">${EvoLinkApi.keyPageUrl.replace('https://', '')}</a>`,
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
			description: 'Create a key in the EvoLink dashboard (it starts with sk-)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.evolink.ai',
			description: 'Change only to go through a gateway or proxy',
		},
		{
			displayName: 'File Upload URL',
			name: 'fileBaseUrl',
			type: 'string',
			default: 'https://files-api.evolink.ai',
			description: "EvoLink's file host, used to upload binary input images for Edit",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	};

	// No declarative `test`: n8n would run it instead of the nodes' `testedBy` function
	// (nodes/shared/credentialTest.ts), which says what to check when the key or URL is wrong.
}
