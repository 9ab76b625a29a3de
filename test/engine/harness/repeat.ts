/**
 * A test-only node that makes a loop, as n8n's Loop Over Items does: on each of its first `times`
 * runs it sends the items it first received to its second output ("again"); after that, whatever
 * reaches it goes to its first output ("done"). Wire "again" into the node under test and that
 * node's output back into Repeat, and the node under test runs `times` times in one execution.
 */
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

export const REPEAT_TYPE = 'test.repeat';

export class Repeat implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Repeat',
		name: 'repeat',
		group: ['transform'],
		version: 1,
		description: 'Sends its first input again, a set number of times (test only)',
		defaults: { name: 'Repeat' },
		inputs: ['main'],
		outputs: ['main', 'main'],
		outputNames: ['done', 'again'],
		properties: [{ displayName: 'Times', name: 'times', type: 'number', default: 2 }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const times = this.getNodeParameter('times', 0) as number;
		const state = this.getContext('node') as { first?: INodeExecutionData[]; runs?: number };
		state.first ??= this.getInputData().map((item) => ({ json: item.json }));
		state.runs = (state.runs ?? 0) + 1;
		if (state.runs > times) return [this.getInputData(), []];
		return [[], state.first.map((item, i) => ({ json: item.json, pairedItem: { item: i } }))];
	}
}
