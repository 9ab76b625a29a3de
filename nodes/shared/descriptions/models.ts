import type { ProviderDefinition } from '../provider';

/** "GPT Image 1.5 and 2": the models a provider offers, newest last. */
export function modelList(provider: ProviderDefinition): string {
	const names = provider.adapter.models.map((m) => m.name.replace(/^GPT Image /, ''));
	const sorted = [...names].sort((a, b) => Number(a) - Number(b));
	const last = sorted.pop();
	return `GPT Image ${sorted.length > 0 ? `${sorted.join(', ')} and ${last}` : last}`;
}

/**
 * The node panel's description: which models the node has and whose account it bills, so the
 * three "GPT Image (...)" nodes are told apart.
 */
export function imageNodeText(provider: ProviderDefinition): string {
	return `Create and edit images with ${modelList(provider)}, billed to your ${provider.adapter.displayName} account`;
}
