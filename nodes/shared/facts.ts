/**
 * What the package assumes about a provider, one entry per fact (a route, a field, a shape, a
 * limit, a pattern, a price), each with where it comes from and how sure it is. The adapters read
 * their routes, patterns, limits and prices from their table, so a guess that turns out wrong is
 * one line to change; the README's "Provider facts this package assumes" and docs/providers.md
 * are generated from the tables (`npm run facts`), and `npm run probe` checks each entry it can
 * with a real key.
 */

/**
 * - documented: the provider's own pages (or its official SDK's schema) say so, and nothing
 *   it publishes says otherwise;
 * - disputed: two of its documents disagree and the node follows one reading (and survives the
 *   other);
 * - inferred: no document of this provider says it: copied from another provider or concluded.
 */
export type Confidence = 'documented' | 'disputed' | 'inferred';

/**
 * How `npm run probe` checks a fact: with free requests (nothing is created or billed), by
 * reading back the one cheapest task `--spend-one` submits, or not at all.
 */
export type ProbeCheck = 'free' | 'spend' | 'none';

export interface Fact<V = unknown> {
	/** What the fact is about, for the tables: "Balance route". */
	about: string;
	/** What the code reads. */
	value: V;
	/** The value in words, for the tables: "GET /v1/credits". */
	shown: string;
	confidence: Confidence;
	/** Where it comes from; for a disputed fact, the reading the node follows. */
	source: string;
	/** A disputed fact's other reading, and where that comes from. */
	other?: string;
	/** What happens when the fact is wrong; never a verdict on the user's key or input. */
	ifWrong?: string;
	probe: ProbeCheck;
}

/** A provider's facts by name (`balanceRoute`); the names are what the probe reports. */
export type FactTable = Record<string, Fact>;

/** One fact; a disputed or inferred one must say what happens if it is wrong. */
export function fact<V>(value: V, meta: Omit<Fact<V>, 'value'>): Fact<V> {
	if (meta.confidence !== 'documented' && !meta.ifWrong) {
		throw new Error(`fact "${meta.about}": a ${meta.confidence} fact needs ifWrong`);
	}
	if (meta.confidence === 'disputed' && !meta.other) {
		throw new Error(`fact "${meta.about}": a disputed fact needs the other reading`);
	}
	return { value, ...meta };
}

/** A route fact's method and path, for messages: "GET /v1/credits". */
export function routeText(method: string, path: string): string {
	return `${method} ${path}`;
}

/** How many facts of each confidence a table holds. */
export function countByConfidence(table: FactTable): Record<Confidence, number> {
	const counts: Record<Confidence, number> = { documented: 0, disputed: 0, inferred: 0 };
	for (const entry of Object.values(table)) counts[entry.confidence] += 1;
	return counts;
}
