/**
 * Helpers for the tests of the fakes themselves: clients for both wire formats over real HTTP
 * (Node's global fetch), polling without fixed sleeps, and a PNG checker.
 */
import * as zlib from 'zlib';

import type { FakeProvider } from './index';

export const PNG_SIGNATURE = '89504e470d0a1a0a';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Polls `probe` until it returns something other than undefined; `what` names it in the error. */
export async function waitFor<T>(
	probe: () => Promise<T | undefined> | T | undefined,
	timeoutMs = 2000,
	everyMs = 10,
	what = 'waitFor',
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}

/** Walks a PNG: checks the signature and every chunk CRC, returns chunk types and size. */
export function inspectPng(bytes: Buffer): { width: number; height: number; chunks: string[] } {
	expect(bytes.subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);
	const chunks: string[] = [];
	let offset = 8;
	while (offset < bytes.length) {
		const length = bytes.readUInt32BE(offset);
		const typeAndData = bytes.subarray(offset + 4, offset + 8 + length);
		expect(zlib.crc32(typeAndData)).toBe(bytes.readUInt32BE(offset + 8 + length));
		chunks.push(typeAndData.subarray(0, 4).toString('ascii'));
		offset += 12 + length;
	}
	expect(offset).toBe(bytes.length);
	return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), chunks };
}

export async function download(
	url: string,
): Promise<{ status: number; type: string | null; length: number; bytes: Buffer }> {
	const res = await fetch(url);
	const bytes = Buffer.from(await res.arrayBuffer());
	return {
		status: res.status,
		type: res.headers.get('content-type'),
		length: Number(res.headers.get('content-length')),
		bytes,
	};
}

export function evo(fake: FakeProvider) {
	const headers = { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' };
	return {
		submit: (body: unknown, extra: Record<string, string> = {}) =>
			fetch(`${fake.baseUrl}/v1/images/generations`, {
				method: 'POST',
				headers: { ...headers, ...extra },
				body: JSON.stringify(body),
			}),
		task: (id: string) => fetch(`${fake.baseUrl}/v1/tasks/${id}`, { headers }),
		get: (path: string) => fetch(`${fake.baseUrl}${path}`, { headers }),
		post: (path: string, body: FormData | string, contentType?: string) =>
			fetch(`${fake.baseUrl}${path}`, {
				method: 'POST',
				headers: contentType
					? { authorization: headers.authorization, 'content-type': contentType }
					: { authorization: headers.authorization },
				body,
			}),
	};
}

export function af(fake: FakeProvider) {
	const headers = { 'x-api-key': fake.apiKey, 'content-type': 'application/json' };
	return {
		submit: (body: unknown, extra: Record<string, string> = {}) =>
			fetch(`${fake.baseUrl}/v2/images/generate`, {
				method: 'POST',
				headers: { ...headers, ...extra },
				body: typeof body === 'string' ? body : JSON.stringify(body),
			}),
		get: (path: string) => fetch(`${fake.baseUrl}${path}`, { headers }),
		upload: (form: FormData) =>
			fetch(`${fake.baseUrl}/v2/uploads`, {
				method: 'POST',
				headers: { 'x-api-key': fake.apiKey },
				body: form,
			}),
	};
}

export function fileForm(
	bytes: Buffer,
	type: string,
	name: string,
	fields: Record<string, string> = {},
): FormData {
	const form = new FormData();
	for (const [key, value] of Object.entries(fields)) form.append(key, value);
	form.append('file', new Blob([bytes], { type }), name);
	return form;
}

/** Polls an EvoLink-style task until it stops running, logging what each poll saw. */
export async function pollEvoTask(fake: FakeProvider, id: string) {
	const seen: Array<{ sentAt: number; receivedAt: number; body: any }> = [];
	const final = await waitFor(async () => {
		const sentAt = Date.now();
		const body: any = await (await evo(fake).task(id)).json();
		seen.push({ sentAt, receivedAt: Date.now(), body });
		return body.status === 'completed' || body.status === 'failed' ? body : undefined;
	});
	return { final, seen };
}

export async function pollJob(fake: FakeProvider, id: string) {
	const seen: string[] = [];
	const final = await waitFor(async () => {
		const job: any = await (await af(fake).get(`/v2/jobs/${id}`)).json();
		seen.push(job.status);
		return job.status === 'COMPLETED' || job.status === 'FAILED' ? job : undefined;
	});
	return { final, seen };
}
