import { ApiframeApi } from '../../credentials/ApiframeApi.credentials';
import type { ProviderDefinition } from '../shared/provider';
import { apiframeAdapter } from './Apiframe.adapter';
import { apiframeFields } from './Apiframe.descriptions';

/** Apiframe v2 (docs/providers.md, "Apiframe"): its own wire format, adapter and fields. */
export const apiframe: ProviderDefinition = {
	key: 'apiframe',
	credential: new ApiframeApi(),
	adapter: apiframeAdapter,
	fields: apiframeFields,
};
