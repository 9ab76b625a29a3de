/**
 * The provider's side of P6: finished tasks made at the fake, and their callbacks posted to the
 * trigger the way EvoLink delivers them (the task's status body, JSON), N at a time.
 */
import { performance } from 'node:perf_hooks';

import type { FakeAddress } from '../fakeProcess';

export const now = (): number => performance.timeOrigin + performance.now();

/** Runs `work` over `items`, at most `concurrency` at once. */
async function pool<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>) {
	const results: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(concurrency, items.length) }, async () => {
			while (next < items.length) {
				const index = next++;
				results[index] = await work(items[index]);
			}
		}),
	);
	return results;
}

/** `count` finished tasks at the fake, each as the callback body EvoLink would send for it. */
export async function finishedTasks(fake: FakeAddress, count: number, tag: string) {
	const headers = { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' };
	const ids = await pool(
		Array.from({ length: count }, (_, i) => i),
		20,
		async (i) => {
			const body = JSON.stringify({ model: 'gpt-image-1.5', prompt: `${tag} ${i}` });
			const created = await fetch(`${fake.baseUrl}/v1/images/generations`, {
				method: 'POST',
				headers,
				body,
			});
			if (created.status !== 200) throw new Error(`fake refused a task: ${created.status}`);
			return ((await created.json()) as { id: string }).id;
		},
	);
	return await pool(ids, 20, async (id) => {
		for (;;) {
			const text = await (await fetch(`${fake.baseUrl}/v1/tasks/${id}`, { headers })).text();
			if (/"status":\s*"completed"/.test(text)) return { taskId: id, body: text };
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	});
}

export interface Answer {
	taskId: string;
	sentAt: number;
	ms: number;
	status: number;
	/** Started a run: 200 with an empty body (the trigger's responseData). */
	started: boolean;
	duplicate: boolean;
	/** For an answer other than 200: who refused and why, in short. */
	reason?: string;
}

/** "n8n: Database is not ready" or "trigger: Could not confirm task": whose refusal it was. */
function reasonOf(text: string): string {
	let message = text;
	try {
		const body = JSON.parse(text) as { error?: unknown; message?: unknown };
		message = String(body.error ?? body.message ?? text);
	} catch {
		// not JSON: the text itself
	}
	const who = /deliver again|does not know task|nothing was started/i.test(message)
		? 'trigger'
		: 'n8n';
	return `${who}: ${message.replace(/task-unified-\S+/g, 'task').slice(0, 40)}`;
}

/** Posts each callback to the trigger, `concurrency` at once; returns every answer. */
export async function deliver(
	url: string,
	callbacks: Array<{ taskId: string; body: string }>,
	concurrency: number,
): Promise<{ answers: Answer[]; wallMs: number }> {
	const started = now();
	const answers = await pool(callbacks, concurrency, async ({ taskId, body }) => {
		const sentAt = now();
		try {
			const response = await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body,
				signal: AbortSignal.timeout(60000),
			});
			const text = await response.text();
			return {
				taskId,
				sentAt,
				ms: now() - sentAt,
				status: response.status,
				started: response.status === 200 && text === '',
				duplicate: text.includes('"duplicate":true'),
				reason: response.status === 200 ? undefined : reasonOf(text),
			};
		} catch {
			const reason = 'no answer in 60 s';
			return {
				taskId,
				sentAt,
				ms: now() - sentAt,
				status: 0,
				started: false,
				duplicate: false,
				reason,
			};
		}
	});
	return { answers, wallMs: now() - started };
}
