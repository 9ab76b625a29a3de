/**
 * Minimal multipart/form-data parser (RFC 7578) working on Buffers, so binary file parts stay
 * byte-exact. It only supports what upload clients send: named fields and file parts.
 */

export interface MultipartFile {
	field: string;
	fileName: string;
	contentType: string | null;
	size: number;
	data: Buffer;
}

export interface MultipartParts {
	fields: Record<string, string>;
	files: MultipartFile[];
}

interface RawPart {
	headers: Record<string, string>;
	data: Buffer;
}

function boundaryFrom(contentType: string): string {
	const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType || '');
	if (!match) throw new Error('multipart content type has no boundary');
	return match[1] || match[2];
}

function parseHeaderBlock(text: string): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const line of text.split('\r\n')) {
		const colon = line.indexOf(':');
		if (colon > 0)
			headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return headers;
}

/** Reads one parameter of a Content-Disposition value; `filename*` (RFC 5987) wins if present. */
function dispositionParam(disposition: string, name: string): string | undefined {
	const extended = new RegExp(`(?:^|;)\\s*${name}\\*=(?:[\\w-]+)?'[^']*'([^;]+)`, 'i').exec(
		disposition,
	);
	if (extended) return decodeURIComponent(extended[1].trim());
	const quoted = new RegExp(`(?:^|;)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition);
	if (quoted) return quoted[1].replace(/\\(.)/g, '$1');
	const bare = new RegExp(`(?:^|;)\\s*${name}=([^;]+)`, 'i').exec(disposition);
	return bare ? bare[1].trim() : undefined;
}

/** Splits the body into raw parts `{ headers, data }`. */
function splitParts(buffer: Buffer, boundary: string): RawPart[] {
	const opening = Buffer.from(`--${boundary}`);
	const separator = Buffer.from(`\r\n--${boundary}`);
	let cursor = buffer.indexOf(opening);
	if (cursor < 0) throw new Error('multipart body does not contain its boundary');
	cursor += opening.length;
	const parts: RawPart[] = [];
	for (;;) {
		if (buffer[cursor] === 0x2d && buffer[cursor + 1] === 0x2d) return parts; // "--": closing delimiter
		const headerStart = buffer.indexOf('\r\n', cursor) + 2; // skip transport padding + CRLF
		const headerEnd = buffer.indexOf('\r\n\r\n', headerStart - 2);
		if (headerStart < 2 || headerEnd < 0) throw new Error('multipart part without a header block');
		const dataStart = headerEnd + 4;
		const dataEnd = buffer.indexOf(separator, dataStart);
		if (dataEnd < 0) throw new Error('multipart body is not terminated');
		const headerText =
			headerEnd >= headerStart ? buffer.toString('utf8', headerStart, headerEnd) : '';
		parts.push({
			headers: parseHeaderBlock(headerText),
			data: buffer.subarray(dataStart, dataEnd),
		});
		cursor = dataEnd + separator.length;
	}
}

/** Named fields and file parts; a part counts as a file when its Content-Disposition has a filename. */
export function parseMultipart(buffer: Buffer, contentType: string): MultipartParts {
	const result: MultipartParts = { fields: {}, files: [] };
	for (const part of splitParts(buffer, boundaryFrom(contentType))) {
		const disposition = part.headers['content-disposition'] || '';
		const field = dispositionParam(disposition, 'name');
		const fileName = dispositionParam(disposition, 'filename');
		if (field === undefined) continue;
		if (fileName === undefined) {
			result.fields[field] = part.data.toString('utf8');
		} else {
			result.files.push({
				field,
				fileName,
				contentType: part.headers['content-type'] || null,
				size: part.data.length,
				data: part.data,
			});
		}
	}
	return result;
}
