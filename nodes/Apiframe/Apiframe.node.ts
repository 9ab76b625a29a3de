import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { imageNodeProperties } from '../shared/actions/index';
import { MAIN_CONNECTION } from '../shared/connections';
import { credentialTests } from '../shared/credentialTest';
import { IMAGE_NODE_SUBTITLE } from '../shared/descriptions/common';
import { imageNodeText } from '../shared/descriptions/models';
import { runImageNode } from '../shared/router';
import { apiframe } from './Apiframe.provider';

export class Apiframe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'GPT Image (Apiframe)',
		name: 'apiframe',
		icon: { light: 'file:../../icons/apiframe.svg', dark: 'file:../../icons/apiframe.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: IMAGE_NODE_SUBTITLE,
		description: imageNodeText(apiframe),
		defaults: { name: 'GPT Image (Apiframe)' },
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		usableAsTool: true,
		credentials: [{ name: 'apiframeApi', required: true, testedBy: 'apiframeApiTest' }],
		properties: imageNodeProperties(apiframe),
	};

	methods = { credentialTest: credentialTests([apiframe]) };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runImageNode.call(this, apiframe);
	}
}
