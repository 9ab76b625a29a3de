/**
 * The scripted chat model that drives n8n's AI Agent in the real-n8n test: what it answers on
 * each turn, and that anything it was not scripted for fails loudly.
 */
import { CHAT_PROMPTS, startFakeChatModel } from './chat';
import type { FakeChatModel } from './chat';

let chat: FakeChatModel;
beforeAll(async () => {
	chat = await startFakeChatModel();
});
afterAll(async () => await chat.close());
beforeEach(() => chat.reset());

async function post(body: unknown, key = chat.apiKey, path = '/chat/completions') {
	const response = await fetch(`${chat.baseUrl}${path}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as any };
}

const tool = (name: string) => ({
	type: 'function',
	function: { name, parameters: { type: 'object', properties: { prompt: { type: 'string' } } } },
});

describe('fake chat model', () => {
	it('first turn: one call per offered tool, each with its own prompt', async () => {
		const { status, body } = await post({
			model: 'fake-gpt',
			messages: [{ role: 'user', content: 'Draw' }],
			tools: [tool('a'), tool('b'), tool('c')],
		});
		expect(status).toBe(200);
		const [choice] = body.choices;
		expect(choice.finish_reason).toBe('tool_calls');
		const calls = choice.message.tool_calls.map((c: any) => [
			c.function.name,
			JSON.parse(c.function.arguments).prompt,
		]);
		expect(calls).toEqual([
			['a', CHAT_PROMPTS[0]],
			['b', CHAT_PROMPTS[1]],
			['c', CHAT_PROMPTS[2]],
		]);
		expect(chat.requests[0].answer).toEqual({
			toolCalls: calls.map(([name, prompt]: string[], i: number) => ({
				id: choice.message.tool_calls[i].id,
				name,
				prompt,
			})),
		});
	});

	it('after the tool results: a final text quoting every URL they hold, once', async () => {
		const url = 'http://127.0.0.1:1/results/task-1-1.png';
		const { body } = await post({
			messages: [
				{ role: 'user', content: 'Draw' },
				{ role: 'tool', tool_call_id: 'call_1_0', content: JSON.stringify([{ imageUrl: url }]) },
				{ role: 'tool', tool_call_id: 'call_1_1', content: `see ${url}` },
			],
			tools: [tool('a')],
		});
		expect(body.choices[0]).toMatchObject({
			finish_reason: 'stop',
			message: { role: 'assistant', content: `Here are your images:\n- ${url}` },
		});
	});

	it('answers the model list, and refuses a wrong key, streaming and the Responses API', async () => {
		const models = await fetch(`${chat.baseUrl}/models`, {
			headers: { authorization: `Bearer ${chat.apiKey}` },
		});
		expect(((await models.json()) as any).data[0].id).toBe('fake-gpt');
		expect((await post({ messages: [] }, 'sk-wrong')).status).toBe(401);
		expect((await post({ messages: [], stream: true })).status).toBe(400);
		const responses = await post({ input: 'Draw' }, chat.apiKey, '/responses');
		expect(responses.status).toBe(404);
		expect(responses.body.error.message).toMatch(/Responses API/);
		expect(chat.requests.map((r) => r.status)).toEqual([200, 401, 400, 404]);
	});
});
