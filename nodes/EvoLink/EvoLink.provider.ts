import { EvoLinkApi } from '../../credentials/EvoLinkApi.credentials';
import type { ProviderDefinition } from '../shared/provider';
import type { ModelInfo } from '../shared/types';
import { createUnifiedTaskAdapter } from '../shared/unifiedTask/unifiedTask.adapter';
import { unifiedTaskFields } from '../shared/unifiedTask/unifiedTask.descriptions';

/** EvoLink documents the unified task API itself (docs/providers.md, "EvoLink"). */
const MODELS: ModelInfo[] = [
	{ value: 'gpt-image-1.5', name: 'GPT Image 1.5', promptMaxLength: 2000, maxImagesPerTask: 1 },
	{ value: 'gpt-image-1', name: 'GPT Image 1', promptMaxLength: 2000, maxImagesPerTask: 10 },
	{ value: 'gpt-image-2', name: 'GPT Image 2', promptMaxLength: 32000, maxImagesPerTask: 10 },
];

export const evoLink: ProviderDefinition = {
	key: 'evoLink',
	credential: new EvoLinkApi(),
	adapter: createUnifiedTaskAdapter({
		displayName: 'EvoLink',
		credentialType: 'evoLinkApi',
		models: MODELS,
		maskModels: ['gpt-image-2'],
		// Files API: jpeg/png/gif/webp; generation reads jpeg/png/webp.
		upload: { mimeTypes: ['image/jpeg', 'image/png', 'image/webp'], maxBytes: 50 * 1048576 },
		// The English pages say 50 MB per input image, the Korean ones 10 MB: the stricter holds.
		inputImageLimit: {
			maxBytes: 10 * 1048576,
			source:
				"EvoLink's English pages allow 50 MB per image, its Korean pages 10 MB; the node keeps to 10 MB",
		},
	}),
	fields: unifiedTaskFields(MODELS),
};
