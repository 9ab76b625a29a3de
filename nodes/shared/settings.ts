import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { TOOL_MAX_IMAGES } from './spend';
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
	/** Max Credits per Execution; undefined = no cap. */
	maxCredits?: number;
	/** Max Images per Execution; undefined = no limit (an AI Agent tool has one by default). */
	maxImages?: number;
	/** Check Balance First: read the balance once before submitting. */
	checkBalance: boolean;
	/** A spend option given a value that is not a number (from an expression). */
	spendProblem?: { name: 'maxCredits' | 'maxImages'; text: string };
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
	const chosen = options.output ?? 'default';
	const output = chosen === 'default' ? (runsAsAgentTool(fn) ? 'url' : 'binary') : chosen;
	return {
		output: output === 'url' ? 'url' : 'binary',
		binaryPropertyName: String(options.binaryPropertyName ?? 'data').trim() || 'data',
		fixedPollIntervalMs: Number.isFinite(poll) && poll > 0 ? poll * 1000 : undefined,
		maxWaitMs: positive(options.maxWaitSeconds, 900) * 1000,
		requestTimeoutMs: positive(options.requestTimeoutSeconds, 60) * 1000,
		maxDownloadBytes: positive(options.maxDownloadMb, 64) * 1048576,
		downloadTimeoutMs: positive(options.downloadTimeoutSeconds, 300) * 1000,
		maxConcurrentTasks: Math.floor(positive(options.maxConcurrentTasks, 50)),
		...spendSettings(options, runsAsAgentTool(fn)),
	};
}

/** A limit from Options: undefined when not set or 0 (no limit), NaN when it is not a number. */
function limit(raw: unknown): number | undefined {
	if (raw === undefined || raw === null || raw === '' || raw === 0) return undefined;
	const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
	return Number.isFinite(value) && value >= 0 ? value : NaN;
}

function spendSettings(
	options: IDataObject,
	asTool: boolean,
): Pick<ItemSettings, 'maxCredits' | 'maxImages' | 'checkBalance' | 'spendProblem'> {
	const checkBalance = options.checkBalance === true;
	const maxCredits = limit(options.maxCredits);
	// As an AI Agent tool, a run makes at most TOOL_MAX_IMAGES unless the option says otherwise.
	const maxImages =
		options.maxImages === undefined && asTool ? TOOL_MAX_IMAGES : limit(options.maxImages);
	for (const [name, value] of [
		['maxCredits', maxCredits],
		['maxImages', maxImages],
	] as const) {
		if (Number.isNaN(value)) {
			const raw = String(options[name]).slice(0, 40);
			return { checkBalance, spendProblem: { name, text: `"${raw}" is not a number` } };
		}
	}
	return { checkBalance, maxCredits, maxImages };
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
