/**
 * The schedules the node is measured against, as plain HTTP clients (axios, outside n8n): what a
 * workflow built from HTTP Request + Wait + IF, or a provider's own script, does.
 */
import axios from 'axios';

import type { FakeProvider } from '../test/fakes';

/** EvoLink's own example scripts: poll every 10 s. */
export const fixed10s = (): number => 10000;

/** Apiframe's SDK waitFor: start at 2 s, x1.5 each time, at most 5 s. */
export const sdkBackoff = (polls: number): number => Math.min(5000, 2000 * 1.5 ** polls);

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/** Submits one unified-task task, polls it on `schedule`, downloads the image into memory. */
export async function runUnifiedTask(
	fake: FakeProvider,
	prompt: string,
	schedule: (polls: number) => number,
): Promise<string> {
	const client = axios.create({
		baseURL: fake.baseUrl,
		headers: { Authorization: `Bearer ${fake.apiKey}` },
	});
	const { data: task } = await client.post('/v1/images/generations', {
		model: 'gpt-image-1.5',
		prompt,
		size: '1:1',
		quality: 'low',
	});
	for (let polls = 0; ; polls++) {
		await sleep(schedule(polls));
		const { data } = await client.get(`/v1/tasks/${task.id}`);
		if (data.status === 'completed') {
			await axios.get(data.results[0], { responseType: 'arraybuffer' });
			return task.id;
		}
		if (data.status === 'failed') throw new Error(`task ${task.id} failed`);
	}
}

/** Apiframe jobs polled one request per job (the SDK's way), on the SDK schedule. */
export async function runApiframeJob(fake: FakeProvider, prompt: string): Promise<string> {
	const client = axios.create({ baseURL: fake.baseUrl, headers: { 'X-API-Key': fake.apiKey } });
	const body = {
		model: 'gpt-image-1.5',
		prompt,
		gptImageParams: { quality: 'low', output_format: 'png' },
	};
	const { data: accepted } = await client.post('/v2/images/generate', body);
	for (let polls = 0; ; polls++) {
		await sleep(sdkBackoff(polls));
		const { data: job } = await client.get(`/v2/jobs/${accepted.jobId}`);
		if (job.status === 'COMPLETED') return accepted.jobId;
		if (job.status === 'FAILED') throw new Error(`job ${accepted.jobId} failed`);
	}
}

/** The whole-file way to fetch a result: the body as one buffer (what a non-streaming node does). */
export async function downloadBuffered(url: string): Promise<number> {
	const { data } = await axios.get(url, { responseType: 'arraybuffer' });
	return (data as ArrayBuffer).byteLength;
}
