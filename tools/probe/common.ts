/** What every wire format's checks share: the probe's context, waiting, small readers. */
import type { ProviderDefinition } from '../../nodes/shared/provider';
import type { ProbeHttp } from './http';
import type { Observations } from './observations';

export interface ProbeContext {
	provider: ProviderDefinition;
	http: ProbeHttp;
	apiKey: string;
	obs: Observations;
	spendOne: boolean;
	/** Between two reads of the one task, and the longest wait for it to finish. */
	pollMs: number;
	maxWaitMs: number;
	sleep(ms: number): Promise<void>;
	now(): number;
	/** Set when the API gave no HTTP answer at all: nothing could be checked. */
	unreachable?: string;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/** The top-level field names of an answer, for an observation ("fields: data, success"). */
export function fieldsOf(value: unknown): string {
	return isObject(value)
		? `fields: ${Object.keys(value).slice(0, 8).join(', ') || 'none'}`
		: 'not a JSON object';
}

/** An empty PNG-named file: a file host must refuse it, which proves its route is there. */
export const EMPTY_FILE = {
	field: 'file',
	fileName: 'n8n-probe-empty.png',
	contentType: 'image/png',
	data: Buffer.alloc(0),
};

/** A prompt of about 2,500 characters (about 500 tokens) of plain English. */
export const LONG_PROMPT = Array.from(
	{ length: 50 },
	(_, i) => `Line ${i + 1}: a small red circle on a plain white background, flat colours.`,
)
	.join(' ')
	.slice(0, 2500);

/** Width and height of a PNG, JPEG or WebP from its first bytes. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
	if (bytes.length > 24 && bytes.readUInt32BE(0) === 0x89504e47)
		return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
	if (
		bytes.length > 30 &&
		bytes.toString('ascii', 0, 4) === 'RIFF' &&
		bytes.toString('ascii', 12, 16) === 'VP8X'
	)
		return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
	if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
		for (let i = 2; i + 9 < bytes.length;) {
			if (bytes[i] !== 0xff) return undefined;
			const marker = bytes[i + 1];
			const length = bytes.readUInt16BE(i + 2);
			if (marker >= 0xc0 && marker <= 0xc3)
				return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
			i += 2 + length;
		}
	}
	return undefined;
}
