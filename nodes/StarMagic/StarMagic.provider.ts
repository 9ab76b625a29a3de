import { StarMagicApi } from '../../credentials/StarMagicApi.credentials';
import type { ProviderDefinition } from '../shared/provider';
import { createUnifiedTaskAdapter } from '../shared/unifiedTask/unifiedTask.adapter';
import { unifiedTaskFields } from '../shared/unifiedTask/unifiedTask.descriptions';
import { copiedTo, unifiedModels, unifiedTaskFacts } from '../shared/unifiedTask/unifiedTask.facts';

/**
 * StarMagic's pages are a copy of EvoLink's (docs/providers.md, "StarMagic"), so the package
 * assumes it speaks EvoLink's unified task API on its own host. Only what StarMagic's own image
 * pages show is documented here; every other fact is EvoLink's, marked inferred, and each has a
 * fallback that never blames the key or the input (a missing route is said to be missing). If its
 * API turns out different, change the fact, or give StarMagic its own adapter here.
 */
const PAGE = "StarMagic's GPT Image 1.5 page";
export const STARMAGIC_FACTS = copiedTo(unifiedTaskFacts('https://api.starmagic.ai'), 'EvoLink', {
	baseUrl: { source: `${PAGE} (curl example) and its Claude Messages page` },
	auth: { source: `${PAGE}, Authorization` },
	submitRoute: { source: `${PAGE} (curl example and answer)` },
	statusWords: { source: `${PAGE}, answer's \`status\` enum` },
	createdField: { source: `${PAGE}, answer` },
	modelShown: { source: `${PAGE}, answer ("Actual model name used")` },
	price: { source: `${PAGE}, answer's \`usage\`` },
	inputImages: { source: `${PAGE}, \`image_urls\`` },
	inputImageSize: {
		source: "StarMagic's Korean page: 10 MB",
		other: 'its English page: 50 MB',
	},
	promptLimit: {
		source: `${PAGE}: "Limited to 2000 tokens"`,
		other: "EvoLink's copy of the same page: schema `maxLength: 2000` (characters)",
	},
	promptLimitV2: { source: "StarMagic's GPT Image 2 page" },
	onePerTask: {
		confidence: 'disputed',
		source: 'English page: "currently only supports 1"',
		other: 'Korean page: "default 1, max 5" (text copied from a chat API; the enum is `[1]`)',
	},
	callbackRules: { source: `${PAGE}, \`callback_url\`` },
	callbackBody: { source: `${PAGE}, \`callback_url\` ("consistent with task query API")` },
	callbackShown: { source: 'no task object on its pages carries `callback_url`' },
	promptCeiling: {},
});
// No StarMagic page shows a file host: binary inputs are refused with a hint to use URLs.
STARMAGIC_FACTS.upload = {
	...STARMAGIC_FACTS.upload,
	value: undefined,
	shown: 'none: binary inputs are refused, image URLs work',
	source: 'no StarMagic file, upload or storage page was found',
	ifWrong: 'Only binary inputs are affected: they must be given as URLs',
	probe: 'none',
};

const MODELS = unifiedModels(STARMAGIC_FACTS, ['gpt-image-1.5', 'gpt-image-2']);

export const starMagic: ProviderDefinition = {
	key: 'starMagic',
	credential: new StarMagicApi(),
	adapter: createUnifiedTaskAdapter({
		displayName: 'StarMagic',
		credentialType: 'starMagicApi',
		models: MODELS,
		maskModels: ['gpt-image-2'],
		facts: STARMAGIC_FACTS,
		inputImageSource:
			"StarMagic's English page allows 50 MB per image, its Korean page 10 MB; the node keeps to 10 MB",
	}),
	fields: unifiedTaskFields(MODELS),
};
