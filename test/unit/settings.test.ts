import type { IExecuteFunctions } from 'n8n-workflow';

import { callLimits, readSettings, runsAsAgentTool } from '../../nodes/shared/settings';

function context(
	options: Record<string, unknown>,
	type = 'n8n-nodes-gpt-image.evoLink',
): IExecuteFunctions {
	return {
		getNodeParameter: (name: string, _item: number, fallback: unknown) =>
			name === 'options' ? options : fallback,
		getNode: () => ({ type }),
	} as unknown as IExecuteFunctions;
}

describe('settings (the Options collection)', () => {
	it('applies the defaults and converts units', () => {
		expect(readSettings(context({}), 0)).toEqual({
			output: 'binary',
			binaryPropertyName: 'data',
			fixedPollIntervalMs: undefined,
			maxWaitMs: 900000,
			requestTimeoutMs: 60000,
			maxDownloadBytes: 64 * 1048576,
			downloadTimeoutMs: 300000,
			maxConcurrentTasks: 50,
			checkBalance: false,
			maxCredits: undefined,
			maxImages: undefined,
		});
		const set = readSettings(
			context({
				output: 'url',
				binaryPropertyName: ' image ',
				pollIntervalSeconds: 2,
				maxWaitSeconds: 30,
				maxDownloadMb: 1,
				maxConcurrentTasks: 3.7,
			}),
			0,
		);
		expect(set).toMatchObject({
			output: 'url',
			binaryPropertyName: 'image',
			fixedPollIntervalMs: 2000,
			maxWaitMs: 30000,
			maxDownloadBytes: 1048576,
			maxConcurrentTasks: 3,
		});
	});

	it('reads the spend options: 0 or empty is no cap, a decimal string is a number, other values are a problem', () => {
		const read = (maxCredits: unknown, checkBalance?: unknown) =>
			readSettings(context({ maxCredits, checkBalance }), 0);
		expect(read(0).maxCredits).toBeUndefined();
		expect(read(0).checkBalance).toBe(false);
		expect(read('').maxCredits).toBeUndefined();
		expect(read(12.5, true)).toMatchObject({ maxCredits: 12.5, checkBalance: true });
		expect(read('40')).toMatchObject({ maxCredits: 40 });
		expect(read('40').spendProblem).toBeUndefined();
		expect(read('lots').spendProblem).toEqual({
			name: 'maxCredits',
			text: '"lots" is not a number',
		});
		expect(read(-3).spendProblem?.text).toMatch(/not a number/);
		expect(read(5, 'yes').checkBalance).toBe(false);
	});

	it('limits images only when asked, except as an AI Agent tool, where 10 is the default', () => {
		const read = (options: Record<string, unknown>, type?: string) =>
			readSettings(context(options, type), 0);
		expect(read({}).maxImages).toBeUndefined();
		expect(read({ maxImages: 4 }).maxImages).toBe(4);
		expect(read({}, 'n8n-nodes-gpt-image.evoLinkTool').maxImages).toBe(10);
		expect(read({ maxImages: 0 }, 'n8n-nodes-gpt-image.evoLinkTool').maxImages).toBeUndefined();
		expect(read({ maxImages: 'many' }).spendProblem).toEqual({
			name: 'maxImages',
			text: '"many" is not a number',
		});
	});

	it('falls back on the default for zero, negative or non-numeric values', () => {
		const set = readSettings(
			context({
				maxWaitSeconds: 0,
				requestTimeoutSeconds: -5,
				downloadTimeoutSeconds: 'soon',
				pollIntervalSeconds: 0,
				binaryPropertyName: '  ',
			}),
			0,
		);
		expect(set).toMatchObject({
			maxWaitMs: 900000,
			requestTimeoutMs: 60000,
			downloadTimeoutMs: 300000,
			fixedPollIntervalMs: undefined,
			binaryPropertyName: 'data',
		});
	});

	it('returns URLs by default when the node runs as an AI Agent tool, unless the user chose', () => {
		const tool = context({}, 'n8n-nodes-gpt-image.evoLinkTool');
		expect(runsAsAgentTool(tool)).toBe(true);
		expect(readSettings(tool, 0).output).toBe('url');
		expect(
			readSettings(context({ output: 'binary' }, 'n8n-nodes-gpt-image.evoLinkTool'), 0).output,
		).toBe('binary');
	});

	it('gives each item a deadline of its Max Wait from when it starts', () => {
		const set = readSettings(context({ maxWaitSeconds: 10, requestTimeoutSeconds: 5 }), 0);
		expect(callLimits(set, 4, 1000)).toEqual({ itemIndex: 4, timeoutMs: 5000, deadline: 11000 });
	});
});
