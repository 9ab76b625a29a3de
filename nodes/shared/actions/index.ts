import type { INodeProperties } from 'n8n-workflow';

import { binaryPropertyOption, optionsCollection } from '../descriptions/common';
import type { ProviderDefinition } from '../provider';
import type { OperationModule } from './context';
import { edit } from './image/edit.operation';
import { generate } from './image/generate.operation';
import { waitForTask } from './image/waitForTask.operation';

/** Every operation of the provider nodes, by its `operation` value. */
export const OPERATIONS: Record<string, OperationModule> = { generate, edit, waitForTask };

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
				{
					name: 'Generate',
					value: 'generate',
					action: 'Generate an image',
					description: 'Create images from a text prompt',
				},
				{
					name: 'Edit',
					value: 'edit',
					action: 'Edit an image',
					description: 'Change or combine input images with a prompt',
				},
				{
					name: 'Wait for Task',
					value: 'waitForTask',
					action: 'Wait for a task',
					description: 'Wait for a task submitted earlier and return its images',
				},
			],
			default: 'generate',
		},
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
			displayName: 'Max Concurrent Tasks',
			name: 'maxConcurrentTasks',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: 50,
			description:
				'How many tasks of this node run at the same time across all items; lower it if the provider answers 429 (rate limit)',
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
			default: 'binary',
			description:
				'As an AI Agent tool the node returns URLs unless this is set, since an agent cannot read binary files',
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

/** The whole property list of a provider node: each operation's own fields, then Options. */
export function imageNodeProperties(provider: ProviderDefinition): INodeProperties[] {
	return [
		...resourceAndOperation(),
		...Object.values(OPERATIONS).flatMap((operation) => operation.description(provider)),
		imageOptions(),
	];
}
