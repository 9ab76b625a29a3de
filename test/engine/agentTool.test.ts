/**
 * Each provider node as a tool of n8n's AI Agent. The agent below is a stand-in for the LLM: it
 * asks n8n-core for its connected tools (getInputConnectionData, which wraps a usable-as-tool node
 * with createNodeAsTool and makeHandleToolInvocation exactly as for the real AI Agent), then calls
 * each tool with the arguments a model would send. Everything from there on is n8n's real code
 * path: $fromAI() parameters filled from the call, execute() in a SupplyDataContext, the json
 * returned to the agent as a string, binary dropped.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { loadPackage, runWorkflow } from './harness';
import { capabilities } from './harness/compat';
import type { RunResult } from './harness';
import { assertNoSecret, credentialsFor, NODES, startFakes, stopFakes } from './setup';
import type { Fakes, NodeName } from './setup';

interface ToolCall {
	name: string;
	description: string;
	argNames: string[];
	result?: string;
	error?: string;
}

/** Calls every connected tool once with `args` and returns what it saw, like an agent's tool step. */
class ToolCallingAgent implements INodeType {
	description: INodeType['description'] = {
		displayName: 'Tool Calling Agent (test)',
		name: 'toolCallingAgent',
		group: ['transform'],
		version: 1,
		description: 'Test stand-in for the AI Agent',
		defaults: { name: 'Agent' },
		inputs: ['main', { type: 'ai_tool', displayName: 'Tools', required: true }],
		outputs: ['main'],
		properties: [{ displayName: 'Arguments', name: 'args', type: 'json', default: '{}' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const tools = (await this.getInputConnectionData('ai_tool', 0)) as Array<{
			name: string;
			description: string;
			schema: { shape: Record<string, unknown> };
			invoke(args: IDataObject): Promise<string>;
		}>;
		const args = JSON.parse(this.getNodeParameter('args', 0) as string) as IDataObject;
		const calls: ToolCall[] = [];
		for (const tool of tools) {
			const call: ToolCall = {
				name: tool.name,
				description: tool.description,
				argNames: Object.keys(tool.schema.shape).sort(),
			};
			try {
				call.result = await tool.invoke(args);
			} catch (error) {
				call.error = (error as Error).message;
			}
			calls.push(call);
		}
		return [calls.map((call) => ({ json: { ...call } }))];
	}
}

const pkg = loadPackage();
pkg.nodeTypesByName['test.toolCallingAgent'] = new ToolCallingAgent();

let fakes: Fakes;
beforeAll(async () => {
	fakes = await startFakes();
});
afterAll(async () => await stopFakes(fakes));
beforeEach(() => Object.values(fakes).forEach((f) => f.reset()));

const PROMPT = "={{ $fromAI('prompt', 'What the image should show', 'string') }}";

async function callAsTool(
	node: NodeName,
	parameters: IDataObject,
	args: IDataObject,
): Promise<{ call: ToolCall; run: RunResult }> {
	const toolName = `${node} tool`;
	const run = await runWorkflow({
		nodes: [
			{ name: 'Agent', type: 'test.toolCallingAgent', parameters: { args: JSON.stringify(args) } },
			{ name: toolName, type: `${node}Tool`, parameters: { resource: 'image', ...parameters } },
		],
		connections: { [toolName]: { ai_tool: [[{ node: 'Agent', type: 'ai_tool', index: 0 }]] } },
		startNode: 'Agent',
		credentials: credentialsFor(fakes),
		timeoutMs: 30000,
	});
	assertNoSecret(JSON.stringify(run.run), `the agent run of ${node}`);
	expect(run.status).toBe('success');
	const calls = run.output('Agent');
	expect(calls).toHaveLength(1);
	return { call: calls[0].json as unknown as ToolCall, run };
}

describe('as an AI Agent tool (URL-only by default)', () => {
	it.each(NODES)(
		'%s: generates from the prompt the agent sends and answers with the image URL',
		async (node) => {
			const { call, run } = await callAsTool(
				node,
				{ operation: 'generate', prompt: PROMPT, options: { pollIntervalSeconds: 1 } },
				{ prompt: 'A lighthouse at dawn' },
			);
			const display = pkg.nodeTypesByName[`n8n-nodes-gpt-image.${node}`].description.displayName;

			// What the model reads: the operation's action, and one argument, the prompt. Without
			// `@tool` displayOptions (n8n 1.85 and older) the Tool Description choice is hidden, and n8n-core
			// describes the tool with the node's own description.
			expect(call.description).toBe(
				capabilities.toolDisplayOptions
					? `Generate image in ${display}`
					: pkg.nodeTypesByName[`n8n-nodes-gpt-image.${node}`].description.description,
			);
			const provider = display.replace(/^GPT Image \((.*)\)$/, '$1');
			expect(call.argNames).toEqual(['prompt']);
			expect(call.error).toBeUndefined();

			// What the model gets back: json only, with a working URL to the image.
			const answer = JSON.parse(call.result!) as IDataObject[];
			expect(answer).toHaveLength(1);
			expect(answer[0]).toEqual(
				expect.objectContaining({
					provider,
					model: 'gpt-image-1.5',
					prompt: 'A lighthouse at dawn',
					status: 'completed',
				}),
			);
			expect(answer[0].imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

			// URL-only: nothing was downloaded and no binary is in the tool's output.
			const fake = fakes[node];
			expect(fake.requests.filter((r) => r.route === 'submit')).toHaveLength(1);
			expect(fake.requests.filter((r) => r.route === 'download')).toHaveLength(0);
			expect(JSON.stringify(run.run.data.resultData.runData[`${node} tool`])).not.toContain(
				'"binary"',
			);

			// ... and the URL the model got serves the image.
			const image = await fetch(answer[0].imageUrl as string);
			expect(image.headers.get('content-type')).toBe('image/png');
		},
	);

	it('edits the images at the URLs the agent passes', async () => {
		const source = `${fakes.evoLink.baseUrl}/samples/photo.png`;
		const { call } = await callAsTool(
			'evoLink',
			{
				operation: 'edit',
				prompt: PROMPT,
				imageUrls:
					"={{ $fromAI('imageUrls', 'Public URLs of the images to edit, comma-separated', 'string') }}",
				options: { pollIntervalSeconds: 1 },
			},
			{ prompt: 'Make it night', imageUrls: source },
		);
		expect(call.description).toBe(
			capabilities.toolDisplayOptions
				? 'Edit image in GPT Image (EvoLink)'
				: pkg.nodeTypesByName['n8n-nodes-gpt-image.evoLink'].description.description,
		);
		expect(call.argNames).toEqual(['imageUrls', 'prompt']);
		expect(JSON.parse(call.result!)[0].imageUrl).toMatch(/^http/);
		const submit = fakes.evoLink.requests.find((r) => r.route === 'submit')!;
		expect(submit.body.image_urls).toEqual([source]);
	});

	it('hands the model a message it can act on when an argument is bad, before any request', async () => {
		const { call } = await callAsTool(
			'apiframe',
			{ operation: 'generate', prompt: PROMPT },
			{ prompt: '   ' },
		);
		if (capabilities.toolErrorsThrown) {
			expect(call.result).toBeUndefined();
			expect(call.error).toMatch(/^Prompt/);
		} else {
			// n8n-core 1.84 and older answer a failed tool call with the error's description, not its message.
			expect(call.error).toBeUndefined();
			expect(call.result).toBe(
				'Error during node execution: Describe the image to create or the change to make',
			);
		}
		expect(fakes.apiframe.requests).toHaveLength(0);
	});

	it('still returns binary when Output Images As is set explicitly (the agent then only sees the json)', async () => {
		const { call, run } = await callAsTool(
			'starMagic',
			{
				operation: 'generate',
				prompt: PROMPT,
				options: { output: 'binary', pollIntervalSeconds: 1 },
			},
			{ prompt: 'A red kite' },
		);
		expect(JSON.parse(call.result!)[0].imageUrl).toMatch(/^http/);
		expect(fakes.starMagic.requests.filter((r) => r.route === 'download')).toHaveLength(1);
		expect(run.status).toBe('success');
	});

	it('offers the agent-oriented description as the default of a manually set tool description', () => {
		for (const node of NODES) {
			const tool = pkg.nodeTypesByName[`n8n-nodes-gpt-image.${node}Tool`]
				.description as INodeTypeDescription;
			const properties = tool.properties.filter((p) => p.name === 'toolDescription');
			expect(properties).toHaveLength(1);
			expect(properties[0].default).toMatch(
				/^Creates an image with OpenAI GPT Image [\d., and]+ \(through \w+\) from a text prompt, or edits images given as public URLs\. Returns the image URLs/,
			);
			// n8n's editor keeps a manual description that is neither empty, the node's description,
			// nor the automatic text: so Set Manually starts from this one.
			expect(properties[0].default).not.toBe(tool.description);
		}
	});

	it('fills the prompt from the agent by default, so a new tool node has nothing left to fill in', async () => {
		const { call } = await callAsTool(
			'evoLink',
			{ operation: 'generate', options: { pollIntervalSeconds: 1 } },
			{ prompt: 'A harbour at night' },
		);
		if (!capabilities.toolDisplayOptions) {
			// n8n 1.85 and older have no `@tool` displayOptions: the tool shows the regular required Prompt, with
			// no $fromAI() default, so the agent has no argument to send and the user fills it in.
			expect(call.argNames).toEqual([]);
			expect(fakes.evoLink.requests).toHaveLength(0);
			return;
		}
		expect(call.argNames).toEqual(['prompt']);
		expect(JSON.parse(call.result!)[0].prompt).toBe('A harbour at night');
	});
});
