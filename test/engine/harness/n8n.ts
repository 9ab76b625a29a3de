/**
 * n8n-core, loaded after the environment is set (./env), with a quiet ErrorReporter in its DI
 * container: n8n-core reports every node error, and tests expect errors.
 */
import './env';

import 'reflect-metadata';
import { releaseBackgroundTimers } from './compat';
import { ErrorReporter } from 'n8n-core';
import type { IDataObject } from 'n8n-workflow';
import * as path from 'node:path';

/** The DI container n8n-core itself uses (resolved from n8n-core's own location). */
export const { Container } = require(
	require.resolve('@n8n/di', { paths: [path.dirname(require.resolve('n8n-core'))] }),
) as { Container: { get(key: unknown): unknown; set(key: unknown, value: unknown): void } };

/** Errors n8n-core passed to its ErrorReporter (collected instead of printed). */
export const reportedErrors: Array<{ level: string; error: unknown; options?: IDataObject }> = [];

export const quietErrorReporter = {
	error(error: unknown, options?: IDataObject) {
		reportedErrors.push({ level: String(options?.level ?? 'error'), error, options });
		if (process.env.N8N_ENGINE_HARNESS_VERBOSE) console.error('[engine harness] reported:', error);
	},
	warn(warning: unknown, options?: IDataObject) {
		this.error(warning, { ...options, level: 'warning' });
	},
	info(message: unknown, options?: IDataObject) {
		reportedErrors.push({ level: 'info', error: message, options });
	},
};
Container.set(ErrorReporter, quietErrorReporter);
releaseBackgroundTimers(Container);
