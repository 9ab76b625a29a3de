'use strict';
/**
 * Fake image-generation providers for tests: real HTTP servers on 127.0.0.1 that speak the
 * EvoLink, StarMagic and Apiframe v2 wire formats described in /work/shared/providers.md.
 * See README.md in this folder for the API and for which behaviours are assumptions.
 */
const { startServer } = require('./lib/server');
const { pngBytes } = require('./lib/images');
const { evolink, starmagic } = require('./evolinkLike');
const { apiframe, signApiframeBody } = require('./apiframe');
const { FAULT_ROUTES, FAULT_MODES } = require('./lib/faults');

const PROVIDERS = { evolink, starmagic, apiframe };

/**
 * Starts a fake provider and resolves once it is listening.
 * @param {'evolink'|'starmagic'|'apiframe'} kind
 * @param {object} [options] see index.d.ts (FakeProviderOptions)
 */
async function startFakeProvider(kind, options = {}) {
	const createProvider = PROVIDERS[kind];
	if (!createProvider) throw new TypeError(`unknown fake provider '${kind}' (expected ${Object.keys(PROVIDERS).join(', ')})`);
	return startServer(createProvider(), options);
}

/** One fake per provider, all with the same options, keyed like the nodes. */
async function startAllFakes(options = {}) {
	const [starMagic, evoLink, apiframe] = await Promise.all(['starmagic', 'evolink', 'apiframe'].map(async (kind) => await startFakeProvider(kind, options)));
	return { starMagic, evoLink, apiframe };
}

module.exports = { startFakeProvider, startAllFakes, pngBytes, signApiframeBody, PROVIDER_KINDS: Object.keys(PROVIDERS), FAULT_ROUTES, FAULT_MODES };
