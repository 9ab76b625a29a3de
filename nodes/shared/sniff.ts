import type { BinaryStream } from './types';

/**
 * What an image file really is, by its first bytes: a binary's label (its MIME type) is only a
 * claim, and an upload is judged by what it contains.
 */
const SIGNATURES: Array<{ mimeType: string; matches: (head: Buffer) => boolean }> = [
	{
		mimeType: 'image/png',
		matches: (h) =>
			h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
	},
	{ mimeType: 'image/jpeg', matches: (h) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff },
	{ mimeType: 'image/gif', matches: (h) => h.subarray(0, 4).toString('latin1') === 'GIF8' },
	{
		mimeType: 'image/webp',
		matches: (h) =>
			h.subarray(0, 4).toString('latin1') === 'RIFF' &&
			h.subarray(8, 12).toString('latin1') === 'WEBP',
	},
];

/** The image type the bytes start with, or undefined when they are not a known image. */
export function sniffImage(head: Buffer): string | undefined {
	return SIGNATURES.find((s) => s.matches(head))?.mimeType;
}

/** The first bytes of a binary's content (a stream is read for one chunk, then closed). */
export async function firstBytes(content: BinaryStream | Buffer, count = 16): Promise<Buffer> {
	if (Buffer.isBuffer(content)) return content.subarray(0, count);
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of content as AsyncIterable<Buffer>) {
		chunks.push(Buffer.from(chunk));
		size += chunk.length;
		if (size >= count) break;
	}
	content.destroy();
	return Buffer.concat(chunks).subarray(0, count);
}

/** The first `count` bytes of a stream, and the whole stream (those bytes included) to go on with. */
export async function peek(
	source: AsyncIterable<Buffer>,
	count = 16,
): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
	const iterator = source[Symbol.asyncIterator]();
	const taken: Buffer[] = [];
	let size = 0;
	let ended = false;
	while (size < count) {
		const next = await iterator.next();
		if (next.done) {
			ended = true;
			break;
		}
		const chunk = Buffer.from(next.value);
		taken.push(chunk);
		size += chunk.length;
	}
	async function* all(): AsyncGenerator<Buffer> {
		yield* taken;
		if (ended) return;
		for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
			yield next.value;
		}
	}
	return { head: Buffer.concat(taken).subarray(0, count), all: all() };
}

/** What bytes that are not a known image look like, for a message (never the bytes themselves). */
export function describeBytes(head: Buffer): string {
	if (head.length === 0) return 'it is empty';
	const text = head
		.toString('utf8')
		.replace(/^\uFEFF/, '')
		.trimStart();
	if (text.startsWith('<')) return 'it is markup (SVG, HTML or XML)';
	if (text.startsWith('{') || text.startsWith('[')) return 'it is JSON';
	const printable = [...head].every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
	return printable ? 'it is text' : 'its first bytes are not an image signature';
}
