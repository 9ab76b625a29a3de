import type { INodeProperties } from 'n8n-workflow';

import { SUBMIT_OPERATIONS } from '../shared/descriptions/common';
import type { ProviderFields } from '../shared/descriptions/common';
import { APIFRAME_MODELS } from './Apiframe.adapter';

function forModels(models: string[]) {
	return { show: { operation: SUBMIT_OPERATIONS, model: models } };
}

const BOTH = ['gpt-image-1.5', 'gpt-image-2'];

const modelFields: INodeProperties[] = [
	{
		displayName: 'Aspect Ratio',
		name: 'aspectRatio',
		type: 'options',
		options: [
			{ name: 'Square (1:1)', value: '1:1' },
			{ name: 'Landscape (3:2)', value: '3:2' },
			{ name: 'Portrait (2:3)', value: '2:3' },
		],
		default: '1:1',
		displayOptions: forModels(BOTH),
	},
	{
		displayName: 'Quality',
		name: 'quality',
		type: 'options',
		options: [
			{ name: 'Auto', value: 'auto' },
			{ name: 'Low', value: 'low' },
			{ name: 'Medium', value: 'medium' },
			{ name: 'High', value: 'high' },
		],
		default: 'auto',
		description: 'Higher quality costs more credits; auto is billed like high',
		displayOptions: forModels(BOTH),
	},
	{
		displayName: 'Output Format',
		name: 'outputFormat',
		type: 'options',
		options: [
			{ name: 'PNG', value: 'png' },
			{ name: 'JPEG', value: 'jpeg' },
			{ name: 'WebP', value: 'webp' },
		],
		default: 'png',
		description: 'File type of the result; the node always sends the format chosen here',
		displayOptions: forModels(BOTH),
	},
	{
		displayName: 'Background',
		name: 'background',
		type: 'options',
		options: [
			{ name: 'Auto', value: 'auto' },
			{ name: 'Transparent', value: 'transparent' },
			{ name: 'Opaque', value: 'opaque' },
		],
		default: 'auto',
		description: 'Transparent needs PNG or WebP output',
		displayOptions: forModels(['gpt-image-1.5']),
	},
	{
		displayName: 'Background',
		name: 'backgroundV2',
		type: 'options',
		options: [
			{ name: 'Auto', value: 'auto' },
			{ name: 'Opaque', value: 'opaque' },
		],
		default: 'auto',
		displayOptions: forModels(['gpt-image-2']),
	},
	{
		displayName: 'Input Fidelity',
		name: 'inputFidelity',
		type: 'options',
		options: [
			{ name: 'Low', value: 'low' },
			{ name: 'High', value: 'high' },
		],
		default: 'low',
		description: 'How closely an edit keeps the input images (faces, logos); high costs more',
		displayOptions: { show: { operation: ['edit'], model: ['gpt-image-1.5'] } },
	},
	{
		displayName: 'Moderation',
		name: 'moderation',
		type: 'options',
		options: [
			{ name: 'Auto', value: 'auto' },
			{ name: 'Low', value: 'low' },
		],
		default: 'auto',
		description: 'Strictness of the content filter',
		displayOptions: forModels(['gpt-image-2']),
	},
];

export const apiframeFields: ProviderFields = {
	models: APIFRAME_MODELS.map((m) => ({
		name: m.name,
		value: m.value,
		description: 'Up to 2,000 prompt characters, 10 images per job',
	})),
	modelFields,
	callbackFields: [
		{
			displayName: 'Webhook URL',
			name: 'callbackUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. https://n8n.example.com/webhook/apiframe',
			description:
				"Where Apiframe posts the job's events, signed with your API key: the Production URL of a GPT Image Callback Trigger node, or any endpoint",
			hint: 'Open the GPT Image Callback Trigger, set its Shared Secret first if you want one, then copy its Production URL (under Webhook URLs at the top of its panel) here',
		},
		{
			displayName: 'Webhook Events',
			name: 'webhookEvents',
			type: 'multiOptions',
			options: [
				{ name: 'Completed', value: 'completed' },
				{ name: 'Failed', value: 'failed' },
				{ name: 'Progress', value: 'progress' },
			],
			default: ['completed', 'failed'],
			description: 'Which events are sent to the webhook URL',
		},
	],
	taskIdPlaceholder: 'e.g. a1b2c3d4-e5f6-7890-abcd-ef1234567890',
	imageCountHint: 'Apiframe makes up to 10 images in one job, billed per image',
};
