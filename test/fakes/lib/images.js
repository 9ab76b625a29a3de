'use strict';
/**
 * Real, decodable image bytes for the fakes: PNG (gradient), JPEG and WebP (solid colour).
 *
 * Results can be padded to a requested size with an ignorable chunk. Padding is produced
 * lazily by a generator, so a 100 MB result never exists in memory at once.
 */
const zlib = require('zlib');

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PAD_SLICE_BYTES = 1024 * 1024;
const MAX_PNG_CHUNK = 0x7fffffff;

// ---------------------------------------------------------------- CRC32

let crcTable = null;

/** Table-driven CRC32, only used when this Node build lacks zlib.crc32 (added in 20.15). */
function softwareCrc32(buf, previous) {
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
function crc32(buf, previous = 0) {
	return typeof zlib.crc32 === 'function' ? zlib.crc32(buf, previous) : softwareCrc32(buf, previous);
}

// ---------------------------------------------------------------- padding source

let padSlice = null;

/** One shared, read-only slice of filler bytes; every padded response streams views of it. */
function fillerSlice() {
	if (!padSlice) padSlice = Buffer.alloc(PAD_SLICE_BYTES, 'fake-provider-padding;');
	return padSlice;
}

/** Yields `total` filler bytes in slices, calling onSlice(slice) for each (used for CRCs). */
function* filler(total, onSlice) {
	const slice = fillerSlice();
	let left = total;
	while (left > 0) {
		const piece = left >= slice.length ? slice : slice.subarray(0, left);
		if (onSlice) onSlice(piece);
		left -= piece.length;
		yield piece;
	}
}

function u32be(value) {
	const b = Buffer.alloc(4);
	b.writeUInt32BE(value >>> 0);
	return b;
}

function u32le(value) {
	const b = Buffer.alloc(4);
	b.writeUInt32LE(value >>> 0);
	return b;
}

// ---------------------------------------------------------------- PNG

function pngChunk(type, data) {
	const typeBytes = Buffer.from(type, 'ascii');
	const crc = crc32(data, crc32(typeBytes));
	return Buffer.concat([u32be(data.length), typeBytes, data, u32be(crc)]);
}

/** RGB scanlines: red grows left to right, green top to bottom, blue depends on `variant`. */
function gradientScanlines(width, height, variant) {
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

function pngParts(width, height, variant) {
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

/** Valid RGB PNG with a simple gradient; `variant` shifts the colour so results differ. */
function pngBytes(width = 64, height = 64, variant = 0) {
	const { head, tail } = pngParts(width, height, variant);
	return Buffer.concat([head, tail]);
}

/**
 * PNG padding = one private ancillary chunk "pdLd" (decoders skip unknown ancillary chunks).
 * Its CRC is computed while the data streams, then written after it.
 */
function pngPadding(budget) {
	const dataBytes = Math.min(budget - 12, MAX_PNG_CHUNK);
	if (dataBytes <= 0) return null;
	return {
		length: dataBytes + 12,
		*chunks() {
			const type = Buffer.from('pdLd', 'ascii');
			let crc = crc32(type);
			yield Buffer.concat([u32be(dataBytes), type]);
			yield* filler(dataBytes, (slice) => {
				crc = crc32(slice, crc);
			});
			yield u32be(crc);
		},
	};
}

// ---------------------------------------------------------------- JPEG

function jpegSegment(marker, payload) {
	const header = Buffer.from([0xff, marker, 0, 0]);
	header.writeUInt16BE(payload.length + 2, 2);
	return Buffer.concat([header, payload]);
}

/** A Huffman table holding exactly one 1-bit code (bit "0") for `symbol`. */
function singleCodeHuffmanTable(tableClassAndId, symbol) {
	const counts = Buffer.alloc(16);
	counts[0] = 1;
	return jpegSegment(0xc4, Buffer.concat([Buffer.from([tableClassAndId]), counts, Buffer.from([symbol])]));
}

/**
 * Baseline greyscale JPEG of uniform mid-grey. Every 8x8 block is "DC difference 0, end of
 * block", i.e. two 0 bits with the one-code Huffman tables above, so no DCT is needed.
 */
function jpegParts(width, height) {
	const jfif = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
	const quant = Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)]);
	const frame = Buffer.from([8, 0, 0, 0, 0, 1, 1, 0x11, 0]);
	frame.writeUInt16BE(height, 1);
	frame.writeUInt16BE(width, 3);
	const scanHeader = Buffer.from([1, 1, 0x00, 0, 63, 0]);

	const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
	const bits = blocks * 2;
	const scan = Buffer.alloc(Math.ceil(bits / 8)); // all zero bits...
	if (bits % 8) scan[scan.length - 1] = 0xff >> bits % 8; // ...then pad the last byte with 1s

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
function jpegPadding(budget) {
	const sizes = [];
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
function bitWriter() {
	const bytes = [];
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
function vp8lSolid(width, height, [red, green, blue]) {
	const w = bitWriter();
	w.write(0x2f, 8); // VP8L signature
	w.write(width - 1, 14);
	w.write(height - 1, 14);
	w.write(0, 1); // alpha hint
	w.write(0, 3); // version
	w.write(0, 1); // no transforms
	w.write(0, 1); // no colour cache
	w.write(0, 1); // no meta prefix codes
	const singleSymbol = (symbol) => {
		w.write(1, 1); // simple code
		w.write(0, 1); // one symbol
		w.write(1, 1); // symbol written with 8 bits
		w.write(symbol, 8);
	};
	[green, red, blue, 255, 0].forEach(singleSymbol); // green, red, blue, alpha, distance
	return w.finish();
}

function riffChunk(fourcc, data) {
	const pad = data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0);
	return Buffer.concat([Buffer.from(fourcc, 'ascii'), u32le(data.length), data, pad]);
}

function u24le(value) {
	return Buffer.from([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff]);
}

/**
 * WebP needs the padding decided up front: unknown chunks are only allowed in the extended
 * (VP8X) layout, and the RIFF header carries the total size.
 */
function webpImage(width, height, variant, targetBytes) {
	const colour = [200, 120, (60 + variant * 67) & 0xff];
	const bitstream = riffChunk('VP8L', vp8lSolid(width, height, colour));
	const riffHeader = (payloadBytes) => Buffer.concat([Buffer.from('RIFF'), u32le(payloadBytes + 4), Buffer.from('WEBP')]);

	const extendedHeader = riffChunk('VP8X', Buffer.concat([Buffer.alloc(4), u24le(width - 1), u24le(height - 1)]));
	const fixedBytes = 12 + extendedHeader.length + bitstream.length + 8;
	const padData = targetBytes ? targetBytes - fixedBytes : 0;
	if (padData <= 0) {
		return { head: Buffer.concat([riffHeader(bitstream.length), bitstream]), padding: null, tail: Buffer.alloc(0) };
	}
	const padBytes = padData + (padData % 2);
	return {
		head: Buffer.concat([riffHeader(extendedHeader.length + bitstream.length + 8 + padBytes), extendedHeader, bitstream]),
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

const FORMATS = {
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

function withPadding({ head, tail }, targetBytes, makePadding) {
	const budget = targetBytes ? targetBytes - head.length - tail.length : 0;
	return { head, tail, padding: budget > 0 ? makePadding(budget) : null };
}

/**
 * Describes an image response without building it: `{ contentType, length, chunks() }`.
 * `chunks()` may be called once per response; it yields Buffers totalling `length` bytes.
 */
function imagePlan({ format = 'png', width = 64, height = 64, variant = 0, targetBytes }) {
	const spec = FORMATS[format];
	if (!spec) throw new Error(`unsupported image format ${format}`);
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

module.exports = { pngBytes, imagePlan, crc32, PNG_SIGNATURE, IMAGE_FORMATS: Object.keys(FORMATS) };
