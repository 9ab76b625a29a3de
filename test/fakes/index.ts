/**
 * Fake image-generation providers for tests: real HTTP servers on 127.0.0.1 (and an in-process
 * transport) that speak the wire formats described in docs/providers.md. Which fake serves
 * which provider comes from the provider registry (nodes/providers.ts). See README.md in this
 * folder for the API and for which behaviours are assumptions.
 */
import { PROVIDERS, providerByKey } from '../../nodes/providers';
import type { ProviderDefinition } from '../../nodes/shared/provider';
import { createApiframe } from './apiframe';
import type { Offer, WireFormatModule } from './lib/provider';
import { startServer } from './lib/server';
import { createUnifiedTask } from './unifiedTask';
import type { FakeProvider, FakeProviderOptions, ProviderKey, WireFormat } from './types';

export { signApiframeBody } from './apiframe';
export { FAULT_MODES, FAULT_ROUTES } from './lib/faults';
export { pngBytes } from './lib/png';
export {
	PAGE_READING,
	SCHEMA_READING,
	UNIFIED_KO_READING,
	UNIFIED_SCHEMA_READING,
} from './readings';
export type {
	ApiframeReading,
	CallbackAttempt,
	FakeCounts,
	FakeProvider,
	FakeProviderOptions,
	FakeTask,
	Fault,
	FaultMode,
	FaultRoute,
	InProcessRequest,
	InProcessResponse,
	MultipartSummary,
	ProviderKey,
	RecordedRequest,
	RequestRoute,
	UnifiedReading,
	WireFormat,
} from './types';

/** One implementation per documented wire format (`ProviderAdapter.wireFormat`). */
const WIRE_FORMATS: Record<WireFormat, (offer: Offer) => WireFormatModule> = {
	'unified-task': createUnifiedTask,
	'apiframe-v2': createApiframe,
};

/** The registry keys, in registry order. */
export const PROVIDER_KEYS: readonly ProviderKey[] = PROVIDERS.map(
	(provider) => provider.key as ProviderKey,
);

/**
 * Starts a fake for a registry provider (its key, or the definition itself) and resolves once
 * it is listening. The adapter's `wireFormat` picks the implementation, its `models` the model
 * ids offered, and its `upload` capability whether the files API is served.
 */
export async function startFakeProvider(
	provider: ProviderKey | ProviderDefinition,
	options: FakeProviderOptions = {},
): Promise<FakeProvider> {
	const definition = typeof provider === 'string' ? providerByKey(provider) : provider;
	if (!definition) {
		throw new TypeError(
			`unknown provider '${String(provider)}' (registry keys: ${PROVIDERS.map((p) => p.key).join(', ')})`,
		);
	}
	const { adapter } = definition;
	const create = WIRE_FORMATS[adapter.wireFormat];
	if (!create)
		throw new TypeError(
			`provider '${definition.key}': no fake for wire format '${String(adapter.wireFormat)}'`,
		);
	const models = adapter.models.map((model) => model.value);
	const filesApi = adapter.upload !== undefined;
	const module = create({ key: definition.key, models, filesApi });
	return await startServer({ provider: definition, models, filesApi, module }, options);
}

/** One fake per registry provider, all with the same options, keyed by registry key. */
export async function startAllFakes(
	options: FakeProviderOptions = {},
): Promise<Record<ProviderKey, FakeProvider>> {
	const started = await Promise.allSettled(
		PROVIDERS.map(async (provider) => await startFakeProvider(provider, options)),
	);
	const failure = started.find(
		(result): result is PromiseRejectedResult => result.status === 'rejected',
	);
	if (failure) {
		await Promise.all(
			started.map(async (result) =>
				result.status === 'fulfilled' ? await result.value.close() : undefined,
			),
		);
		throw failure.reason;
	}
	const fakes = started.map((result) => (result as PromiseFulfilledResult<FakeProvider>).value);
	return Object.fromEntries(fakes.map((fake) => [fake.key, fake])) as Record<
		ProviderKey,
		FakeProvider
	>;
}
