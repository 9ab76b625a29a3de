import { EvoLinkApi } from '../../credentials/EvoLinkApi.credentials';
import { fact } from '../shared/facts';
import type { ProviderDefinition } from '../shared/provider';
import { createUnifiedTaskAdapter } from '../shared/unifiedTask/unifiedTask.adapter';
import { unifiedTaskFields } from '../shared/unifiedTask/unifiedTask.descriptions';
import { unifiedModels, unifiedTaskFacts } from '../shared/unifiedTask/unifiedTask.facts';

/**
 * EvoLink documents the unified task API itself (docs/providers.md, "EvoLink"): its facts are the
 * unified table, plus gpt-image-1, whose page EvoLink took offline.
 */
export const EVOLINK_FACTS = {
	...unifiedTaskFacts('https://api.evolink.ai'),
	modelGptImage1: fact('gpt-image-1', {
		about: 'gpt-image-1 is still offered',
		shown: 'the model `gpt-image-1` (its page was taken offline on 2026-05-29)',
		confidence: 'inferred' as const,
		source: "EvoLink's archived GPT Image 1 page; its own MCP server still lists it",
		ifWrong: "EvoLink's 403 `model_access_denied` names the model; nothing is billed",
		probe: 'none' as const,
	}),
};

const MODELS = unifiedModels(EVOLINK_FACTS, ['gpt-image-1.5', 'gpt-image-1', 'gpt-image-2']);

export const evoLink: ProviderDefinition = {
	key: 'evoLink',
	credential: new EvoLinkApi(),
	adapter: createUnifiedTaskAdapter({
		displayName: 'EvoLink',
		credentialType: 'evoLinkApi',
		models: MODELS,
		maskModels: ['gpt-image-2'],
		facts: EVOLINK_FACTS,
		inputImageSource:
			"EvoLink's English pages allow 50 MB per image, its Korean pages 10 MB; the node keeps to 10 MB",
	}),
	fields: unifiedTaskFields(MODELS),
};
