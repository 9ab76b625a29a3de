import { createUnifiedTaskAdapter } from '../EvoLink/EvoLink.adapter';
import type { ModelInfo } from '../shared/types';

/**
 * ASSUMPTION (providers.md §2.3, inferred): StarMagic's API is EvoLink's unified task format on
 * another host: same POST /v1/images/generations body, task object, GET /v1/tasks/{id}, error
 * envelope and callback rules. Only the image-generation pages were ever seen; if StarMagic's
 * task API turns out different, give it its own adapter here instead of this one line.
 */
export const STARMAGIC_MODELS: ModelInfo[] = [
	{ value: 'gpt-image-1.5', name: 'GPT Image 1.5', promptMaxLength: 2000, maxImagesPerTask: 1, supportsMask: false },
	{ value: 'gpt-image-2', name: 'GPT Image 2', promptMaxLength: 32000, maxImagesPerTask: 10, supportsMask: true },
];

export const starMagicAdapter = createUnifiedTaskAdapter({
	displayName: 'StarMagic',
	credentialType: 'starMagicApi',
	models: STARMAGIC_MODELS,
	// No file host is documented for StarMagic (providers.md §2.1), so binary inputs are refused.
	upload: undefined,
	noUploadHint:
		'StarMagic documents no file upload. Give the images as public URLs in Image URLs instead (for example upload them to your own storage first), or use the EvoLink or Apiframe node, which upload binary files',
});
