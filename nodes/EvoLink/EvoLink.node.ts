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
import { evoLink } from './EvoLink.provider';

export class EvoLink implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'GPT Image (EvoLink)',
		name: 'evoLink',
		icon: { light: 'file:../../icons/evolink.svg', dark: 'file:../../icons/evolink.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: IMAGE_NODE_SUBTITLE,
		description: imageNodeText(evoLink),
		defaults: { name: 'GPT Image (EvoLink)' },
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		usableAsTool: true,
		credentials: [{ name: 'evoLinkApi', required: true, testedBy: 'evoLinkApiTest' }],
		properties: imageNodeProperties(evoLink),
	};

	methods = { credentialTest: credentialTests([evoLink]) };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runImageNode.call(this, evoLink);
	}
}
