/**
 * Real, decodable image bytes for the fakes: PNG (gradient, see png.ts), JPEG and WebP (solid
 * colour). Results can be padded to a requested size with an ignorable chunk. Padding is
 * produced lazily by a generator, so a 100 MB result never exists in memory at once.
 */
import { filler, pngPadding, pngParts, u32le } from './png';
import type { ByteSource, ImageParts } from './png';

export { pngBytes } from './png';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** An image response described without building it (see http.ts, streamReply). */
export interface ImagePlan extends ByteSource {
	contentType: string;
}

interface PaddedImage extends ImageParts {
	padding: ByteSource | null;
}

// ---------------------------------------------------------------- JPEG

function jpegSegment(marker: number, payload: Buffer): Buffer {
	const header = Buffer.from([0xff, marker, 0, 0]);
	header.writeUInt16BE(payload.length + 2, 2);
	return Buffer.concat([header, payload]);
}

/** A Huffman table holding exactly one 1-bit code (bit "0") for `symbol`. */
function singleCodeHuffmanTable(tableClassAndId: number, symbol: number): Buffer {
	const counts = Buffer.alloc(16);
	counts[0] = 1;
	return jpegSegment(
		0xc4,
		Buffer.concat([Buffer.from([tableClassAndId]), counts, Buffer.from([symbol])]),
	);
}

/**
 * Baseline greyscale JPEG of uniform mid-grey. Every 8x8 block is "DC difference 0, end of
 * block", i.e. two 0 bits with the one-code Huffman tables above, so no DCT is needed.
 */
function jpegParts(width: number, height: number): ImageParts {
	const jfif = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
	const quant = Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)]);
	const frame = Buffer.from([8, 0, 0, 0, 0, 1, 1, 0x11, 0]);
	frame.writeUInt16BE(height, 1);
	frame.writeUInt16BE(width, 3);
	const scanHeader = Buffer.from([1, 1, 0x00, 0, 63, 0]);

	const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
	const bits = blocks * 2;
	const scan = Buffer.alloc(Math.ceil(bits / 8)); // all zero bits...
	if (bits % 8) scan[scan.length - 1] = 0xff >> (bits % 8); // ...then pad the last byte with 1s

	return {
		head: Buffer.concat([
			Buffer.from([0xff, 0xd8]),
			jpegSegment(0xe0, jfif),
			jpegSegment(0xdb, quant),
			jpegSegment(0xc0, frame),
			singleCodeHuffmanTable(0x00, 0x00), // DC table 0: category 0
			singleCodeHuffmanTable(0x10, 0x00), // AC table 0: end of block
		]),
		tail: Buffer.concat([jpegSegment(0xda, scanHeader), scan, Buffer.from([0xff, 0xd9])]),
	};
}

/** JPEG padding = a run of COM (comment) segments, each at most 65533 payload bytes. */
function jpegPadding(budget: number): ByteSource | null {
	const sizes: number[] = [];
	let left = budget;
	while (left >= 4) {
		const payload = Math.min(65533, left - 4);
		sizes.push(payload);
		left -= payload + 4;
	}
	if (!sizes.length) return null;
	return {
		length: sizes.reduce((sum, size) => sum + size + 4, 0),
		*chunks() {
			for (const size of sizes) {
				const header = Buffer.from([0xff, 0xfe, 0, 0]);
				header.writeUInt16BE(size + 2, 2);
				yield header;
				yield* filler(size);
			}
		},
	};
}

// ---------------------------------------------------------------- WebP

/** Little-endian bit packer, the bit order VP8L uses. */
function bitWriter(): { write(value: number, count: number): void; finish(): Buffer } {
	const bytes: number[] = [];
	let current = 0;
	let used = 0;
	return {
		write(value, count) {
			for (let i = 0; i < count; i++) {
				current |= ((value >>> i) & 1) << used;
				if (++used === 8) {
					bytes.push(current);
					current = 0;
					used = 0;
				}
			}
		},
		finish() {
			if (used) bytes.push(current);
			return Buffer.from(bytes);
		},
	};
}

/**
 * Lossless (VP8L) bitstream of one solid colour. Each of the five prefix codes is a "simple"
 * code with a single symbol, which takes zero bits per pixel, so the pixel data is empty.
 */
function vp8lSolid(
	width: number,
	height: number,
	[red, green, blue]: [number, number, number],
): Buffer {
	const w = bitWriter();
	w.write(0x2f, 8); // VP8L signature
	w.write(width - 1, 14);
	w.write(height - 1, 14);
	w.write(0, 1); // alpha hint
	w.write(0, 3); // version
	w.write(0, 1); // no transforms
	w.write(0, 1); // no colour cache
	w.write(0, 1); // no meta prefix codes
	const singleSymbol = (symbol: number): void => {
		w.write(1, 1); // simple code
		w.write(0, 1); // one symbol
		w.write(1, 1); // symbol written with 8 bits
		w.write(symbol, 8);
	};
	[green, red, blue, 255, 0].forEach(singleSymbol); // green, red, blue, alpha, distance
	return w.finish();
}

function riffChunk(fourcc: string, data: Buffer): Buffer {
	const pad = data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0);
	return Buffer.concat([Buffer.from(fourcc, 'ascii'), u32le(data.length), data, pad]);
}

function u24le(value: number): Buffer {
	return Buffer.from([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff]);
}

/**
 * WebP needs the padding decided up front: unknown chunks are only allowed in the extended
 * (VP8X) layout, and the RIFF header carries the total size.
 */
function webpImage(
	width: number,
	height: number,
	variant: number,
	targetBytes?: number,
): PaddedImage {
	const bitstream = riffChunk(
		'VP8L',
		vp8lSolid(width, height, [200, 120, (60 + variant * 67) & 0xff]),
	);
	const riffHeader = (payloadBytes: number): Buffer =>
		Buffer.concat([Buffer.from('RIFF'), u32le(payloadBytes + 4), Buffer.from('WEBP')]);

	const extendedHeader = riffChunk(
		'VP8X',
		Buffer.concat([Buffer.alloc(4), u24le(width - 1), u24le(height - 1)]),
	);
	const fixedBytes = 12 + extendedHeader.length + bitstream.length + 8;
	const padData = targetBytes ? targetBytes - fixedBytes : 0;
	if (padData <= 0) {
		return {
			head: Buffer.concat([riffHeader(bitstream.length), bitstream]),
			padding: null,
			tail: Buffer.alloc(0),
		};
	}
	const padBytes = padData + (padData % 2);
	return {
		head: Buffer.concat([
			riffHeader(extendedHeader.length + bitstream.length + 8 + padBytes),
			extendedHeader,
			bitstream,
		]),
		padding: {
			length: padBytes + 8,
			*chunks() {
				yield Buffer.concat([Buffer.from('PDLD', 'ascii'), u32le(padData)]);
				yield* filler(padData);
				if (padBytes !== padData) yield Buffer.alloc(1);
			},
		},
		tail: Buffer.alloc(0),
	};
}

// ---------------------------------------------------------------- public plan

function withPadding(
	{ head, tail }: ImageParts,
	targetBytes: number | undefined,
	makePadding: (budget: number) => ByteSource | null,
): PaddedImage {
	const budget = targetBytes ? targetBytes - head.length - tail.length : 0;
	return { head, tail, padding: budget > 0 ? makePadding(budget) : null };
}

const FORMATS: Record<
	ImageFormat,
	{
		contentType: string;
		build(w: number, h: number, variant: number, target?: number): PaddedImage;
	}
> = {
	png: {
		contentType: 'image/png',
		build: (w, h, variant, target) => withPadding(pngParts(w, h, variant), target, pngPadding),
	},
	jpeg: {
		contentType: 'image/jpeg',
		build: (w, h, _variant, target) => withPadding(jpegParts(w, h), target, jpegPadding),
	},
	webp: { contentType: 'image/webp', build: webpImage },
};

export const IMAGE_FORMATS = Object.keys(FORMATS) as ImageFormat[];

export interface ImageRequest {
	format?: ImageFormat;
	width?: number;
	height?: number;
	variant?: number;
	/** Pad the image to about this many bytes. */
	targetBytes?: number;
}

/**
 * Describes an image response without building it. `chunks()` may be called once per
 * response; it yields Buffers totalling `length` bytes.
 */
export function imagePlan({
	format = 'png',
	width = 64,
	height = 64,
	variant = 0,
	targetBytes,
}: ImageRequest): ImagePlan {
	const spec = FORMATS[format];
	if (!spec) throw new Error(`unsupported image format ${String(format)}`);
	const { head, padding, tail } = spec.build(width, height, variant, targetBytes);
	return {
		contentType: spec.contentType,
		length: head.length + (padding ? padding.length : 0) + tail.length,
		*chunks() {
			yield head;
			if (padding) yield* padding.chunks();
			if (tail.length) yield tail;
		},
	};
}
