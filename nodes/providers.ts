import { apiframe } from './Apiframe/Apiframe.provider';
import { evoLink } from './EvoLink/EvoLink.provider';
import type { ProviderDefinition } from './shared/provider';
import { starMagic } from './StarMagic/StarMagic.provider';

/**
 * The provider registry: the one list of providers. The GPT Image Trigger, the tests and the
 * fake providers read it; each provider node imports its own entry. Adding a provider is one
 * line here plus its own folder, credential and icons.
 */
export const PROVIDERS: readonly ProviderDefinition[] = [starMagic, evoLink, apiframe];

export function providerByKey(key: string): ProviderDefinition | undefined {
	return PROVIDERS.find((p) => p.key === key);
}
