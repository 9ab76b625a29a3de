import type { IDataObject } from 'n8n-workflow';
import { createHash, createHmac, timingSafeEqual } from 'crypto';

import { apiframeAdapter } from '../Apiframe/Apiframe.adapter';
import { evoLinkAdapter } from '../EvoLink/EvoLink.adapter';
import type { ProviderAdapter, TaskSnapshot } from '../shared/types';
import { starMagicAdapter } from '../StarMagic/StarMagic.adapter';

/**
 * Pure callback handling: which provider sent a payload, whether it is authentic, and the task
 * state it carries. The trigger node does the I/O around it.
 */

export type CallbackProvider = 'starMagic' | 'evoLink' | 'apiframe';

export const CALLBACK_ADAPTERS: Record<CallbackProvider, ProviderAdapter> = {
	starMagic: starMagicAdapter,
	evoLink: evoLinkAdapter,
	apiframe: apiframeAdapter,
};

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Apiframe posts an event envelope with jobId; StarMagic/EvoLink post the task object itself. */
export function detectFamily(body: unknown, headers: IDataObject): 'apiframe' | 'unified' | undefined {
	if (!isObject(body)) return undefined;
	if (typeof body.jobId === 'string' || headers['x-webhook-signature'] !== undefined) return 'apiframe';
	if (typeof body.id === 'string' && body.id.startsWith('task-unified-')) return 'unified';
	return undefined;
}

function sameSecret(given: string, expected: string): boolean {
	// Hash both sides so the comparison takes the same time whatever the lengths.
	const a = createHash('sha256').update(given).digest();
	const b = createHash('sha256').update(expected).digest();
	return timingSafeEqual(a, b);
}

/** StarMagic/EvoLink sign nothing: an optional shared secret in the callback URL's query. */
export function checkSharedSecret(query: IDataObject, secret: string): boolean {
	if (secret === '') return true;
	return typeof query.secret === 'string' && sameSecret(query.secret, secret);
}

/**
 * Apiframe: X-Webhook-Signature is HMAC-SHA256 over the raw body, keyed by the raw SHA-256 digest
 * of the API key, as hex, with or without a "sha256=" prefix.
 */
export function checkApiframeSignature(rawBody: Buffer, header: unknown, apiKey: string): boolean {
	if (typeof header !== 'string' || header === '') return false;
	const given = header.replace(/^sha256=/i, '').trim().toLowerCase();
	if (!/^[0-9a-f]{64}$/.test(given)) return false;
	const key = createHash('sha256').update(apiKey).digest();
	const expected = createHmac('sha256', key).update(rawBody).digest();
	return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}

/** The task state a callback carries, read with the same adapter (and schema) as a status poll. */
export function readCallback(provider: CallbackProvider, body: IDataObject): TaskSnapshot {
	const adapter = CALLBACK_ADAPTERS[provider];
	// Apiframe's envelope names the job jobId; the job schema calls it id.
	return adapter.parseStatus(provider === 'apiframe' ? { ...body, id: body.jobId } : body);
}

/** Remembers recently seen final states, so a provider's retried delivery starts no second run. */
export function rememberDelivery(store: IDataObject, key: string, now: number, limit = 500): boolean {
	const seen = (isObject(store.seenDeliveries) ? store.seenDeliveries : {}) as Record<string, number>;
	if (seen[key] !== undefined) return false;
	seen[key] = now;
	const keys = Object.keys(seen);
	if (keys.length > limit) {
		keys.sort((a, b) => seen[a] - seen[b]);
		for (const old of keys.slice(0, keys.length - limit)) delete seen[old];
	}
	store.seenDeliveries = seen;
	return true;
}
