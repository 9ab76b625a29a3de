import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { imageNodeProperties } from '../shared/actions/index';
import { agentTool, IMAGE_NODE_SUBTITLE } from '../shared/descriptions/common';
import { runImageNode } from '../shared/router';
import { apiframe } from './Apiframe.provider';

export class Apiframe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Apiframe',
		name: 'apiframe',
		icon: { light: 'file:../../icons/apiframe.svg', dark: 'file:../../icons/apiframe.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: IMAGE_NODE_SUBTITLE,
		description: 'Generate and edit images with OpenAI GPT Image models through Apiframe',
		defaults: { name: 'Apiframe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: agentTool('Apiframe'),
		credentials: [{ name: 'apiframeApi', required: true }],
		properties: imageNodeProperties(apiframe),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runImageNode.call(this, apiframe);
	}
}
