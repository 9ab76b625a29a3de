import type { IDataObject } from 'n8n-workflow';

import { PROVIDERS } from '../providers';
import type { ProviderDefinition } from '../shared/provider';

/**
 * Pure callback handling: which provider sent a payload, whether it is authentic, and which
 * deliveries were already turned into runs. The trigger node does the I/O around it.
 */

/** Providers that call back, in registry order. */
export const CALLBACK_PROVIDERS: readonly ProviderDefinition[] = PROVIDERS.filter(
	(p) => p.adapter.callback !== undefined,
);

/** "StarMagic, EvoLink or Apiframe": the providers' names as one phrase. */
export function namesOf(
	providers: readonly ProviderDefinition[],
	conjunction: 'or' | 'and',
): string {
	const names = providers.map((p) => p.adapter.displayName);
	return names.length < 2
		? names.join('')
		: `${names.slice(0, -1).join(', ')} ${conjunction} ${names[names.length - 1]}`;
}

const COUNT_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** "three", for the providers that call back. */
export function countWord(count: number): string {
	return COUNT_WORDS[count] ?? String(count);
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The providers (of those allowed) whose callback shape the body has. */
export function matchingProviders(
	body: unknown,
	headers: IDataObject,
	allowed: readonly ProviderDefinition[] = CALLBACK_PROVIDERS,
): ProviderDefinition[] {
	if (!isObject(body)) return [];
	return allowed.filter((p) => p.adapter.callback!.matches(body, headers));
}

function seenDeliveries(store: IDataObject): Record<string, number> {
	return (isObject(store.seenDeliveries) ? store.seenDeliveries : {}) as Record<string, number>;
}

/** Whether a delivery already started a run (kept in the trigger's static data). */
export function wasDelivered(store: IDataObject, key: string): boolean {
	return seenDeliveries(store)[key] !== undefined;
}

/**
 * Remembers recently seen final states in the trigger's static data, so a provider's retried
 * delivery starts no second run where n8n saves it (n8n 1.x saves it with every call; n8n 2.x does
 * not save it for a call that starts a run, so there the process's memory and the provider's own
 * record do the work: see memory.ts and verify.ts). Keys keep their insertion order: the oldest go
 * first, without sorting.
 */
export function rememberDelivery(
	store: IDataObject,
	key: string,
	now: number,
	limit = 1000,
): boolean {
	const seen = seenDeliveries(store);
	if (seen[key] !== undefined) return false;
	seen[key] = now;
	const keys = Object.keys(seen);
	for (const old of keys.slice(0, Math.max(0, keys.length - limit))) delete seen[old];
	store.seenDeliveries = seen;
	return true;
}
