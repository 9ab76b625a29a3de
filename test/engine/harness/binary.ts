/**
 * n8n's binary data store for tests. One BinaryDataService replaces n8n-core's DI singleton,
 * with a filesystem manager in a temp folder. Each run picks its mode: 'default' runs keep data
 * inline as base64 (n8n-core's path without a manager), 'filesystem' runs write files and get
 * `id`s, as n8n does with N8N_DEFAULT_BINARY_DATA_MODE=filesystem.
 */
import { startBinaryDataService, storeBinary } from './compat';
import { Container, quietErrorReporter } from './n8n';
import { tempRoot } from './env';

import { BinaryDataService } from 'n8n-core';
import type { IBinaryData } from 'n8n-workflow';
import { BINARY_ENCODING } from 'n8n-workflow';
import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type BinaryMode = 'default' | 'filesystem';

/** Binary given to a test run: real IBinaryData, or bytes with their metadata. */
export interface BinaryInput {
	buffer: Buffer;
	mimeType?: string;
	fileName?: string;
}

/** The run that is calling, so the store knows its mode. */
export const runContext = new AsyncLocalStorage<{ binaryMode: BinaryMode }>();

let service: Promise<BinaryDataService> | undefined;

export async function binaryDataService(): Promise<BinaryDataService> {
	service ??= (async () => {
		const storage = path.join(tempRoot, 'binary-data');
		fs.mkdirSync(storage, { recursive: true });
		const config = {
			mode: 'filesystem',
			localStoragePath: storage,
			signingSecret: 'engine-harness-signing-secret',
			availableModes: ['filesystem'],
		};
		const logger = { info() {}, warn() {}, error() {}, debug() {} };
		const created = await startBinaryDataService(config, quietErrorReporter, logger);
		// The service picks its manager from `this.mode`: make that the calling run's mode.
		Object.defineProperty(created, 'mode', {
			configurable: true,
			get: () => (runContext.getStore()?.binaryMode === 'filesystem' ? 'filesystem-v2' : 'default'),
			set() {},
		});
		Container.set(BinaryDataService, created);
		return created;
	})();
	return await service;
}

/** Stores `{ buffer, mimeType, fileName }` inputs the way the run's mode would. */
export async function toBinaryData(
	binary: Record<string, IBinaryData | BinaryInput>,
	location: { workflowId: string; executionId: string },
): Promise<Record<string, IBinaryData>> {
	const store = await binaryDataService();
	const out: Record<string, IBinaryData> = {};
	for (const [name, value] of Object.entries(binary)) {
		if (!Buffer.isBuffer((value as BinaryInput).buffer)) {
			out[name] = value as IBinaryData;
			continue;
		}
		const input = value as BinaryInput;
		const mimeType = input.mimeType ?? 'application/octet-stream';
		const fileExtension = input.fileName?.includes('.')
			? input.fileName.split('.').pop()
			: undefined;
		const data: IBinaryData = { mimeType, data: '' };
		if (input.fileName) data.fileName = input.fileName;
		if (fileExtension) data.fileExtension = fileExtension;
		if (mimeType.startsWith('image/')) data.fileType = 'image';
		out[name] = await storeBinary(store, location, input.buffer, data);
	}
	return out;
}

/** The bytes of a binary, inline (base64 `data`) or stored (`id`). */
export async function readBinary(binary: IBinaryData): Promise<Buffer> {
	if (binary.id) return await (await binaryDataService()).getAsBuffer(binary);
	return Buffer.from(binary.data, BINARY_ENCODING);
}
