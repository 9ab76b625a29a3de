/**
 * PNG bytes for the fakes (RGB gradient), plus the byte helpers every image format shares:
 * CRC32, little/big-endian integers and the lazily streamed filler used to pad results.
 */
import * as zlib from 'zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PAD_SLICE_BYTES = 1024 * 1024;
const MAX_PNG_CHUNK = 0x7fffffff;

/** Bytes of a response body produced lazily: `chunks()` yields Buffers totalling `length`. */
export interface ByteSource {
	length: number;
	chunks(): Iterable<Buffer>;
}

// ---------------------------------------------------------------- CRC32

let crcTable: Int32Array | null = null;

/** Table-driven CRC32, only used when this Node build lacks zlib.crc32 (added in 20.15). */
function softwareCrc32(buf: Buffer, previous: number): number {
	if (!crcTable) {
		crcTable = new Int32Array(256);
		for (let n = 0; n < 256; n++) {
			let c = n;
			for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
			crcTable[n] = c;
		}
	}
	let crc = previous ^ 0xffffffff;
	for (let i = 0; i < buf.length; i++) crc = crcTable[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
	return (crc ^ 0xffffffff) >>> 0;
}

/** Incremental CRC32: crc32(b, crc32(a)) === crc32(a + b). */
export function crc32(buf: Buffer, previous = 0): number {
	return typeof zlib.crc32 === 'function'
		? zlib.crc32(buf, previous)
		: softwareCrc32(buf, previous);
}

// ---------------------------------------------------------------- padding source

let padSlice: Buffer | null = null;

/** One shared, read-only slice of filler bytes; every padded response streams views of it. */
function fillerSlice(): Buffer {
	if (!padSlice) padSlice = Buffer.alloc(PAD_SLICE_BYTES, 'fake-provider-padding;');
	return padSlice;
}

/** Yields `total` filler bytes in slices, calling onSlice(slice) for each (used for CRCs). */
export function* filler(total: number, onSlice?: (slice: Buffer) => void): Generator<Buffer> {
	const slice = fillerSlice();
	let left = total;
	while (left > 0) {
		const piece = left >= slice.length ? slice : slice.subarray(0, left);
		if (onSlice) onSlice(piece);
		left -= piece.length;
		yield piece;
	}
}

export function u32be(value: number): Buffer {
	const b = Buffer.alloc(4);
	b.writeUInt32BE(value >>> 0);
	return b;
}

export function u32le(value: number): Buffer {
	const b = Buffer.alloc(4);
	b.writeUInt32LE(value >>> 0);
	return b;
}

// ---------------------------------------------------------------- PNG

function pngChunk(type: string, data: Buffer): Buffer {
	const typeBytes = Buffer.from(type, 'ascii');
	const crc = crc32(data, crc32(typeBytes));
	return Buffer.concat([u32be(data.length), typeBytes, data, u32be(crc)]);
}

/** RGB scanlines: red grows left to right, green top to bottom, blue depends on `variant`. */
function gradientScanlines(width: number, height: number, variant: number): Buffer {
	const stride = 1 + width * 3;
	const raw = Buffer.alloc(stride * height);
	const blue = (128 + variant * 67) & 0xff;
	for (let y = 0; y < height; y++) {
		const row = y * stride; // raw[row] stays 0 = filter type "None"
		for (let x = 0; x < width; x++) {
			const p = row + 1 + x * 3;
			raw[p] = Math.floor((x * 255) / Math.max(1, width - 1));
			raw[p + 1] = Math.floor((y * 255) / Math.max(1, height - 1));
			raw[p + 2] = blue;
		}
	}
	return raw;
}

/** An image split around the place padding may go. */
export interface ImageParts {
	head: Buffer;
	tail: Buffer;
}

export function pngParts(width: number, height: number, variant: number): ImageParts {
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 2; // colour type: truecolour RGB
	// compression, filter and interlace stay 0
	const idat = zlib.deflateSync(gradientScanlines(width, height, variant));
	return {
		head: Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat)]),
		tail: pngChunk('IEND', Buffer.alloc(0)),
	};
}

/** A valid RGB PNG with a simple gradient; `variant` shifts the colour so results differ. */
export function pngBytes(width = 64, height = 64, variant = 0): Buffer {
	const { head, tail } = pngParts(width, height, variant);
	return Buffer.concat([head, tail]);
}

/** The pdLd chunk's CRC per data length: the filler is always the same bytes, so it is too. */
const paddingCrcs = new Map<number, number>();

/**
 * PNG padding = one private ancillary chunk "pdLd" (decoders skip unknown ancillary chunks).
 * Its CRC is computed while the data streams the first time a length is served, then reused: a
 * benchmark serving 200 MB at once would otherwise spend its CPU, on the cores the node under
 * measurement needs, on CRCs a real image host never computes per download.
 */
export function pngPadding(budget: number): ByteSource | null {
	const dataBytes = Math.min(budget - 12, MAX_PNG_CHUNK);
	if (dataBytes <= 0) return null;
	return {
		length: dataBytes + 12,
		*chunks() {
			const type = Buffer.from('pdLd', 'ascii');
			yield Buffer.concat([u32be(dataBytes), type]);
			const known = paddingCrcs.get(dataBytes);
			let crc = known ?? crc32(type);
			const onSlice = (slice: Buffer) => (crc = crc32(slice, crc));
			yield* filler(dataBytes, known === undefined ? onSlice : undefined);
			paddingCrcs.set(dataBytes, crc);
			yield u32be(crc);
		},
	};
}
