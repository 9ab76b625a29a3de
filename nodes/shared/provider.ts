import type { ICredentialType } from 'n8n-workflow';

import type { ProviderFields } from './descriptions/common';
import type { ProviderAdapter } from './types';

/**
 * Everything the package knows about one provider: its wire format (adapter, with the optional
 * capabilities: upload, mask, callbacks, batched status) and its editor fields. The registry in
 * nodes/providers.ts lists one per provider; nodes, trigger, tests and fakes all read that list.
 */
export interface ProviderDefinition {
	/** The node's name (`evoLink`): also the trigger's Provider value and the fakes' key. */
	key: string;
	adapter: ProviderAdapter;
	fields: ProviderFields;
	/**
	 * The credential class (`new EvoLinkApi()`, named `adapter.credentialType`): its
	 * `authenticate`, field defaults and static `keyPageUrl` drive the credential
	 * test, so the auth header is written once, in the credential.
	 */
	credential: ICredentialType;
}
