/** The GPT Image Trigger's pure callback logic: which provider, authentic or not, seen before or not. */
import { createHash, createHmac } from 'node:crypto';

import { checkApiframeSignature } from '../../nodes/Apiframe/Apiframe.adapter';
import {
	CALLBACK_PROVIDERS,
	matchingProviders,
	rememberDelivery,
} from '../../nodes/GptImageTrigger/callbacks';
import { PROVIDERS } from '../../nodes/providers';
import * as af from '../fixtures/apiframe';
import * as ev from '../fixtures/evolink';

const keys = (list: ReadonlyArray<{ key: string }>) => list.map((p) => p.key);

describe('trigger callbacks', () => {
	it('knows every registry provider that calls back', () => {
		expect(keys(CALLBACK_PROVIDERS)).toEqual(keys(PROVIDERS.filter((p) => p.adapter.callback)));
	});

	it('tells the body shapes apart: task objects vs Apiframe event envelopes', () => {
		const speaking = (format: string) =>
			keys(PROVIDERS.filter((p) => p.adapter.wireFormat === format));
		expect(keys(matchingProviders(ev.completed, {}))).toEqual(speaking('unified-task'));
		const envelope = { event: 'completed', jobId: af.accepted.jobId, status: 'COMPLETED' };
		expect(keys(matchingProviders(envelope, {}))).toEqual(speaking('apiframe-v2'));
		const signed = { 'x-webhook-signature': 'sha256=00' };
		expect(keys(matchingProviders({ hello: 'world' }, signed))).toEqual(speaking('apiframe-v2'));
		expect(matchingProviders({ id: 'not-a-task' }, {})).toEqual([]);
		expect(matchingProviders('text', {})).toEqual([]);
		expect(matchingProviders([ev.completed], {})).toEqual([]);
	});

	it('reads the task state each provider posts', () => {
		const [starMagic] = matchingProviders(ev.completed, {});
		expect(starMagic.adapter.callback!.read(ev.completed)).toMatchObject({
			status: 'completed',
			imageUrls: ev.completed.results,
		});
		const envelope = {
			event: 'completed',
			jobId: af.accepted.jobId,
			status: 'COMPLETED',
			progress: 100,
			result: { images: ['https://cdn/a.png'] },
			creditCost: 24,
		};
		const apiframe = PROVIDERS.find((p) => p.key === 'apiframe')!;
		expect(apiframe.adapter.callback!.read(envelope)).toMatchObject({
			taskId: af.accepted.jobId,
			status: 'completed',
			imageUrls: ['https://cdn/a.png'],
			cost: { creditCost: 24 },
		});
	});

	it('verifies Apiframe signatures keyed by the SHA-256 digest of the key, with or without sha256=', () => {
		const body = Buffer.from('{"event":"completed"}');
		const digest = createHash('sha256').update('afk_key').digest();
		const hex = createHmac('sha256', digest).update(body).digest('hex');
		expect(checkApiframeSignature(body, hex, 'afk_key')).toBe(true);
		expect(checkApiframeSignature(body, `sha256=${hex.toUpperCase()}`, 'afk_key')).toBe(true);
		expect(checkApiframeSignature(body, hex, 'afk_other')).toBe(false);
		expect(checkApiframeSignature(Buffer.from('{"event":"failed"}'), hex, 'afk_key')).toBe(false);
		expect(checkApiframeSignature(body, 'sha256=zz', 'afk_key')).toBe(false);
		expect(checkApiframeSignature(body, undefined, 'afk_key')).toBe(false);
	});

	it('remembers deliveries, dropping the oldest beyond the limit', () => {
		const store = {};
		expect(rememberDelivery(store, 'a', 1, 2)).toBe(true);
		expect(rememberDelivery(store, 'a', 2, 2)).toBe(false);
		expect(rememberDelivery(store, 'b', 3, 2)).toBe(true);
		expect(rememberDelivery(store, 'c', 4, 2)).toBe(true);
		expect(Object.keys((store as { seenDeliveries: object }).seenDeliveries).sort()).toEqual([
			'b',
			'c',
		]);
		expect(rememberDelivery(store, 'a', 5, 2)).toBe(true);
	});
});
