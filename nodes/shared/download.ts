import type { IBinaryData, IDataObject, IN8nHttpFullResponse } from 'n8n-workflow';

import { DownloadLimitError, formatMb, storeStream } from './binary';
import type { Clock } from './clock';
import { networkCode, plainMessage } from './errors';
import { parseRetryAfter } from './retry';
import type { AttemptFailure } from './retry';
import { resultUrlProblem } from './resultUrls';
import type { UrlPolicy } from './resultUrls';
import type { CallLimits, HttpContext } from './taskClient';
import { refusedBeforeSending } from './transport';
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
	policy: UrlPolicy;
}

const MAX_HOPS = 5;

function refused(url: string, why: string): DownloadOutcome {
	const shown = url.length > 120 ? `${url.slice(0, 117)}...` : url;
	return {
		fatal: `the result URL ${shown} was refused (${why}); nothing was fetched`,
		fix: 'The provider answered with an image URL these nodes do not fetch. Report it to the provider with the task ID',
	};
}

/** Our own URL rules, then n8n's egress filter where this n8n has one. */
async function checkHop(
	fn: HttpContext,
	url: string,
	policy: UrlPolicy,
): Promise<DownloadOutcome | undefined> {
	const problem = resultUrlProblem(url, policy);
	if (problem) return refused(url, problem);
	const filter = fn.helpers.getSecureEgressFilter?.();
	if (!filter) return undefined;
	try {
		const verdict = await filter.validateUrl(url);
		if (!verdict.ok) return refused(url, plainMessage(verdict.error));
	} catch (error) {
		return { failure: { networkCode: networkCode(error) ?? 'EDNS' }, reason: plainMessage(error) };
	}
	return undefined;
}

/** Follows redirects hop by hop, checking each one, until an answer that is not a redirect. */
async function requestImage(
	fn: HttpContext,
	fetch: ImageFetch,
): Promise<IN8nHttpFullResponse | DownloadOutcome> {
	let url = fetch.url;
	for (let hop = 0; hop <= MAX_HOPS; hop++) {
		const refusal = await checkHop(fn, url, fetch.policy);
		if (refusal) return refusal;
		let response: IN8nHttpFullResponse;
		try {
			response = (await fn.helpers.httpRequest({
				method: 'GET',
				url,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				disableFollowRedirect: true,
				maxRedirects: 0,
				timeout: fetch.limits.timeoutMs,
				abortSignal: fn.getExecutionCancelSignal?.(),
			})) as IN8nHttpFullResponse;
		} catch (error) {
			if (refusedBeforeSending(error)) return refused(url, plainMessage(error));
			return {
				failure: { networkCode: networkCode(error) ?? 'EDOWNLOAD' },
				reason: plainMessage(error),
			};
		}
		if (response.statusCode < 300 || response.statusCode >= 400) return response;
		(response.body as BinaryStream | undefined)?.destroy?.();
		const location = header(response.headers, 'location');
		if (!location)
			return { fatal: `the image URL answered ${response.statusCode} without a Location` };
		url = new URL(location, url).toString();
	}
	return refused(fetch.url, `more than ${MAX_HOPS} redirects`);
}

/** Fetches one result image (unauthenticated) and streams it into n8n's binary store, once. */
export async function fetchImage(
	fn: HttpContext,
	clock: Clock,
	fetch: ImageFetch,
): Promise<DownloadOutcome> {
	const { fileStem, bounds } = fetch;
	const { maxBytes } = bounds;
	const answer = await requestImage(fn, fetch);
	if (!('statusCode' in answer)) return answer;
	const response = answer;
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
