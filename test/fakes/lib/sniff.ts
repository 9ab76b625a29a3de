/** Media type detection from leading "magic" bytes; declared content types are not trusted. */

export type MediaKind = 'image' | 'audio' | 'video';

export interface SniffedMedia {
	mime: string;
	kind: MediaKind;
	ext: string;
}

interface Signature extends SniffedMedia {
	matches(bytes: Buffer): boolean;
}

const ascii = (buf: Buffer, start: number, end: number): string =>
	buf.toString('latin1', start, end);

const SIGNATURES: Signature[] = [
	{
		mime: 'image/png',
		kind: 'image',
		ext: 'png',
		matches: (b) => ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n',
	},
	{
		mime: 'image/jpeg',
		kind: 'image',
		ext: 'jpg',
		matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
	},
	{
		mime: 'image/gif',
		kind: 'image',
		ext: 'gif',
		matches: (b) => /^GIF8[79]a$/.test(ascii(b, 0, 6)),
	},
	{
		mime: 'image/webp',
		kind: 'image',
		ext: 'webp',
		matches: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
	},
	{
		mime: 'audio/wav',
		kind: 'audio',
		ext: 'wav',
		matches: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WAVE',
	},
	{
		mime: 'video/webm',
		kind: 'video',
		ext: 'webm',
		matches: (b) => b.readUInt32BE(0) === 0x1a45dfa3,
	},
	{ mime: 'audio/ogg', kind: 'audio', ext: 'ogg', matches: (b) => ascii(b, 0, 4) === 'OggS' },
	{
		mime: 'video/quicktime',
		kind: 'video',
		ext: 'mov',
		matches: (b) => ascii(b, 4, 12) === 'ftypqt  ',
	},
	{ mime: 'audio/mp4', kind: 'audio', ext: 'm4a', matches: (b) => ascii(b, 4, 11) === 'ftypM4A' },
	{ mime: 'video/mp4', kind: 'video', ext: 'mp4', matches: (b) => ascii(b, 4, 8) === 'ftyp' },
	// MP3 last: its frame-sync test (11 set bits) is the loosest one.
	{
		mime: 'audio/mpeg',
		kind: 'audio',
		ext: 'mp3',
		matches: (b) => ascii(b, 0, 3) === 'ID3' || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0),
	},
];

/** The media type of `buffer`, or null when the bytes are not a known media type. */
export function sniffMedia(buffer: Buffer | null | undefined): SniffedMedia | null {
	if (!buffer || buffer.length < 12) return null;
	const found = SIGNATURES.find((signature) => signature.matches(buffer));
	return found ? { mime: found.mime, kind: found.kind, ext: found.ext } : null;
}
