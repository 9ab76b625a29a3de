import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { agentTool, IMAGE_NODE_SUBTITLE, imageNodeProperties } from '../shared/descriptions/common';
import { runImageNode } from '../shared/router';
import { apiframeAdapter } from './Apiframe.adapter';
import { apiframeFields } from './Apiframe.descriptions';

const fields = apiframeFields;

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
		properties: imageNodeProperties(fields),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runImageNode.call(this, apiframeAdapter, fields);
	}
}
