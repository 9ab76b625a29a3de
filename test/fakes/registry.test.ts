/**
 * Registry-driven selection: each fake is built from its entry in nodes/providers.ts (wire
 * format, models offered, upload capability), while the documented per-model rules stay in
 * the fakes.
 */
import { PROVIDERS, providerByKey } from '../../nodes/providers';
import type { ProviderDefinition } from '../../nodes/shared/provider';
import { PROVIDER_KEYS, startAllFakes, startFakeProvider, pngBytes } from './index';
import type { FakeProvider, ProviderKey } from './index';

function definition(key: ProviderKey): ProviderDefinition {
	const found = providerByKey(key);
	if (!found) throw new Error(`registry has no ${key}`);
	return found;
}

async function json(
	fake: FakeProvider,
	method: string,
	path: string,
	body?: object,
): Promise<{ status: number; body: any }> {
	const auth: Record<string, string> =
		fake.wireFormat === 'apiframe-v2'
			? { 'x-api-key': fake.apiKey }
			: { authorization: `Bearer ${fake.apiKey}` };
	const res = await fake.request({ method, url: `${fake.baseUrl}${path}`, headers: auth, body });
	return { status: res.statusCode, body: JSON.parse((res.body as Buffer).toString('utf8')) };
}

/** A multipart upload of a tiny PNG, serialised the way fetch would send it. */
async function multipartPng(): Promise<{ body: Buffer; contentType: string }> {
	const form = new FormData();
	form.append('file', new Blob([pngBytes(2, 2)], { type: 'image/png' }), 'a.png');
	const req = new Request('http://x.invalid/', { method: 'POST', body: form });
	return {
		body: Buffer.from(await req.arrayBuffer()),
		contentType: req.headers.get('content-type')!,
	};
}

describe('registry-driven fakes', () => {
	let fakes: Record<ProviderKey, FakeProvider>;
	beforeAll(async () => {
		fakes = await startAllFakes({ taskDurationMs: 0 });
	});
	afterAll(() => Promise.all(Object.values(fakes).map((fake) => fake.close())));

	it('lists the registry keys and starts one fake per registry provider', () => {
		expect(PROVIDER_KEYS).toEqual(PROVIDERS.map((p) => p.key));
		expect(Object.keys(fakes)).toEqual(PROVIDER_KEYS);
		for (const key of PROVIDER_KEYS) {
			const { adapter } = definition(key);
			expect(fakes[key]).toMatchObject({
				key,
				wireFormat: adapter.wireFormat,
				models: adapter.models.map((m) => m.value),
				filesApi: adapter.upload !== undefined,
			});
			expect(fakes[key].provider).toBe(definition(key));
			expect(fakes[key].baseUrl).toBe(`http://127.0.0.1:${fakes[key].port}`);
		}
		expect(new Set(Object.values(fakes).map((f) => f.port)).size).toBe(PROVIDER_KEYS.length);
	});

	it('keeps the default API key per wire format', () => {
		expect([fakes.starMagic.apiKey, fakes.evoLink.apiKey, fakes.apiframe.apiKey]).toEqual([
			'sk-test-key',
			'sk-test-key',
			'afk_test_key',
		]);
	});

	it('offers StarMagic gpt-image-1.5 and gpt-image-2 only, and no files API', async () => {
		const models = await json(fakes.starMagic, 'GET', '/v1/models');
		expect(models.body.data.map((m: { id: string }) => m.id)).toEqual([
			'gpt-image-1.5',
			'gpt-image-2',
		]);
		const legacy = await json(fakes.starMagic, 'POST', '/v1/images/generations', {
			model: 'gpt-image-1',
			prompt: 'x',
		});
		expect([legacy.status, legacy.body.error.code]).toEqual([403, 'model_access_denied']);
		expect(
			(
				await json(fakes.starMagic, 'POST', '/v1/images/generations', {
					model: 'gpt-image-2',
					prompt: 'x',
				})
			).status,
		).toBe(200);

		const { body, contentType } = await multipartPng();
		const upload = await fakes.starMagic.request({
			method: 'POST',
			url: `${fakes.starMagic.baseUrl}/api/v1/files/upload/stream`,
			headers: { 'content-type': contentType },
			body,
		});
		expect(upload.statusCode).toBe(404);
		expect(fakes.starMagic.filesApi).toBe(false);
		expect(fakes.starMagic.counts).toMatchObject({ uploads: 1, submissions: 1 });
	});

	it('offers EvoLink gpt-image-1 too, and its files API', async () => {
		const models = await json(fakes.evoLink, 'GET', '/v1/models');
		expect(models.body.data.map((m: { id: string }) => m.id)).toEqual([
			'gpt-image-1.5',
			'gpt-image-1',
			'gpt-image-2',
		]);
		expect(
			(
				await json(fakes.evoLink, 'POST', '/v1/images/generations', {
					model: 'gpt-image-1',
					prompt: 'x',
					n: 3,
				})
			).status,
		).toBe(200);
		const { body, contentType } = await multipartPng();
		const upload = await fakes.evoLink.request({
			method: 'POST',
			url: `${fakes.evoLink.baseUrl}/api/v1/files/upload/stream`,
			headers: { authorization: `Bearer ${fakes.evoLink.apiKey}`, 'content-type': contentType },
			body,
		});
		expect(upload.statusCode).toBe(200);
	});
});

describe('provider definitions outside the registry', () => {
	let fake: FakeProvider | undefined;
	afterEach(async () => {
		await fake?.close();
		fake = undefined;
	});

	it("serves any provider whose adapter says wireFormat 'unified-task' with the unified implementation", async () => {
		const base = definition('evoLink');
		const acme: ProviderDefinition = {
			...base,
			key: 'acme',
			adapter: {
				...base.adapter,
				displayName: 'Acme',
				models: base.adapter.models.filter((m) => m.value === 'gpt-image-2'),
				upload: undefined,
			},
		};
		fake = await startFakeProvider(acme, { taskDurationMs: 0 });
		expect(fake).toMatchObject({
			key: 'acme',
			wireFormat: 'unified-task',
			models: ['gpt-image-2'],
			filesApi: false,
			apiKey: 'sk-test-key',
		});
		const created = await json(fake, 'POST', '/v1/images/generations', {
			model: 'gpt-image-2',
			prompt: 'x',
			size: '16:9',
		});
		expect(created.body).toMatchObject({ object: 'image.generation.task', status: 'pending' });
		expect(
			(await json(fake, 'POST', '/v1/images/generations', { model: 'gpt-image-1.5', prompt: 'x' }))
				.status,
		).toBe(403);
		// the fake's own documented rules still apply (not the adapter's)
		const tooSmall = await json(fake, 'POST', '/v1/images/generations', {
			model: 'gpt-image-2',
			prompt: 'x',
			size: '512x512',
		});
		expect(tooSmall.body.error.message).toMatch(/total pixels/);
		const upload = await fake.request({
			method: 'POST',
			url: `${fake.baseUrl}/api/v1/files/upload/base64`,
			body: { base64_data: 'iVBORw0KGgo=' },
		});
		expect(upload.statusCode).toBe(404);
	});

	it('answers an Apiframe upload with 404 when the adapter has no upload capability', async () => {
		const base = definition('apiframe');
		fake = await startFakeProvider({
			...base,
			key: 'apiframeNoUploads',
			adapter: { ...base.adapter, upload: undefined },
		});
		const { body, contentType } = await multipartPng();
		const res = await fake.request({
			method: 'POST',
			url: `${fake.baseUrl}/v2/uploads`,
			headers: { 'x-api-key': fake.apiKey, 'content-type': contentType },
			body,
		});
		expect([res.statusCode, JSON.parse(res.body.toString())]).toEqual([
			404,
			{ error: 'Not found' },
		]);
		expect(fake.counts.uploads).toBe(1);
	});

	it('refuses models the fake has no documented rules for, and unknown keys', async () => {
		const base = definition('starMagic');
		const future = {
			...base,
			adapter: {
				...base.adapter,
				models: [...base.adapter.models, { ...base.adapter.models[0], value: 'gpt-image-9' }],
			},
		};
		await expect(startFakeProvider(future)).rejects.toThrow(/gpt-image-9.*unifiedTaskRules/);
		await expect(startFakeProvider('evolink')).rejects.toThrow(
			/unknown provider 'evolink' \(registry keys: /,
		);
	});
});
