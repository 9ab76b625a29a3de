/**
 * Which n8n the engine tests ran on. `npm test` runs on the project's own install; each
 * `npm run test:compat` run redirects n8n-core and n8n-workflow to test/compat/<COMPAT_N8N>/, and
 * this checks the redirect reached the product code itself (the compiled nodes in dist/), not
 * only the harness: otherwise a compat run could pass on the new n8n-workflow and prove nothing.
 */
import { capabilities, host } from './harness/compat';
import { REPO_ROOT } from './harness';

import * as fs from 'node:fs';
import * as path from 'node:path';

type Manifest = {
	version: string;
	dependencies?: Record<string, string>;
	devDependencies?: Record<string, string>;
};
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;

const target =
	process.env.COMPAT_N8N && process.env.COMPAT_N8N !== 'root' ? process.env.COMPAT_N8N : undefined;
const expectedFrom = target
	? readJson(path.join(REPO_ROOT, 'test', 'compat', target, 'package.json')).dependencies!
	: readJson(path.join(REPO_ROOT, 'package.json')).devDependencies!;
const expectedDir = target
	? path.join(REPO_ROOT, 'test', 'compat', target, 'node_modules')
	: path.join(REPO_ROOT, 'node_modules');

/** The package.json of `name` as a module of the product code in `fromDir` would load it. */
function loadedFrom(fromDir: string, name: string): { version: string; file: string } {
	const file = require.resolve(`${name}/package.json`, { paths: [fromDir] });
	return { version: readJson(file).version, file };
}

describe(`the n8n the engine tests run on (${target ?? 'the root install'})`, () => {
	const productDirs = ['dist/nodes/shared', 'dist/nodes/EvoLink', 'dist/credentials'];

	it.each(['n8n-workflow', 'n8n-core'])('%s is the pinned version, for the harness', (name) => {
		const loaded = name === 'n8n-core' ? host.n8nCore : host.n8nWorkflow;
		expect(loaded).toBe(expectedFrom[name]);
	});

	it.each(productDirs)('n8n-workflow is the pinned one from %s', (dir) => {
		const loaded = loadedFrom(path.join(REPO_ROOT, dir), 'n8n-workflow');
		expect(loaded.version).toBe(expectedFrom['n8n-workflow']);
		// Real paths: a worktree's node_modules may be a symlink to the main checkout's.
		expect(fs.realpathSync(loaded.file)).toBe(
			fs.realpathSync(path.join(expectedDir, 'n8n-workflow', 'package.json')),
		);
	});

	it('the product code and the harness share one n8n-workflow instance', () => {
		// A class the product code throws must be the engine's own, or instanceof checks in n8n-core
		// (NodeApiError, NodeOperationError) would misread every error the nodes raise.
		const product = require(path.join(REPO_ROOT, 'dist/nodes/shared/errors.js')) as {
			providerError: (node: object, options: object) => Error;
		};
		const workflow = require('n8n-workflow') as typeof import('n8n-workflow');
		const node = {
			id: '1',
			name: 'x',
			type: 't',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		};
		const error = product.providerError(node, {
			provider: 'P',
			error: { message: 'm' },
			itemIndex: 0,
			statusCode: 500,
		});
		expect(error).toBeInstanceOf(workflow.NodeApiError);
	});

	it('the root install takes no compatibility branch in the tests', () => {
		// Tests branch on these for older n8n; on the project's own n8n every one must hold, or the
		// normal suite would quietly check the older behaviour.
		if (target) return;
		expect(capabilities).toEqual({
			toolDisplayOptions: true,
			toolErrorsThrown: true,
			executionHints: true,
		});
	});
});
