import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { promptLengthHint, SUBMIT_OPERATIONS } from '../../descriptions/common';
import type { ProviderDefinition } from '../../provider';
import type { FieldProblem, ModelInfo } from '../../types';
import type { OperationContext } from '../context';
import { MAX_IMAGES_PER_ITEM, MAX_INPUT_IMAGES } from '../../validation';

/**
 * The fields Generate and Edit share: builders of their descriptions (each operation module picks
 * the ones it shows and restricts them to itself with `forOperation`), and the reading and checking
 * of the provider's own fields' values.
 */

/** What an AI Agent is told the prompt is, when it fills it in. */
export const TOOL_PROMPT_HINT =
	'What the image should show, in detail (subject, style, light, composition); for an edit, what to change';

/**
 * Prompt: one field per prompt limit, so its hint states the limit of the model selected; as an
 * AI Agent tool, one field the agent fills in by default (n8n's `@tool`), so the node shows no
 * "required" issue before the user has done anything.
 */
function promptFields({ adapter }: ProviderDefinition): INodeProperties[] {
	const base: INodeProperties = {
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		placeholder: 'e.g. A watercolor fox reading a book under a lamp, warm light',
		description: 'What the image should show, or for Edit what to change',
	};
	const key = (m: ModelInfo) => `${m.promptMaxLength}:${m.promptUnit ?? 'characters'}`;
	const groups = [...new Set(adapter.models.map(key))].map((k) =>
		adapter.models.filter((m) => key(m) === k),
	);
	return [
		...groups.map((models) => ({
			...base,
			hint: promptLengthHint(models),
			displayOptions: {
				show: { model: models.map((m) => m.value) },
				hide: { '@tool': [true] },
			},
		})),
		{
			...base,
			required: false,
			default: `={{ $fromAI('prompt', '${TOOL_PROMPT_HINT}', 'string') }}`,
			hint: `The agent writes the prompt: ${promptLengthHint(adapter.models).replace(/^Up/, 'up')}`,
			displayOptions: { show: { '@tool': [true] } },
		},
	];
}

export function promptAndModel(provider: ProviderDefinition): INodeProperties[] {
	const { fields } = provider;
	return [
		...promptFields(provider),
		{
			displayName: 'Model',
			name: 'model',
			type: 'options',
			options: fields.models,
			// Every provider offers gpt-image-1.5, the default everywhere.
			default: 'gpt-image-1.5',
			description: 'The GPT Image model; the fields below change with it',
		},
	];
}

export function inputImages({ adapter }: ProviderDefinition): INodeProperties[] {
	const properties: INodeProperties[] = [
		{
			displayName: 'Image URLs',
			name: 'imageUrls',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			placeholder: 'e.g. https://example.com/photo.png',
			description:
				'Public links to the images to edit, separated by commas or new lines, or an expression that returns a list',
			hint: `1-${MAX_INPUT_IMAGES} images together with Input Binary Fields, each at most ${Math.floor(adapter.inputImageLimit.maxBytes / 1048576)} MB, of type ${adapter.imageUrlExtensions.map((e) => `.${e}`).join(' ')}`,
		},
		{
			displayName: 'Input Binary Fields',
			name: 'binaryFields',
			type: 'string',
			default: '',
			placeholder: 'e.g. data, photo2',
			description:
				'Binary fields of the input item that hold images to edit, separated by commas; they are uploaded to the provider first',
			hint: 'The name of the field (like data), not the file itself',
		},
	];
	if (adapter.mask) {
		const show = { model: adapter.mask.models };
		properties.push(
			{
				displayName: 'Mask URL',
				name: 'maskUrl',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://example.com/mask.png',
				description:
					'A PNG with an alpha channel, the same size as the first image; its transparent pixels mark the part to change',
				displayOptions: { show },
			},
			{
				displayName: 'Mask Binary Field',
				name: 'maskBinaryField',
				type: 'string',
				default: '',
				placeholder: 'e.g. mask',
				description: 'A binary field of the input item holding the mask PNG, instead of Mask URL',
				displayOptions: { show },
			},
		);
	}
	return properties;
}

/** One Number of Images per billing rule (same name, shown by model), so its hint fits the model chosen. */
function numberOfImages({ adapter, fields }: ProviderDefinition): INodeProperties[] {
	const field = (hint: string, show: Record<string, string[]>): INodeProperties => ({
		displayName: 'Number of Images',
		name: 'numberOfImages',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_IMAGES_PER_ITEM },
		default: 1,
		hint,
		displayOptions: { show: { operation: SUBMIT_OPERATIONS, ...show } },
	});
	const single = adapter.models.filter((m) => m.maxImagesPerTask === 1).map((m) => m.value);
	const batch = adapter.models.filter((m) => m.maxImagesPerTask > 1).map((m) => m.value);
	const perTask = (model: string) =>
		`${model} makes one image per task, so each image is a separately billed task`;
	return [
		...single.map((model) => field(perTask(model), { model: [model] })),
		...(batch.length > 0
			? [field(fields.imageCountHint, single.length > 0 ? { model: batch } : {})]
			: []),
	];
}

/** Number of Images, Completion and the callback fields, after the model's own fields. */
export function countAndCompletion(provider: ProviderDefinition): INodeProperties[] {
	return [
		...numberOfImages(provider),
		{
			displayName: 'Completion',
			name: 'completion',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Wait for Images',
					value: 'wait',
					description: 'Wait until the images are ready and return them',
				},
				{
					name: 'Return Task IDs',
					value: 'submit',
					description:
						'Return one item per task at once; collect the images later with Wait for Task',
				},
				{
					name: 'Callback to a Trigger',
					value: 'callback',
					description:
						'Return task IDs at once; the provider calls a GPT Image Callback Trigger when the images are ready',
				},
			],
			default: 'wait',
		},
		...provider.fields.callbackFields.map((field) => ({
			...field,
			displayOptions: { show: { completion: ['callback'] } },
		})),
	];
}

/** The provider's own top-level fields (hidden ones read as null and are skipped). */
function providerFields(ctx: Pick<OperationContext, 'fields' | 'fn'>) {
	return [...ctx.fields.modelFields, ...ctx.fields.callbackFields];
}

export function readProviderOptions(
	ctx: Pick<OperationContext, 'fields' | 'fn'>,
	itemIndex: number,
): IDataObject {
	const values: IDataObject = {};
	for (const field of providerFields(ctx)) {
		const value = ctx.fn.getNodeParameter(field.name, itemIndex, null) as unknown;
		if (value !== null && value !== '') values[field.name] = value as IDataObject[string];
	}
	return values;
}

/** A value set by an expression must still be one the field offers for this model. */
export function optionProblem(
	ctx: Pick<OperationContext, 'fields' | 'fn'>,
	values: IDataObject,
	modelName: string,
): FieldProblem | undefined {
	for (const field of providerFields(ctx)) {
		if (field.type !== 'options' && field.type !== 'multiOptions') continue;
		const value = values[field.name];
		if (value === undefined) continue;
		const allowed = (field.options ?? []).map((o) => ('value' in o ? o.value : undefined));
		const given =
			field.type === 'multiOptions' && Array.isArray(value) ? (value as unknown[]) : [value];
		const bad = given.find((v) => !allowed.includes(v as string));
		if (bad !== undefined) {
			return {
				field: field.displayName,
				message: `"${String(bad)}" is not offered by ${modelName}`,
				fix: `Choose one of ${allowed.join(', ')}`,
			};
		}
	}
	return undefined;
}
