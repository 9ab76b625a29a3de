import { StarMagicApi } from '../../credentials/StarMagicApi.credentials';
import type { ProviderDefinition } from '../shared/provider';
import type { ModelInfo } from '../shared/types';
import { createUnifiedTaskAdapter } from '../shared/unifiedTask/unifiedTask.adapter';
import { unifiedTaskFields } from '../shared/unifiedTask/unifiedTask.descriptions';

/**
 * ASSUMPTION (docs/providers.md, "StarMagic"): StarMagic's API is the unified task API that
 * EvoLink documents, on another host. Only its image-generation pages were ever seen; if its task
 * API turns out different, give it its own adapter here instead of this call. It documents no
 * file host, so `upload` is left out and binary inputs are refused with a hint to use URLs.
 */
const MODELS: ModelInfo[] = [
	{ value: 'gpt-image-1.5', name: 'GPT Image 1.5', promptMaxLength: 2000, maxImagesPerTask: 1 },
	{ value: 'gpt-image-2', name: 'GPT Image 2', promptMaxLength: 32000, maxImagesPerTask: 10 },
];

export const starMagic: ProviderDefinition = {
	key: 'starMagic',
	credential: new StarMagicApi(),
	adapter: createUnifiedTaskAdapter({
		displayName: 'StarMagic',
		credentialType: 'starMagicApi',
		models: MODELS,
		maskModels: ['gpt-image-2'],
		// The English page says 50 MB per input image, the Korean one 10 MB: the stricter holds.
		inputImageLimit: {
			maxBytes: 10 * 1048576,
			source:
				"StarMagic's English page allows 50 MB per image, its Korean page 10 MB; the node keeps to 10 MB",
		},
	}),
	fields: unifiedTaskFields(MODELS),
};
