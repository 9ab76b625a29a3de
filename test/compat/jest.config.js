/**
 * The engine tests on one n8n version (`npm run test:compat` runs each in turn): COMPAT_N8N names
 * a folder under test/compat/ whose node_modules pins that n8n's n8n-core and n8n-workflow, or is
 * `root` for the project's own install (the n8n 2.41 line). See ./resolver.js for the redirect.
 */
const fs = require('node:fs');
const path = require('node:path');
const root = require('../../jest.config.js');

const target = process.env.COMPAT_N8N;
if (!target) throw new Error('test/compat/jest.config.js: set COMPAT_N8N (e.g. n8n-1.78 or root)');
if (target !== 'root' && !fs.existsSync(path.join(__dirname, target, 'node_modules'))) {
	throw new Error(`test/compat/${target} is not installed (npm run test:compat installs it)`);
}

module.exports = {
	...root,
	rootDir: path.join(__dirname, '..', '..'),
	roots: ['<rootDir>/test/engine'],
	testMatch: ['<rootDir>/test/engine/*.test.ts'],
	...(target === 'root' ? {} : { resolver: '<rootDir>/test/compat/resolver.js' }),
};
