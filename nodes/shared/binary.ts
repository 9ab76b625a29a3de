import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { randomBytes } from 'crypto';

import type { BinaryStream, MultipartFile } from './types';

type ReadableClass = {
	from(
		source: AsyncIterable<Buffer>,
		options?: { objectMode?: boolean; highWaterMark?: number },
	): BinaryStream;
};

/**
 * The cloud lint allows no 'stream' import, so new streams are made with the static `from` of
 * the Readable that n8n's helpers already gave us (an IncomingMessage or a file stream).
 */
function readableFrom(like: BinaryStream, source: AsyncIterable<Buffer>): BinaryStream {
	return (like.constructor as unknown as ReadableClass).from(source, {
		objectMode: false,
		highWaterMark: 65536,
	});
}

/** A download that broke a limit (fatal, with the option to change) or ended early (worth another try). */
export class DownloadLimitError extends Error {
	constructor(
		message: string,
		readonly fatal: boolean,
		readonly fix?: string,
	) {
		super(message);
	}
}

/** Passes chunks through, failing as soon as more than `maxBytes` arrive or fewer than announced. */
export async function* limitedChunks(
	source: BinaryStream,
	limits: DownloadLimits,
	announced?: number,
): AsyncGenerator<Buffer> {
	let received = 0;
	for await (const chunk of source as AsyncIterable<Buffer>) {
		received += chunk.length;
		if (received > limits.maxBytes) {
			source.destroy();
			throw new DownloadLimitError(
				`the image is larger than the ${formatMb(limits.maxBytes)} limit`,
				true,
				'Raise Max Download Size (MB) in Options',
			);
		}
		// A silent connection is ended by the request timeout; a trickling one by this deadline.
		if (limits.now() > limits.deadline) {
			source.destroy();
			throw new DownloadLimitError(
				`the download took longer than ${Math.round(limits.timeoutMs / 1000)} s`,
				true,
				'Raise Download Timeout (Seconds) in Options',
			);
		}
		yield chunk;
	}
	if (announced !== undefined && received < announced) {
		throw new DownloadLimitError(
			`the download ended after ${received} of ${announced} bytes`,
			false,
		);
	}
}

export function formatMb(bytes: number): string {
	return `${Math.round((bytes / 1048576) * 10) / 10} MB`;
}

export interface DownloadLimits {
	maxBytes: number;
	timeoutMs: number;
	/** ms since epoch, on the clock `now` reads */
	deadline: number;
	now: () => number;
}

/** A stream of `chunks`, made with the Readable class of `like` (see readableFrom). */
export function streamOf(like: BinaryStream, chunks: AsyncIterable<Buffer>): BinaryStream {
	return readableFrom(like, chunks);
}

/** Streams a body into n8n's binary store without holding the whole file. */
export async function storeStream(
	fn:
		| Pick<IExecuteFunctions, 'helpers'>
		| { helpers: Pick<IExecuteFunctions['helpers'], 'prepareBinaryData'> },
	body: BinaryStream,
	fileName: string,
	mimeType: string,
): Promise<IBinaryData> {
	return await fn.helpers.prepareBinaryData(body, fileName, mimeType);
}

function base64Length(data: string): number {
	const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
	return Math.floor((data.length * 3) / 4) - padding;
}

export interface InputBinary {
	property: string;
	fileName: string;
	mimeType: string;
	size?: number;
	open: () => Promise<BinaryStream | Buffer>;
}

/** Describes a binary property of an input item; the bytes are only read when uploaded. */
export async function describeInputBinary(
	fn: IExecuteFunctions,
	itemIndex: number,
	property: string,
): Promise<InputBinary> {
	const binary = fn.helpers.assertBinaryData(itemIndex, property);
	const fileName = binary.fileName ?? `${property}.${binary.fileExtension ?? 'png'}`;
	if (binary.id) {
		const id = binary.id;
		const metadata = await fn.helpers.getBinaryMetadata(id);
		return {
			property,
			fileName,
			mimeType: binary.mimeType,
			size: metadata.fileSize,
			open: async () => await fn.helpers.getBinaryStream(id),
		};
	}
	// Inline data only exists without a binary data manager (tests, old setups); it is in memory already.
	return {
		property,
		fileName,
		mimeType: binary.mimeType,
		size: binary.bytes ?? base64Length(binary.data),
		open: async () => await fn.helpers.getBinaryDataBuffer(itemIndex, property),
	};
}

export interface MultipartBody {
	body: BinaryStream | Buffer;
	contentType: string;
	contentLength?: number;
}

function quote(value: string): string {
	return value.replace(/["\r\n\\]/g, '_');
}

/** A multipart/form-data body with one file part, streamed when the file is a stream. */
export function multipartBody(file: MultipartFile): MultipartBody {
	const boundary = `----n8nGptImage${randomBytes(12).toString('hex')}`;
	const head = Buffer.from(
		`--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.fileName)}"\r\n` +
			`Content-Type: ${file.mimeType}\r\n\r\n`,
	);
	const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
	const contentType = `multipart/form-data; boundary=${boundary}`;
	const content = file.content;
	if (Buffer.isBuffer(content)) {
		const body = Buffer.concat([head, content, tail]);
		return { body, contentType, contentLength: body.length };
	}
	async function* parts(): AsyncGenerator<Buffer> {
		yield head;
		for await (const chunk of content as AsyncIterable<Buffer>) yield chunk;
		yield tail;
	}
	const contentLength = file.size === undefined ? undefined : head.length + file.size + tail.length;
	return { body: readableFrom(content, parts()), contentType, contentLength };
}
