import type { INodeProperties } from 'n8n-workflow';

import { binaryPropertyOption, optionsCollection } from '../descriptions/common';
import { modelList } from '../descriptions/models';
import { TOOL_MAX_IMAGES } from '../spend';
import type { ProviderDefinition } from '../provider';
import { getCredits } from './account/getCredits.operation';
import type { OperationModule } from './context';
import { edit } from './image/edit.operation';
import { generate } from './image/generate.operation';
import { waitForTask } from './image/waitForTask.operation';

/** Every operation of the provider nodes, by its `operation` value. */
export const OPERATIONS: Record<string, OperationModule> = {
	generate,
	edit,
	waitForTask,
	getCredits,
};

function resourceAndOperation({ adapter }: ProviderDefinition): INodeProperties[] {
	const account: INodeProperties[] = adapter.cost
		? [
				{
					displayName: 'Operation',
					name: 'operation',
					type: 'options',
					noDataExpression: true,
					displayOptions: { show: { resource: ['account'] } },
					options: [
						{
							name: 'Get Credits',
							value: 'getCredits',
							action: 'Get remaining credits',
							description: `Read how many ${adapter.cost.unit} are left (nothing is billed)`,
						},
					],
					default: 'getCredits',
				},
			]
		: [];
	const resources = [{ name: 'Image', value: 'image' }];
	if (adapter.cost) resources.push({ name: 'Account', value: 'account' });
	return [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: resources,
			default: 'image',
		},
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['image'] } },
			options: [
				{
					name: 'Generate',
					value: 'generate',
					action: 'Generate image',
					description: 'Create images from a text prompt',
				},
				{
					name: 'Edit',
					value: 'edit',
					action: 'Edit image',
					description: 'Change or combine input images with a prompt',
				},
				{
					name: 'Wait for Task',
					value: 'waitForTask',
					action: 'Wait for task',
					description: 'Wait for a task submitted earlier and return its images',
				},
			],
			default: 'generate',
		},
		...account,
	];
}

/** The Options collection every operation shares. */
function imageOptions(): INodeProperties {
	return optionsCollection([
		binaryPropertyOption('The binary field each image goes into (one item per image)'),
		{
			displayName: 'Download Timeout (Seconds)',
			name: 'downloadTimeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 300,
			description:
				'Longest time one result download may take; a stalled or endless download fails its item',
		},
		{
			displayName: 'Check Balance First',
			name: 'checkBalance',
			type: 'boolean',
			default: false,
			description:
				"Whether to read the provider's balance once before submitting and fail the whole batch, before anything is billed, if it cannot cover it (set on the first item; one extra request per execution)",
			displayOptions: { show: { '/operation': ['generate', 'edit'] } },
		},
		{
			displayName: 'Max Concurrent Tasks',
			name: 'maxConcurrentTasks',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: 50,
			description:
				'How many tasks of this node run at the provider at the same time across all items (downloading finished images does not count); lower it if the provider answers 429 (rate limit)',
		},
		{
			displayName: 'Max Credits per Execution',
			name: 'maxCredits',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 2 },
			default: 0,
			description:
				"Never submit a task that would take this execution's spending past this many provider credits, across all items, Retry On Fail tries and runs of this node in a loop (read from the first item). Tasks left out come out as items with status notSubmitted and the reason.",
			hint: "0 = no cap. The output's creditsReserved field shows what the provider reserved per image; until the provider's answers have told a price, one task goes first to learn it.",
			displayOptions: { show: { '/operation': ['generate', 'edit'] } },
		},
		{
			displayName: 'Max Images per Execution',
			name: 'maxImages',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description: `Never ask for more than this many images in one execution, across items, tries and loop runs (0 = no limit). As an AI Agent tool the node makes at most ${TOOL_MAX_IMAGES} images per agent run unless this option is added.`,
			displayOptions: { show: { '/operation': ['generate', 'edit'] } },
		},
		{
			displayName: 'Max Download Size (MB)',
			name: 'maxDownloadMb',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 64,
			description:
				'A result image larger than this fails its item instead of filling memory or disk',
		},
		{
			displayName: 'Max Wait (Seconds)',
			name: 'maxWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 900,
			description:
				'How long to wait for a task before failing with its task ID (it may still finish; use Wait for Task later)',
		},
		{
			displayName: 'Output Images As',
			name: 'output',
			type: 'options',
			options: [
				{
					name: 'Default',
					value: 'default',
					description:
						'Binary files; URLs only when the node is an AI Agent tool, since an agent cannot read binary files',
				},
				{
					name: 'Binary Files',
					value: 'binary',
					description: 'Download each image into a binary field',
				},
				{
					name: 'URLs Only',
					value: 'url',
					description: "Return the provider's image URLs (they expire after about 24 hours)",
				},
			],
			default: 'default',
			description: 'Whether to download the images or return their URLs',
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollIntervalSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description:
				"Seconds between status checks of a task; 0 picks the interval from the provider's progress and estimate (at most one check per second)",
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

/**
 * As an AI Agent tool: n8n's Tool Description choice, declared here so that Set Manually starts
 * from a text that tells a model what the tool does (n8n would otherwise fill in the operation's
 * name). Shown only on the tool (`@tool`).
 */
function toolFields(provider: ProviderDefinition): INodeProperties[] {
	const name = provider.adapter.displayName;
	return [
		{
			displayName: 'Tool Description',
			name: 'descriptionType',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Set Automatically',
					value: 'auto',
					description: 'Automatically set based on resource and operation',
				},
				{ name: 'Set Manually', value: 'manual', description: 'Manually set the description' },
			],
			default: 'auto',
			displayOptions: { show: { '@tool': [true] } },
		},
		{
			displayName: 'Description',
			name: 'toolDescription',
			type: 'string',
			typeOptions: { rows: 3 },
			default: `Creates an image with OpenAI ${modelList(provider)} (through ${name}) from a text prompt, or edits images given as public URLs. Returns the image URLs, valid for about 24 hours. Makes at most ${TOOL_MAX_IMAGES} images per run of the agent; asking for more returns items with status notSubmitted.`,
			description: 'What the agent is told this tool does',
			displayOptions: { show: { '@tool': [true], descriptionType: ['manual'] } },
		},
	];
}

/** The whole property list of a provider node: each operation's own fields, then Options. */
export function imageNodeProperties(provider: ProviderDefinition): INodeProperties[] {
	return [
		...toolFields(provider),
		...resourceAndOperation(provider),
		...Object.values(OPERATIONS).flatMap((operation) => operation.description(provider)),
		{ ...imageOptions(), displayOptions: { show: { resource: ['image'] } } },
	];
}
