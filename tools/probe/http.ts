/**
 * The probe's HTTP client: axios (the probe runs outside n8n), no redirect followed, every status
 * read as an answer, every text it passes on masked (the key, signed URL tokens). The key goes only
 * in the credential's own header, built from the credential class as the credential test does.
 */
import axios from 'axios';
import { randomBytes } from 'node:crypto';

import { credentialHeaders } from '../../nodes/shared/credentialAuth';
import { Masker } from '../../nodes/shared/mask';
import type { ProviderDefinition } from '../../nodes/shared/provider';

export interface ProbeTarget {
	provider: ProviderDefinition;
	apiKey: string;
	/** The API's base URL, and the file host's (EvoLink's files API), without a trailing slash. */
	api: string;
	files: string;
}

export interface ProbeRequest {
	method: 'GET' | 'POST';
	path: string;
	base?: 'api' | 'files';
	json?: unknown;
	/** One file, sent as multipart/form-data. */
	file?: { field: string; fileName: string; contentType: string; data: Buffer };
	headers?: Record<string, string>;
	/** Which key goes in the credential's header: the real one, a made-up one, or none. */
	key?: 'real' | 'madeUp';
}

export interface ProbeAnswer {
	/** 0 when no HTTP answer came (the reason is in `failure`). */
	status: number;
	/** The JSON, when the answer was JSON (as sent: mask anything printed from it). */
	json?: unknown;
	/** The start of the answer as text, masked. */
	text: string;
	failure?: string;
}

/** A key of the provider's form that no account has: the provider must refuse it. */
export const MADE_UP_KEY = 'n8n-probe-not-a-real-key-0000';

export class ProbeHttp {
	readonly masker: Masker;
	/** The API's origin, for messages. */
	readonly origin: string;

	constructor(
		private readonly target: ProbeTarget,
		private readonly timeoutMs = 30_000,
	) {
		this.masker = new Masker([target.apiKey]);
		this.origin = new URL(target.api).origin;
	}

	private headersFor(key: ProbeRequest['key']): Record<string, string> {
		const apiKey = key === 'madeUp' ? MADE_UP_KEY : this.target.apiKey;
		return credentialHeaders(this.target.provider.credential, { apiKey });
	}

	async send(request: ProbeRequest): Promise<ProbeAnswer> {
		const base = request.base === 'files' ? this.target.files : this.target.api;
		const headers: Record<string, string> = {
			Accept: 'application/json',
			...this.headersFor(request.key ?? 'real'),
			...(request.headers ?? {}),
		};
		let data: unknown;
		if (request.file) {
			const boundary = `n8nprobe${randomBytes(8).toString('hex')}`;
			const { field, fileName, contentType, data: bytes } = request.file;
			data = Buffer.concat([
				Buffer.from(
					`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`,
				),
				bytes,
				Buffer.from(`\r\n--${boundary}--\r\n`),
			]);
			headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
		} else if (request.json !== undefined) {
			data = JSON.stringify(request.json);
			headers['Content-Type'] = 'application/json';
		}
		try {
			const response = await axios.request<ArrayBuffer>({
				method: request.method,
				url: `${base}${request.path}`,
				headers,
				data,
				timeout: this.timeoutMs,
				maxRedirects: 0,
				responseType: 'arraybuffer',
				maxContentLength: 4 * 1048576,
				validateStatus: () => true,
				// A proxy set in the environment would see the key: the probe talks to the API only.
				proxy: false,
			});
			const text = Buffer.from(response.data).toString('utf8');
			let json: unknown;
			try {
				json = text === '' ? undefined : (JSON.parse(text) as unknown);
			} catch {
				json = undefined;
			}
			return {
				status: response.status,
				// Kept as sent (result URLs need their tokens); what is printed is masked.
				json,
				text: this.masker.text(text.slice(0, 300)),
			};
		} catch (error) {
			const code = (error as { code?: string }).code ?? (error as Error).message;
			return { status: 0, text: '', failure: this.masker.text(String(code)) };
		}
	}

	/** A result file (no key is sent with it): its first bytes. */
	async download(url: string): Promise<Buffer | undefined> {
		try {
			const response = await axios.get<ArrayBuffer>(url, {
				responseType: 'arraybuffer',
				timeout: this.timeoutMs,
				maxContentLength: 64 * 1048576,
				validateStatus: (status) => status === 200,
				proxy: false,
			});
			return Buffer.from(response.data);
		} catch {
			return undefined;
		}
	}
}

/** "HTTP 404 {"error":…}" for an observation, masked and short. */
export function shortAnswer(answer: ProbeAnswer): string {
	if (answer.status === 0) return `no answer (${answer.failure ?? 'unknown'})`;
	const text = answer.text.replace(/\s+/g, ' ').trim();
	return `HTTP ${answer.status}${text ? ` ${text.length > 120 ? `${text.slice(0, 119)}…` : text}` : ''}`;
}
