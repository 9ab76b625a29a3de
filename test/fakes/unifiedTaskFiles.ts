/**
 * The files API of the unified task API (docs/providers.md, "Files API"), served only for a
 * provider whose adapter has the `upload` capability (EvoLink).
 */
import * as crypto from 'crypto';

import { bufferReply, isPlainObject, jsonReply } from './lib/http';
import type { Reply } from './lib/http';
import type { Call, Ctx } from './lib/provider';
import { sniffMedia } from './lib/sniff';
import { evoError } from './unifiedTaskRules';

const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const MAX_UPLOAD_BYTES = 100 * 1024 * 1024; // EvoLink's MCP client states 100 MB
const FILE_LIFETIME_MS = 72 * 3600 * 1000;

export function randomAlnum(length: number): string {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
	return Array.from(crypto.randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join(
		'',
	);
}

function fileError(ctx: Ctx, code: number, msg: string): Reply {
	return jsonReply(ctx.options.fileErrorStatus ?? 400, { success: false, code, msg });
}

function baseMime(type: string | null | undefined): string {
	return type ? type.split(';')[0].trim().toLowerCase() : '';
}

interface Upload {
	data: Buffer;
	declaredType?: string | null;
	originalName?: string;
	fileName?: string;
	uploadPath?: string;
}

/**
 * Checks and stores an uploaded image. The declared type must be an allowed image type (or
 * a generic one) and the bytes must sniff as an allowed image: both are checked because a
 * client that labels a text file image/png must still be refused.
 */
function storeUpload(
	ctx: Ctx,
	{ data, declaredType, originalName, fileName, uploadPath }: Upload,
): Reply {
	if (data.length > MAX_UPLOAD_BYTES) return fileError(ctx, 40001, 'File too large');
	const declared = baseMime(declaredType);
	const generic = !declared || declared === 'application/octet-stream';
	const sniffed = sniffMedia(data);
	if (
		(!generic && !UPLOAD_TYPES.includes(declared)) ||
		!sniffed ||
		!UPLOAD_TYPES.includes(sniffed.mime)
	) {
		return fileError(ctx, 40002, 'File type not allowed');
	}
	const fileId = `file_${randomAlnum(16)}`;
	const name = fileName || originalName || `${fileId}.${sniffed.ext}`;
	ctx.store.files.set(fileId, {
		data: Buffer.from(data),
		contentType: sniffed.mime,
		fileName: name,
	});
	const now = ctx.now();
	return jsonReply(200, {
		success: true,
		code: 200,
		msg: 'File uploaded successfully',
		data: {
			file_id: fileId,
			file_name: name,
			original_name: originalName || name,
			file_size: data.length,
			mime_type: sniffed.mime,
			upload_path: uploadPath || '',
			file_url: `${ctx.baseUrl}/files/${fileId}/${encodeURIComponent(name)}`,
			download_url: `${ctx.baseUrl}/api/v1/files/download/${fileId}`,
			upload_time: new Date(now).toISOString(),
			expires_at: new Date(now + FILE_LIFETIME_MS).toISOString(),
		},
	});
}

export function uploadStream(call: Call, ctx: Ctx): Reply {
	if (!call.parts) return fileError(ctx, 40000, 'Expected a multipart/form-data body');
	const file = call.parts.files.find((part) => part.field === 'file');
	if (!file) return fileError(ctx, 40000, 'file is required');
	const fields = call.parts.fields;
	return storeUpload(ctx, {
		data: file.data,
		declaredType: file.contentType,
		originalName: file.fileName,
		fileName: fields.file_name || fields.fileName,
		uploadPath: fields.upload_path || fields.uploadPath,
	});
}

export function uploadBase64(call: Call, ctx: Ctx): Reply {
	const body = isPlainObject(call.body) ? call.body : {};
	if (typeof body.base64_data !== 'string' || !body.base64_data)
		return fileError(ctx, 40000, 'base64_data is required');
	const dataUrl = /^data:([^;,]+)?(?:;[^,]*)?,(.*)$/s.exec(body.base64_data);
	const payload = (dataUrl ? dataUrl[2] : body.base64_data).replace(/\s+/g, '');
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload))
		return fileError(ctx, 40000, 'base64_data is not valid base64');
	return storeUpload(ctx, {
		data: Buffer.from(payload, 'base64'),
		declaredType: dataUrl ? dataUrl[1] : undefined,
		fileName: typeof body.file_name === 'string' ? body.file_name : undefined,
		uploadPath: typeof body.upload_path === 'string' ? body.upload_path : undefined,
	});
}

export function serveFile(call: Call, ctx: Ctx): Reply {
	const file = ctx.store.files.get(call.params[0]);
	if (!file) return evoError(404, 'not_found', 'File not found', 'invalid_request_error');
	return bufferReply(200, file.contentType, file.data);
}
