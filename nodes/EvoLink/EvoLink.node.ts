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
import { evoLink } from './EvoLink.provider';

export class EvoLink implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'EvoLink',
		name: 'evoLink',
		icon: { light: 'file:../../icons/evolink.svg', dark: 'file:../../icons/evolink.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: IMAGE_NODE_SUBTITLE,
		description: 'Generate and edit images with OpenAI GPT Image models through EvoLink',
		defaults: { name: 'EvoLink' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: agentTool('EvoLink'),
		credentials: [{ name: 'evoLinkApi', required: true }],
		properties: imageNodeProperties(evoLink),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runImageNode.call(this, evoLink);
	}
}
