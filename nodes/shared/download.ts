import type { IBinaryData } from 'n8n-workflow';

import { DownloadLimitError, formatMb, storeStream, streamOf } from './binary';
import type { Clock } from './clock';
import { networkCode, plainMessage } from './errors';
import type { Masker } from './mask';
import { parseRetryAfter } from './retry';
import type { AttemptFailure } from './retry';
import type { UrlPolicy } from './resultUrls';
import { describeBytes, peek, sniffImage } from './sniff';
import { openDownload } from './exchange';
import { header } from './transport';
import type { HttpContext } from './transport';

/**
 * One result image, from its URL into n8n's binary store. The request goes through the one HTTP
 * door (transport.ts: URL rules, resolved and checked addresses, redirects hop by hop, size and
 * time caps); here the answer's status decides what a retry can fix, and the bytes decide the
 * type: the first bytes are read, and only a PNG, JPEG, WebP or GIF is stored, with the type
 * and extension its bytes show. Anything else (SVG, HTML, text, unknown) fails the item and is
 * never stored. The file is streamed; only its first bytes are held.
 */

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

const EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
};

/** Enough for every signature sniff.ts knows (WebP needs 12). */
const HEAD_BYTES = 16;

export interface ImageFetch {
	url: string;
	fileStem: string;
	bounds: DownloadBounds;
	/** The time each request may take until its answer starts. */
	requestTimeoutMs: number;
	policy: UrlPolicy;
}

/** A result URL as it may be shown: masked (signed-URL tokens), at most 120 characters. */
export function shownUrl(url: string, masker: Masker): string {
	const masked = masker.text(url);
	return masked.length > 120 ? `${masked.slice(0, 117)}...` : masked;
}

/** Fetches one result image (unauthenticated) and streams it into n8n's binary store, once. */
export async function fetchImage(
	fn: HttpContext,
	clock: Clock,
	fetch: ImageFetch,
	masker: Masker,
): Promise<DownloadOutcome> {
	const { fileStem, bounds } = fetch;
	const limits = { ...bounds, deadline: clock.now() + bounds.timeoutMs, now: () => clock.now() };
	const answer = await openDownload(
		fn,
		{ url: fetch.url, policy: fetch.policy, timeoutMs: fetch.requestTimeoutMs, limits, clock },
		masker,
	);
	if ('refused' in answer) {
		return {
			fatal: `the result URL ${shownUrl(answer.url, masker)} was refused (${answer.refused}); nothing was fetched`,
			fix:
				answer.fix ??
				'The provider answered with an image URL these nodes do not fetch. Report it to the provider with the task ID',
		};
	}
	if ('failure' in answer) return answer;
	const { statusCode, headers, body, chunks, announced } = answer;
	if (statusCode === 404 || statusCode === 410 || statusCode === 403) {
		return {
			fatal: `the image URL answered ${statusCode}`,
			fix: 'Result URLs expire about 24 hours after the task finished; run the task again if it is older',
		};
	}
	if (statusCode < 200 || statusCode >= 300) {
		const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), clock.now());
		return {
			failure: { statusCode, retryAfterMs },
			reason: `the image URL answered ${statusCode}`,
		};
	}
	if (!body || !chunks) {
		return {
			fatal: `the image is ${formatMb(announced ?? 0)}, above the ${formatMb(bounds.maxBytes)} limit`,
			fix: 'Raise Max Download Size (MB) in Options',
		};
	}
	const label = (header(headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
	try {
		const { head, all } = await peek(chunks, HEAD_BYTES);
		const mimeType = sniffImage(head);
		if (!mimeType) {
			body.destroy();
			return {
				fatal: `the result is not a PNG, JPEG, WebP or GIF image (${describeBytes(head)}; the server called it ${masker.text(label || 'nothing')}), so it was not stored`,
				fix: 'Report it to the provider with the task ID',
			};
		}
		const fileName = `${fileStem}.${EXTENSIONS[mimeType]}`;
		// One stream between the socket and the store (the checked chunks, head put back): each
		// further stream layer copied and re-buffered every chunk, which P1-4MB showed on 2 cores.
		const binary = await storeStream(fn, streamOf(body, all), fileName, mimeType);
		return { image: { binary, mimeType } };
	} catch (error) {
		if (error instanceof DownloadLimitError && error.fatal)
			return { fatal: error.message, fix: error.fix };
		const reason =
			error instanceof DownloadLimitError
				? error.message
				: `the connection broke off during the download (${masker.text(plainMessage(error))})`;
		return { failure: { networkCode: networkCode(error) ?? 'EDOWNLOAD' }, reason };
	}
}
