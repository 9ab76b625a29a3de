import type { Fact } from './facts';
import { count } from './errors';
import type { HttpCall, ImageRequest, ProviderAdapter } from './types';

/**
 * When a provider fact turns out wrong, the user hears that, and never that their key or input is
 * at fault: a route that answers 404 (or 405) without saying the task is unknown is a route that
 * is not where the package assumed it (README, "Provider facts this package assumes").
 */

/** Where a fact that turned out wrong is reported. */
export const ISSUES_URL = 'https://github.com/n8n-nodes-gpt-image/n8n-nodes-gpt-image/issues';

/** A route that answered 404 or 405 without saying the task is unknown. */
export interface MissingRoute {
	/** "GET /v1/credits" */
	route: string;
	/** The adapter's fact the route comes from. */
	fact?: Fact;
	/** Which of the credential's addresses it was sent to. */
	base?: HttpCall['base'];
}

/** The route of a call as the fact table states it: "GET /v1/tasks/{id}". */
export function routeOf(adapter: ProviderAdapter, call: HttpCall): MissingRoute {
	const entry = call.fact ? adapter.facts[call.fact] : undefined;
	const value = entry?.value as unknown;
	const path =
		typeof value === 'string' && value.startsWith('/')
			? value
			: typeof (value as { path?: unknown })?.path === 'string'
				? String((value as { path: string }).path)
				: call.path;
	return { route: `${call.method} ${path}`, fact: entry, base: call.base };
}

/** "(a guess: copied from EvoLink: …)", said of the route's fact. */
export function basisOf(provider: string, missing: MissingRoute): string {
	const { fact, route } = missing;
	if (!fact) return `${route} is where this package sends it`;
	if (fact.confidence === 'documented')
		return `${route} is where ${provider}'s documents put it (${fact.source})`;
	if (fact.confidence === 'disputed')
		return `${route} is one of two readings of ${provider}'s documents (${fact.source}; ${fact.other})`;
	return `${route} is where this package assumes it, a guess no ${provider} page confirms (${fact.source})`;
}

/** What to do: check the Base URL; for a guess, report it. */
export function fixFor(adapter: ProviderAdapter, missing: MissingRoute): string {
	const base = adapter.facts.baseUrl?.value;
	const check =
		missing.base === 'files'
			? `Check the File Upload URL of the ${adapter.displayName} credential`
			: `Check the Base URL of the ${adapter.displayName} credential${typeof base === 'string' ? ` (the default is ${base})` : ''}`;
	if (missing.fact?.confidence === 'documented') return `${check}.`;
	return `${check}; if it is right, the package's assumption is wrong: please report it at ${ISSUES_URL}.`;
}

/** The description of an error whose route answered 404 or 405 and said nothing of the task. */
export function missingRouteText(adapter: ProviderAdapter, missing: MissingRoute): string {
	const provider = adapter.displayName;
	return `${provider} has no ${missing.route}: ${basisOf(provider, missing)}. This is not about your API key, task ID or input. ${fixFor(adapter, missing)}`;
}

/**
 * A refusal (400) of a prompt whose limit is counted in tokens, which only the provider can count:
 * the error says the limit, so the user knows what to shorten. Anything else is returned as is.
 */
export function explainRefusal<E>(adapter: ProviderAdapter, request: ImageRequest, error: E): E {
	const target = error as { httpCode?: unknown; message?: string; description?: string | null };
	const model = adapter.models.find((m) => m.value === request.model);
	if (!model || model.promptUnit !== 'tokens' || String(target?.httpCode) !== '400') return error;
	if (!/prompt/i.test(`${target.message ?? ''} ${target.description ?? ''}`)) return error;
	const length = Array.from(request.prompt).length;
	const note = `${adapter.displayName} takes ${model.name} prompts of up to ${count(model.promptMaxLength)} tokens (about ${count(model.promptMaxLength * 4)} characters of English, fewer in other languages); this one has ${count(length)} characters. Shorten the prompt; the refusal cost nothing.`;
	// n8n repeats the provider's message as the description when there is none of its own.
	const own = target.description && !(target.message ?? '').endsWith(target.description);
	target.description = own ? `${target.description!.replace(/[.\s]*$/, '.')} ${note}` : note;
	return error;
}
