import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { SUBMIT_OPERATIONS } from '../descriptions/common';
import type { ProviderFields } from '../descriptions/common';
import type { ModelInfo } from '../types';

const RATIOS = [
	'1:1',
	'1:2',
	'2:1',
	'1:3',
	'3:1',
	'2:3',
	'3:2',
	'3:4',
	'4:3',
	'4:5',
	'5:4',
	'9:16',
	'16:9',
	'9:21',
	'21:9',
];

function forModels(models: string[], extra: Record<string, string[]> = {}) {
	return { show: { operation: SUBMIT_OPERATIONS, model: models, ...extra } };
}

function option(value: string, name = value): INodePropertyOptions {
	return { name, value };
}

const QUALITY = [option('low', 'Low'), option('medium', 'Medium'), option('high', 'High')];

/**
 * Fields of the unified task format (EvoLink, StarMagic). gpt-image-1.5 and gpt-image-1 share a
 * fixed size list; gpt-image-2 takes ratios with a resolution, auto, or custom pixels.
 */
export function unifiedTaskFields(models: ModelInfo[]): ProviderFields {
	const classic = models.filter((m) => m.value !== 'gpt-image-2').map((m) => m.value);
	const v2 = ['gpt-image-2'];
	const modelFields: INodeProperties[] = [
		{
			displayName: 'Size',
			name: 'size',
			type: 'options',
			options: ['1:1', '2:3', '3:2', '1024x1024', '1024x1536', '1536x1024'].map((s) => option(s)),
			default: '1:1',
			description: 'Aspect ratio or exact pixel size of the image',
			displayOptions: forModels(classic),
		},
		{
			displayName: 'Size',
			name: 'sizeV2',
			type: 'options',
			options: [
				option('auto', 'Auto'),
				...RATIOS.map((r) => option(r)),
				option('custom', 'Custom (Width x Height)'),
			],
			default: 'auto',
			description: 'Aspect ratio, auto (the model decides), or exact pixels',
			displayOptions: forModels(v2),
		},
		{
			displayName: 'Custom Size',
			name: 'customSize',
			type: 'string',
			default: '1536x1024',
			placeholder: 'e.g. 2048x1152',
			hint: 'Multiples of 16, each edge 16-3840, 655,360-8,294,400 pixels, at most 3:1',
			displayOptions: forModels(v2, { sizeV2: ['custom'] }),
		},
		{
			displayName: 'Resolution',
			name: 'resolution',
			type: 'options',
			options: [option('1K'), option('2K'), option('4K')],
			default: '1K',
			description: 'Output resolution for a ratio size (higher costs more)',
			displayOptions: forModels(v2, { sizeV2: RATIOS }),
		},
		{
			displayName: 'Quality',
			name: 'quality',
			type: 'options',
			options: QUALITY,
			default: 'high',
			hint: "High is the provider's default for this model; GPT Image 2 has its own Quality (default Medium)",
			displayOptions: forModels(classic),
		},
		{
			displayName: 'Quality',
			name: 'qualityV2',
			type: 'options',
			options: QUALITY,
			default: 'medium',
			hint: "Medium is the provider's default for GPT Image 2; the other models have their own Quality (default High)",
			displayOptions: forModels(v2),
		},
		{
			displayName: 'Background',
			name: 'background',
			type: 'options',
			options: [option('opaque', 'Opaque'), option('transparent', 'Transparent (Preview)')],
			default: 'opaque',
			description:
				'Transparent backgrounds are a preview feature of the provider and may be unstable',
			displayOptions: forModels(v2),
		},
	];
	return {
		models: models.map((m) => ({
			name: m.name,
			value: m.value,
			description: `Up to ${m.promptMaxLength.toLocaleString('en-US')} prompt ${m.promptUnit ?? 'characters'}, ${m.maxImagesPerTask === 1 ? 'one image per task' : `${m.maxImagesPerTask} images per task`}`,
		})),
		modelFields,
		callbackFields: [
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. https://n8n.example.com/webhook/gpt-image',
				description:
					'Where the provider posts the finished task: the Production URL of a GPT Image Callback Trigger node, or any public HTTPS endpoint',
				hint: 'Open the GPT Image Callback Trigger, set its Shared Secret first if you want one, then copy its Production URL (under Webhook URLs at the top of its panel) here. Public HTTPS only, no private or local addresses.',
			},
		],
		taskIdPlaceholder: 'e.g. task-unified-1757156493-imcg5zqt',
		imageCountHint: `Up to ${Math.max(...models.map((m) => m.maxImagesPerTask))} images in one task`,
	};
}
