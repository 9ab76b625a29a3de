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
import { starMagic } from './StarMagic.provider';

export class StarMagic implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'GPT Image (StarMagic)',
		name: 'starMagic',
		icon: { light: 'file:../../icons/starmagic.svg', dark: 'file:../../icons/starmagic.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: IMAGE_NODE_SUBTITLE,
		description: imageNodeText(starMagic),
		defaults: { name: 'GPT Image (StarMagic)' },
		inputs: [MAIN_CONNECTION],
		outputs: [MAIN_CONNECTION],
		usableAsTool: true,
		credentials: [{ name: 'starMagicApi', required: true, testedBy: 'starMagicApiTest' }],
		properties: imageNodeProperties(starMagic),
	};

	methods = { credentialTest: credentialTests([starMagic]) };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await runImageNode.call(this, starMagic);
	}
}
