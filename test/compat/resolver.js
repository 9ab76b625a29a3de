/**
 * Jest resolver for `npm run test:compat`: n8n-core, n8n-workflow and reflect-metadata (which
 * must be one instance across n8n-core, n8n-workflow, the harness and the product code) are
 * resolved from test/compat/<COMPAT_N8N>/, whoever asks, including the compiled nodes in dist/.
 * Their own dependencies then resolve next to them. Subpaths (`n8n-core/dist/...`) and the
 * packages' `exports` maps work as in a plain require, because the default resolver does the work
 * from that folder. Without COMPAT_N8N (the root install, n8n 2.41) nothing is redirected.
 */
const path = require('node:path');

const HOST_PACKAGES = /^(n8n-core|n8n-workflow|reflect-metadata)(\/|$)/;
const target = process.env.COMPAT_N8N;
const basedir = target && target !== 'root' ? path.join(__dirname, target) : undefined;

module.exports = (request, options) =>
	basedir && HOST_PACKAGES.test(request)
		? options.defaultResolver(request, { ...options, basedir })
		: options.defaultResolver(request, options);
