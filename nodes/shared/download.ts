import type { IBinaryData, IDataObject, IN8nHttpFullResponse } from 'n8n-workflow';

import { DownloadLimitError, formatMb, storeStream } from './binary';
import type { Clock } from './clock';
import { networkCode, plainMessage } from './errors';
import { parseRetryAfter } from './retry';
import type { AttemptFailure } from './retry';
import type { CallLimits, HttpContext } from './taskClient';
import type { BinaryStream } from './types';

/** Limits of one result download: size, and total time from the first byte. */
export interface DownloadBounds {
	maxBytes: number;
	timeoutMs: number;
}

export interface DownloadedImage {
	binary: IBinaryData;
	mimeType: string;
}

/** One try: the image, a failure no retry can fix, or one a retry may fix. */
export type DownloadOutcome =
	| { image: DownloadedImage }
	| { fatal: string; fix?: string }
	| { failure: AttemptFailure; reason: string };

const IMAGE_EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
};

export function header(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	return value === undefined || value === null ? undefined : String(value);
}

export interface ImageFetch {
	url: string;
	fileStem: string;
	bounds: DownloadBounds;
	limits: CallLimits;
}

/** Fetches one result image (unauthenticated) and streams it into n8n's binary store, once. */
export async function fetchImage(
	fn: HttpContext,
	clock: Clock,
	fetch: ImageFetch,
): Promise<DownloadOutcome> {
	const { url, fileStem, bounds, limits } = fetch;
	const { maxBytes } = bounds;
	let response: IN8nHttpFullResponse;
	try {
		response = (await fn.helpers.httpRequest({
			method: 'GET',
			url,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: limits.timeoutMs,
			abortSignal: fn.getExecutionCancelSignal?.(),
		})) as IN8nHttpFullResponse;
	} catch (error) {
		return {
			failure: { networkCode: networkCode(error) ?? 'EDOWNLOAD' },
			reason: plainMessage(error),
		};
	}
	const body = response.body as BinaryStream;
	const { statusCode } = response;
	const mimeType = (header(response.headers, 'content-type') ?? '')
		.split(';')[0]
		.trim()
		.toLowerCase();
	const length = Number(header(response.headers, 'content-length'));
	const announced = Number.isFinite(length) && length > 0 ? length : undefined;
	const ok = statusCode >= 200 && statusCode < 300;
	if (!ok || !mimeType.startsWith('image/') || (announced ?? 0) > maxBytes) body.destroy();
	if (statusCode === 404 || statusCode === 410 || statusCode === 403) {
		return {
			fatal: `the image URL answered ${statusCode}`,
			fix: 'Result URLs expire about 24 hours after the task finished; run the task again if it is older',
		};
	}
	if (!ok) {
		const retryAfterMs = parseRetryAfter(header(response.headers, 'retry-after'), clock.now());
		return {
			failure: { statusCode, retryAfterMs },
			reason: `the image URL answered ${statusCode}`,
		};
	}
	if (!mimeType.startsWith('image/')) {
		return { fatal: `the server sent "${mimeType || 'no content type'}" instead of an image` };
	}
	if (announced !== undefined && announced > maxBytes) {
		return {
			fatal: `the image is ${formatMb(announced)}, above the ${formatMb(maxBytes)} limit`,
			fix: 'Raise Max Download Size (MB) in Options',
		};
	}
	const extension = IMAGE_EXTENSIONS[mimeType] ?? mimeType.slice(6);
	const timing = { deadline: clock.now() + bounds.timeoutMs, now: () => clock.now() };
	try {
		const fileName = `${fileStem}.${extension}`;
		const binary = await storeStream(
			fn,
			body,
			fileName,
			mimeType,
			{ ...bounds, ...timing },
			announced,
		);
		return { image: { binary, mimeType } };
	} catch (error) {
		if (error instanceof DownloadLimitError && error.fatal)
			return { fatal: error.message, fix: error.fix };
		const reason =
			error instanceof DownloadLimitError
				? error.message
				: `the connection broke off during the download (${plainMessage(error)})`;
		return { failure: { networkCode: networkCode(error) ?? 'EDOWNLOAD' }, reason };
	}
}
