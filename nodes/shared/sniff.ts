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
