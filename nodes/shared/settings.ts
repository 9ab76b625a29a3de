import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { CallLimits } from './taskClient';

/** The Options collection of one item, with defaults applied and units converted. */
export interface ItemSettings {
	output: 'binary' | 'url';
	binaryPropertyName: string;
	fixedPollIntervalMs?: number;
	maxWaitMs: number;
	requestTimeoutMs: number;
	maxDownloadBytes: number;
	downloadTimeoutMs: number;
	maxConcurrentTasks: number;
}

function positive(value: unknown, fallback: number): number {
	const number = Number(value);
	return Number.isFinite(number) && number > 0 ? number : fallback;
}

/**
 * n8n registers a usable-as-tool node a second time as `<type>Tool`, and runs that copy when an
 * AI Agent calls it. An agent only reads json (binary is dropped), so there the output defaults
 * to URLs; an explicit Output Images As still wins.
 */
export function runsAsAgentTool(fn: IExecuteFunctions): boolean {
	return fn.getNode().type.endsWith('Tool');
}

export function readSettings(fn: IExecuteFunctions, itemIndex: number): ItemSettings {
	const options = fn.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const poll = Number(options.pollIntervalSeconds ?? 0);
	const output = options.output ?? (runsAsAgentTool(fn) ? 'url' : 'binary');
	return {
		output: output === 'url' ? 'url' : 'binary',
		binaryPropertyName: String(options.binaryPropertyName ?? 'data').trim() || 'data',
		fixedPollIntervalMs: Number.isFinite(poll) && poll > 0 ? poll * 1000 : undefined,
		maxWaitMs: positive(options.maxWaitSeconds, 900) * 1000,
		requestTimeoutMs: positive(options.requestTimeoutSeconds, 60) * 1000,
		maxDownloadBytes: positive(options.maxDownloadMb, 64) * 1048576,
		downloadTimeoutMs: positive(options.downloadTimeoutSeconds, 300) * 1000,
		maxConcurrentTasks: Math.floor(positive(options.maxConcurrentTasks, 50)),
	};
}

/** Limits for the HTTP calls of one item; retries may run until the item's Max Wait is spent. */
export function callLimits(
	settings: ItemSettings,
	itemIndex: number,
	startedAt: number,
): CallLimits {
	return {
		itemIndex,
		timeoutMs: settings.requestTimeoutMs,
		deadline: startedAt + settings.maxWaitMs,
	};
}
