/**
 * A scripted fake of OpenAI's chat-completions API on 127.0.0.1, for n8n's OpenAI Chat Model
 * (with "Use Responses API" off) driving n8n's AI Agent in the real-n8n tests. Node built-ins only.
 *
 * - `GET /v1/models`: one model, `fake-gpt` (the credential test and the model list read it).
 * - `POST /v1/chat/completions`, first turn (no tool result in `messages` yet): one assistant
 *   message that calls every tool offered in `tools`, each with `{ "prompt": ... }`, a different
 *   prompt per tool.
 * - Later turns (tool results present): a final assistant text listing every http(s) URL found in
 *   the tool results, so the agent's output carries what the tools returned.
 *
 * Anything else (streaming, the Responses API, a wrong key) gets an OpenAI-style error, so a
 * change on n8n's side shows up as a failed run that names it, not as a silent pass.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
	role: string;
	content?: unknown;
	tool_call_id?: string;
	tool_calls?: ToolCall[];
}

export interface ToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

export interface ChatTool {
	type: 'function';
	function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface ChatRequestBody {
	model?: string;
	messages?: ChatMessage[];
	tools?: ChatTool[];
	stream?: boolean;
}

export type ChatAnswer =
	{ toolCalls: Array<{ id: string; name: string; prompt: string }> } | { content: string };

export interface RecordedChatRequest {
	method: string;
	path: string;
	authorization?: string;
	body?: ChatRequestBody;
	/** What the fake answered: the tool calls it made, or the final text. */
	answer?: ChatAnswer;
	status: number;
}

export interface FakeChatModel {
	/** What the OpenAI credential's Base URL is set to: `http://127.0.0.1:<port>/v1`. */
	baseUrl: string;
	apiKey: string;
	model: string;
	requests: RecordedChatRequest[];
	reset(): void;
	close(): Promise<void>;
}

/** One prompt per tool, in the order the tools are offered; distinct, so each is traceable. */
export const CHAT_PROMPTS = [
	'A red paper kite over a green hill, flat illustration',
	'A lighthouse at night under a starry sky, oil painting',
	'A bowl of ramen seen from above, watercolor',
	'A small robot watering a cactus, 3D render',
];

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const URL_PATTERN = /https?:\/\/[^\s"'\\)\]]+/g;

function textOf(content: unknown): string {
	return typeof content === 'string' ? content : JSON.stringify(content ?? '');
}

/** The assistant message for one chat-completions request, and what the log records of it. */
function reply(body: ChatRequestBody, turn: number): { message: ChatMessage; answer: ChatAnswer } {
	const toolResults = (body.messages ?? []).filter((m) => m.role === 'tool');
	if (toolResults.length === 0 && body.tools?.length) {
		const toolCalls = body.tools.map((tool, i) => ({
			id: `call_${turn}_${i}`,
			name: tool.function.name,
			prompt: CHAT_PROMPTS[i % CHAT_PROMPTS.length],
		}));
		const calls: ToolCall[] = toolCalls.map(({ id, name, prompt }) => ({
			id,
			type: 'function',
			function: { name, arguments: JSON.stringify({ prompt }) },
		}));
		return {
			message: { role: 'assistant', content: null, tool_calls: calls },
			answer: { toolCalls },
		};
	}
	const urls = [...new Set(toolResults.flatMap((m) => textOf(m.content).match(URL_PATTERN) ?? []))];
	const content = urls.length
		? `Here are your images:\n${urls.map((url) => `- ${url}`).join('\n')}`
		: 'No tool returned an image.';
	return { message: { role: 'assistant', content }, answer: { content } };
}

export async function startFakeChatModel(
	options: { apiKey?: string } = {},
): Promise<FakeChatModel> {
	const apiKey = options.apiKey ?? 'sk-fake-chat-key';
	const model = 'fake-gpt';
	const requests: RecordedChatRequest[] = [];
	let turn = 0;

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
		});
		req.on('end', () => {
			const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
			const record: RecordedChatRequest = {
				method: req.method ?? '',
				path,
				authorization: req.headers.authorization,
				status: 200,
			};
			requests.push(record);
			const send = (status: number, value: unknown) => {
				record.status = status;
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(value));
			};
			const fail = (status: number, message: string) =>
				send(status, {
					error: { message: `fake chat model: ${message}`, type: 'invalid_request_error' },
				});

			if (req.headers.authorization !== `Bearer ${apiKey}`) return fail(401, 'wrong API key');
			if (req.method === 'GET' && path === '/v1/models')
				return send(200, {
					object: 'list',
					data: [{ id: model, object: 'model', created: 0, owned_by: 'fake' }],
				});
			if (req.method !== 'POST' || path !== '/v1/chat/completions')
				return fail(404, `no route ${req.method} ${path} (is "Use Responses API" on?)`);
			if (size > MAX_BODY_BYTES) return fail(413, 'body too large');
			let body: unknown;
			try {
				body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			} catch {
				return fail(400, 'body is not JSON');
			}
			if (typeof body !== 'object' || body === null) return fail(400, 'body is not an object');
			record.body = body as ChatRequestBody;
			if (record.body.stream) return fail(400, 'streaming is not scripted');
			const { message, answer } = reply(record.body, ++turn);
			record.answer = answer;
			send(200, {
				id: `chatcmpl-fake-${turn}`,
				object: 'chat.completion',
				created: Math.floor(Date.now() / 1000),
				model: record.body.model ?? model,
				choices: [
					{
						index: 0,
						message,
						finish_reason: message.tool_calls ? 'tool_calls' : 'stop',
						logprobs: null,
					},
				],
				usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
			});
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		apiKey,
		model,
		requests,
		reset() {
			requests.length = 0;
			turn = 0;
		},
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
