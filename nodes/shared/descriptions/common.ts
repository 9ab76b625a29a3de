import type { INodeProperties, INodePropertyOptions, UsableAsToolDescription } from 'n8n-workflow';

import type { ModelInfo } from '../types';
import { MAX_IMAGES_PER_ITEM, MAX_INPUT_IMAGES } from '../validation';

/** What a provider adds to the shared node description. */
export interface ProviderFields {
	/** The Model dropdown (each provider words the option descriptions itself). */
	models: INodePropertyOptions[];
	/** The same models' facts: mask support, images per task and prompt limits drive fields and hints. */
	modelInfo: ModelInfo[];
	/** Size, quality and model extras; each carries its own displayOptions by model. */
	modelFields: INodeProperties[];
	/** Callback URL and its settings, shown for Completion = Callback (the name callbackUrl is read by the operation). */
	callbackFields: INodeProperties[];
	taskIdPlaceholder: string;
	/** Said under Number of Images: how the provider makes and bills several images. */
	imageCountHint: string;
}

/** "Up to 2,000 characters (gpt-image-2: 32,000)", from the models' limits; the common limit first. */
export function promptLengthHint(models: Array<{ value: string; promptMaxLength: number }>): string {
	const count = (limit: number) => models.filter((m) => m.promptMaxLength === limit).length;
	const limits = [...new Set(models.map((m) => m.promptMaxLength))].sort((a, b) => count(b) - count(a) || a - b);
	const chars = (n: number) => n.toLocaleString('en-US');
	const others = limits.slice(1).map((limit) => `${models.filter((m) => m.promptMaxLength === limit).map((m) => m.value).join(', ')}: ${chars(limit)}`);
	return `Up to ${chars(limits[0])} characters${others.length ? ` (${others.join('; ')})` : ''}`;
}

export const SUBMIT_OPERATIONS = ['generate', 'edit'];

export function onOperations(...operations: string[]) {
	return { show: { operation: operations } };
}

function resourceAndOperation(): INodeProperties[] {
	return [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [{ name: 'Image', value: 'image' }],
			default: 'image',
		},
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['image'] } },
			options: [
				{ name: 'Generate', value: 'generate', action: 'Generate an image', description: 'Create images from a text prompt' },
				{ name: 'Edit', value: 'edit', action: 'Edit an image', description: 'Change or combine input images with a prompt' },
				{ name: 'Wait for Task', value: 'waitForTask', action: 'Wait for a task', description: 'Wait for a task submitted earlier and return its images' },
			],
			default: 'generate',
		},
	];
}

function promptAndModel(fields: ProviderFields): INodeProperties[] {
	return [
		{
			displayName: 'Prompt',
			name: 'prompt',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			required: true,
			placeholder: 'e.g. A watercolor fox reading a book under a lamp, warm light',
			description: 'What the image should show, or for Edit what to change',
			hint: promptLengthHint(fields.modelInfo),
			displayOptions: onOperations(...SUBMIT_OPERATIONS),
		},
		{
			displayName: 'Model',
			name: 'model',
			type: 'options',
			options: fields.models,
			// Every provider offers gpt-image-1.5, the default everywhere.
			default: 'gpt-image-1.5',
			description: 'The GPT Image model; the fields below change with it',
			displayOptions: onOperations(...SUBMIT_OPERATIONS),
		},
	];
}

function inputImages(fields: ProviderFields): INodeProperties[] {
	const properties: INodeProperties[] = [
		{
			displayName: 'Image URLs',
			name: 'imageUrls',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			placeholder: 'e.g. https://example.com/photo.png',
			description: 'Public links to the images to edit, separated by commas or new lines, or an expression that returns a list',
			hint: `Together with Input Binary Fields: 1-${MAX_INPUT_IMAGES} images`,
			displayOptions: onOperations('edit'),
		},
		{
			displayName: 'Input Binary Fields',
			name: 'binaryFields',
			type: 'string',
			default: '',
			placeholder: 'e.g. data, photo2',
			description: 'Binary fields of the input item that hold images to edit, separated by commas; they are uploaded to the provider first',
			hint: 'The name of the field (like data), not the file itself',
			displayOptions: onOperations('edit'),
		},
	];
	const maskModels = fields.modelInfo.filter((m) => m.supportsMask).map((m) => m.value);
	if (maskModels.length > 0) {
		const show = { operation: ['edit'], model: maskModels };
		properties.push(
			{
				displayName: 'Mask URL',
				name: 'maskUrl',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://example.com/mask.png',
				description: 'A PNG with an alpha channel, the same size as the first image; its transparent pixels mark the part to change',
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
function numberOfImages(fields: ProviderFields): INodeProperties[] {
	const field = (hint: string, show: Record<string, string[]>): INodeProperties => ({
		displayName: 'Number of Images',
		name: 'numberOfImages',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_IMAGES_PER_ITEM },
		default: 1,
		hint,
		displayOptions: { show: { operation: SUBMIT_OPERATIONS, ...show } },
	});
	const single = fields.modelInfo.filter((m) => m.maxImagesPerTask === 1).map((m) => m.value);
	const batch = fields.modelInfo.filter((m) => m.maxImagesPerTask > 1).map((m) => m.value);
	return [
		...single.map((model) => field(`${model} makes one image per task, so each image is a separately billed task`, { model: [model] })),
		...(batch.length > 0 ? [field(fields.imageCountHint, single.length > 0 ? { model: batch } : {})] : []),
	];
}

function countAndWaiting(fields: ProviderFields): INodeProperties[] {
	return [
		...numberOfImages(fields),
		{
			displayName: 'Completion',
			name: 'completion',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Wait for Images', value: 'wait', description: 'Wait until the images are ready and return them' },
				{ name: 'Return Task IDs', value: 'submit', description: 'Return one item per task at once; collect the images later with Wait for Task' },
				{ name: 'Callback to a Trigger', value: 'callback', description: 'Return task IDs at once; the provider calls a GPT Image Trigger when the images are ready' },
			],
			default: 'wait',
			displayOptions: onOperations(...SUBMIT_OPERATIONS),
		},
		...fields.callbackFields.map((field) => ({ ...field, displayOptions: { show: { operation: SUBMIT_OPERATIONS, completion: ['callback'] } } })),
		{
			displayName: 'Task ID',
			name: 'taskId',
			type: 'string',
			default: '',
			required: true,
			placeholder: fields.taskIdPlaceholder,
			description: 'The taskId that Generate or Edit returned (Completion: Return Task IDs or Callback to a Trigger), or that a callback carried',
			displayOptions: onOperations('waitForTask'),
		},
	];
}

/** An Options collection (the same shape on every node of the package). */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return { displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add Option', default: {}, options };
}

/** Where images go; the trigger adds how further images of one task are named. */
export function binaryPropertyOption(description: string): INodeProperties {
	return { displayName: 'Put Output Images in Field', name: 'binaryPropertyName', type: 'string', default: 'data', placeholder: 'e.g. data', description };
}

function imageOptions(): INodeProperties {
	return optionsCollection([
		binaryPropertyOption('The binary field each image goes into (one item per image)'),
		{
			displayName: 'Download Timeout (Seconds)',
			name: 'downloadTimeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 300,
			description: 'Longest time one result download may take; a stalled or endless download fails its item',
		},
		{
			displayName: 'Max Concurrent Tasks',
			name: 'maxConcurrentTasks',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: 50,
			description: 'How many tasks of this node run at the same time across all items; lower it if the provider answers 429 (rate limit)',
		},
		{
			displayName: 'Max Download Size (MB)',
			name: 'maxDownloadMb',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 64,
			description: 'A result image larger than this fails its item instead of filling memory or disk',
		},
		{
			displayName: 'Max Wait (Seconds)',
			name: 'maxWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 900,
			description: 'How long to wait for a task before failing with its task ID (it may still finish; use Wait for Task later)',
		},
		{
			displayName: 'Output Images As',
			name: 'output',
			type: 'options',
			options: [
				{ name: 'Binary Files', value: 'binary', description: 'Download each image into a binary field' },
				{ name: 'URLs Only', value: 'url', description: 'Return the provider\'s image URLs (they expire after about 24 hours)' },
			],
			default: 'binary',
			description: 'As an AI Agent tool the node returns URLs unless this is set, since an agent cannot read binary files',
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollIntervalSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description: 'Seconds between status checks of a task; 0 picks the interval from the provider\'s progress and estimate (at most one check per second)',
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'requestTimeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 60,
			description: 'How long one HTTP request to the provider may take',
		},
	]);
}

/** The whole property list of a provider node, in the order the editor shows it. */
export function imageNodeProperties(fields: ProviderFields): INodeProperties[] {
	return [
		...resourceAndOperation(),
		...promptAndModel(fields),
		...inputImages(fields),
		...fields.modelFields,
		...countAndWaiting(fields),
		imageOptions(),
	];
}

const OPERATION_TITLES = '{"generate":"Generate","edit":"Edit","waitForTask":"Wait for Task"}';

/** Under the node on the canvas: "Generate: gpt-image-1.5", or "Wait for Task" alone. */
export const IMAGE_NODE_SUBTITLE = `={{${OPERATION_TITLES}[$parameter["operation"]] + ($parameter["operation"] === "waitForTask" ? "" : ": " + $parameter["model"])}}`;

/**
 * The node as an AI Agent tool. The replaced description is the default text of the tool's
 * Description when the user sets it manually (Set Automatically reads the operation's action).
 */
export function agentTool(provider: string): UsableAsToolDescription {
	return {
		replacements: {
			description: `Creates an image with OpenAI GPT Image (through ${provider}) from a text prompt, or edits images given as public URLs, and returns the image URLs (valid for about 24 hours)`,
		},
	};
}
