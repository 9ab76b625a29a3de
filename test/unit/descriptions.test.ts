import type { ICredentialType, INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { CALLBACK_PROVIDERS } from '../../nodes/GptImageTrigger/callbacks';
import { GptImageTrigger } from '../../nodes/GptImageTrigger/GptImageTrigger.node';
import { PROVIDERS } from '../../nodes/providers';
import { promptLengthHint } from '../../nodes/shared/descriptions/common';

import { ApiframeApi } from '../../credentials/ApiframeApi.credentials';
import { EvoLinkApi } from '../../credentials/EvoLinkApi.credentials';
import { StarMagicApi } from '../../credentials/StarMagicApi.credentials';
import { Apiframe } from '../../nodes/Apiframe/Apiframe.node';
import { EvoLink } from '../../nodes/EvoLink/EvoLink.node';
import { StarMagic } from '../../nodes/StarMagic/StarMagic.node';

const nodes = { starMagic: new StarMagic(), evoLink: new EvoLink(), apiframe: new Apiframe() };

function shownFor(properties: INodeProperties[], name: string): INodeProperties[] {
	return properties.filter((p) => p.name === name);
}

describe('node descriptions', () => {
	it.each(Object.entries(nodes))(
		'%s has the resource, the three operations and its credential',
		(name, node) => {
			const d = node.description;
			expect(d.name).toBe(name);
			expect(d.usableAsTool).toBe(true);
			// The panel: "GPT Image (EvoLink)", with the models and whose account it bills.
			expect(d.displayName).toMatch(/^GPT Image \((StarMagic|EvoLink|Apiframe)\)$/);
			expect(d.description).toMatch(
				/^Create and edit images with GPT Image [\d., and]+, billed to your \w+ account$/,
			);
			// As an AI Agent tool: Set Manually starts from a description written for the model.
			const toolText = d.properties.find((p) => p.name === 'toolDescription')!;
			expect(toolText.displayOptions?.show).toEqual({
				'@tool': [true],
				descriptionType: ['manual'],
			});
			expect(String(toolText.default)).toMatch(
				/^Creates an image with OpenAI GPT Image .* Returns the image URLs/,
			);
			expect(d.credentials).toEqual([
				{ name: `${name}Api`, required: true, testedBy: `${name}ApiTest` },
			]);
			const operations = d.properties.filter((p) => p.name === 'operation');
			expect(operations[0].options!.map((o) => ('value' in o ? o.value : undefined))).toEqual([
				'generate',
				'edit',
				'waitForTask',
			]);
			expect(operations[1].options!.map((o) => ('value' in o ? o.value : undefined))).toEqual([
				'getCredits',
			]);
			expect(shownFor(d.properties, 'model')[0].default).toBe('gpt-image-1.5');
			const prompts = shownFor(d.properties, 'prompt');
			// One Prompt per prompt limit (its hint names that limit), and one an agent fills in.
			const forPeople = prompts.filter((p) => p.displayOptions?.hide?.['@tool']);
			expect(forPeople.every((p) => p.required === true)).toBe(true);
			const forAgent = prompts.filter((p) => p.displayOptions?.show?.['@tool']);
			expect(forAgent.map((p) => p.required)).toEqual([false, false]);
			expect(String(forAgent[0].default)).toMatch(/^=\{\{ \$fromAI\('prompt', /);
			expect(shownFor(d.properties, 'taskId')[0].displayOptions?.show?.operation).toEqual([
				'waitForTask',
			]);
			expect(shownFor(d.properties, 'imageUrls')[0].displayOptions?.show?.operation).toEqual([
				'edit',
			]);
			expect(shownFor(d.properties, 'binaryFields')[0].displayOptions?.show?.operation).toEqual([
				'edit',
			]);
		},
	);

	it.each(Object.entries(nodes))(
		'%s: every displayOptions reference names a real parameter and value',
		(_name, node) => {
			const props = node.description.properties;
			for (const p of props) {
				for (const [ref, values] of Object.entries(p.displayOptions?.show ?? {})) {
					// n8n's own: '@tool' (the node as an AI Agent tool), '/x' (a top-level parameter).
					if (ref === '@tool') continue;
					const targets = props.filter((t) => t.name === ref.replace(/^\//, ''));
					expect(targets.length).toBeGreaterThan(0);
					const known = targets.flatMap((t) =>
						(t.options ?? []).map((o) => ('value' in o ? o.value : undefined)),
					);
					for (const v of values as unknown[]) expect(known).toContain(v);
				}
			}
		},
	);

	it.each(Object.entries(nodes))(
		'%s names its actions without articles, as n8n does (the panel and the tool descriptions)',
		(_name, node) => {
			const actions = node.description.properties
				.filter((p) => p.name === 'operation')
				.flatMap((p) => (p.options ?? []).map((o) => ('action' in o ? o.action : undefined)));
			expect(actions).toEqual(
				expect.arrayContaining(['Generate image', 'Edit image', 'Wait for task']),
			);
			for (const action of actions) expect(action).not.toMatch(/\b(a|an|the)\b/i);
		},
	);

	it('offers the documented models per provider', () => {
		const models = (node: { description: { properties: INodeProperties[] } }) =>
			shownFor(node.description.properties, 'model')[0].options!.map((o) =>
				'value' in o ? o.value : '',
			);
		expect(models(nodes.evoLink)).toEqual(['gpt-image-1.5', 'gpt-image-1', 'gpt-image-2']);
		expect(models(nodes.starMagic)).toEqual(['gpt-image-1.5', 'gpt-image-2']);
		expect(models(nodes.apiframe)).toEqual(['gpt-image-1.5', 'gpt-image-2']);
	});

	it('shows resolution and the mask only for gpt-image-2, and no mask on Apiframe', () => {
		const evo = nodes.evoLink.description.properties;
		expect(shownFor(evo, 'resolution')[0].displayOptions?.show?.model).toEqual(['gpt-image-2']);
		expect(shownFor(evo, 'maskUrl')[0].displayOptions?.show).toEqual({
			operation: ['edit'],
			model: ['gpt-image-2'],
		});
		expect(shownFor(evo, 'size')[0].displayOptions?.show?.model).toEqual([
			'gpt-image-1.5',
			'gpt-image-1',
		]);
		expect(shownFor(nodes.apiframe.description.properties, 'maskUrl')).toHaveLength(0);
		expect(shownFor(nodes.apiframe.description.properties, 'aspectRatio')[0].options).toHaveLength(
			3,
		);
	});

	it('has the shared options; callback settings only for Completion = Callback', () => {
		const options = shownFor(nodes.apiframe.description.properties, 'options')[0]
			.options as INodeProperties[];
		const names = options.map((o) => o.name);
		for (const n of [
			'binaryPropertyName',
			'maxConcurrentTasks',
			'maxWaitSeconds',
			'output',
			'pollIntervalSeconds',
			'requestTimeoutSeconds',
			'maxDownloadMb',
			'downloadTimeoutSeconds',
		]) {
			expect(names).toContain(n);
		}
		expect(names).not.toContain('callbackUrl');
		// Generate and Edit each own a copy of the field (one module per operation).
		const webhooks = shownFor(nodes.apiframe.description.properties, 'callbackUrl');
		expect(webhooks.map((w) => w.displayName)).toEqual(['Webhook URL', 'Webhook URL']);
		expect(webhooks.map((w) => w.displayOptions?.show)).toEqual([
			{ completion: ['callback'], operation: ['generate'] },
			{ completion: ['callback'], operation: ['edit'] },
		]);
	});
});

describe('credentials', () => {
	it.each([
		[
			'starMagicApi',
			new StarMagicApi(),
			'https://api.starmagic.ai',
			'/v1/credits',
			{ Authorization: '=Bearer {{$credentials.apiKey}}' },
		],
		[
			'evoLinkApi',
			new EvoLinkApi(),
			'https://api.evolink.ai',
			'/v1/credits',
			{ Authorization: '=Bearer {{$credentials.apiKey}}' },
		],
		[
			'apiframeApi',
			new ApiframeApi(),
			'https://api.apiframe.ai',
			'/v2/me',
			{ 'X-API-Key': '={{$credentials.apiKey}}' },
		],
	])(
		'%s: key is a password, base URL has the official default, auth is set, the nodes test it',
		(name, cred, baseUrl, testPath, headers) => {
			const key = cred.properties.find((p) => p.name === 'apiKey')!;
			expect(key.typeOptions?.password).toBe(true);
			expect(cred.properties.find((p) => p.name === 'baseUrl')!.default).toBe(baseUrl);
			expect(cred.authenticate).toEqual({ type: 'generic', properties: { headers } });
			// A declarative test would win over the nodes' testedBy function (see credentialTest.test.ts).
			expect('test' in cred).toBe(false);
			const provider = PROVIDERS.find((p) => p.credential.name === name)!;
			expect(provider.adapter.cost?.balance.build().path).toBe(testPath);
			expect(cred.icon).toEqual(
				expect.objectContaining({
					light: expect.stringMatching(/\.svg$/),
					dark: expect.stringMatching(/\.dark\.svg$/),
				}),
			);
		},
	);
});

describe("the callback trigger's credentials", () => {
	const trigger = new GptImageTrigger().description;
	/** The credential types n8n shows for these parameter values (its own display rules). */
	const shown = (provider: string, verification: string) =>
		trigger
			.credentials!.filter((c) =>
				NodeHelpers.displayParameter({ provider, verification }, c, null, trigger),
			)
			.map((c) => c.name);

	it.each([
		['auto', 'provider', CALLBACK_PROVIDERS.map((p) => p.adapter.credentialType)],
		['starMagic', 'provider', ['starMagicApi']],
		['evoLink', 'provider', ['evoLinkApi']],
		['apiframe', 'provider', ['apiframeApi']],
		['auto', 'secret', []],
		['evoLink', 'none', []],
	])('Provider %s, Verification %s: asks for %j', (provider, verification, expected) => {
		expect(shown(provider, verification)).toEqual(expected);
	});

	it('has no field the editor would take for an authentication selector', () => {
		// n8n's editor treats an options field as the node's "auth type" (hides it among the
		// parameters and rewrites it when a credential is picked) when it is named authentication,
		// or when every one of its values is listed in the credentials' `show` rules.
		const listed: Record<string, string[]> = {};
		for (const credential of trigger.credentials ?? [])
			for (const [field, values] of Object.entries(credential.displayOptions?.show ?? {}))
				listed[field] = [...(listed[field] ?? []), ...(values ?? []).map(String)];
		const selectors = trigger.properties.filter(
			(p) =>
				p.name === 'authentication' ||
				(p.name in listed &&
					(p.options ?? []).every((o) => 'value' in o && listed[p.name].includes(String(o.value)))),
		);
		expect(selectors.map((p) => p.name)).toEqual([]);
	});
});

describe("the callback trigger's panel", () => {
	const trigger = new GptImageTrigger().description;
	const visible = (parameters: Record<string, string>) =>
		trigger.properties
			.filter((p) => p.type === 'notice')
			.filter((p) => NodeHelpers.displayParameter(parameters, p, null, trigger))
			.map((p) => p.name);

	it('the verification notice names only the providers the Provider field accepts', () => {
		const notice = (provider: string) =>
			trigger.properties.find(
				(p) =>
					p.name.startsWith('credentialNotice') &&
					NodeHelpers.displayParameter({ provider, verification: 'provider' }, p, null, trigger),
			)!.displayName;
		expect(notice('evoLink')).toMatch(/^The EvoLink credential above is used only/);
		expect(notice('evoLink')).not.toMatch(/StarMagic|Apiframe/);
		expect(notice('auto')).toMatch(/StarMagic, EvoLink and Apiframe credentials/);
		expect(visible({ provider: 'evoLink', verification: 'secret' })).not.toContain(
			'credentialNotice_evoLink',
		);
	});
});

describe('UI text', () => {
	/** Every property, nested collection options included. */
	function allProperties(properties: INodeProperties[]): INodeProperties[] {
		return properties.flatMap((p) => [
			p,
			...allProperties(
				((p.options ?? []) as INodeProperties[]).filter((o) => 'type' in o && 'displayName' in o),
			),
		]);
	}
	const described: Array<[string, INodeTypeDescription | ICredentialType]> = [
		...Object.entries(nodes).map(([name, node]): [string, INodeTypeDescription] => [
			name,
			node.description,
		]),
		['gptImageTrigger', new GptImageTrigger().description],
		['starMagicApi', new StarMagicApi()],
		['evoLinkApi', new EvoLinkApi()],
		['apiframeApi', new ApiframeApi()],
	];

	it.each(described)(
		'%s: hints and descriptions are sentence case, one sentence without a period, several with one',
		(_name, d) => {
			const texts: string[] = [];
			for (const p of allProperties(d.properties)) {
				if (p.type === 'notice') continue;
				for (const text of [p.description, p.hint]) if (text) texts.push(text);
				for (const o of p.options ?? [])
					if ('description' in o && typeof o.description === 'string') texts.push(o.description);
			}
			expect(texts.length).toBeGreaterThanOrEqual(2);
			for (const text of texts) {
				// Starts with a capital, a digit, or a lower-case identifier such as gpt-image-1.5 or taskId.
				expect({ text, ok: /^([A-Z0-9]|[a-z]+[-A-Z0-9])/.test(text) }).toEqual({ text, ok: true });
				const sentences = text.split(/(?<=[.!?])\s+(?=[A-Z])/).length;
				expect({ text, ok: sentences > 1 ? /[.!?)]$/.test(text) : !/\.$/.test(text) }).toEqual({
					text,
					ok: true,
				});
			}
		},
	);

	it('names operations and the model in the canvas subtitle', () => {
		const subtitle = nodes.evoLink.description.subtitle!;
		expect(subtitle).toContain('"waitForTask":"Wait for Task"');
		expect(subtitle).toContain('$parameter["model"]');
	});

	it('gives Number of Images the hint of the model chosen', () => {
		const hints = (node: { description: { properties: INodeProperties[] } }) =>
			Object.fromEntries(
				shownFor(node.description.properties, 'numberOfImages').map((p) => [
					String(p.displayOptions?.show?.model ?? 'any'),
					p.hint,
				]),
			);
		expect(hints(nodes.evoLink)).toEqual({
			'gpt-image-1.5':
				'gpt-image-1.5 makes one image per task, so each image is a separately billed task',
			'gpt-image-1,gpt-image-2': 'Up to 10 images in one task',
		});
		expect(hints(nodes.apiframe)).toEqual({
			any: 'Apiframe makes up to 10 images in one job, billed per image',
		});
	});

	it('states the prompt limits from the models', () => {
		expect(
			promptLengthHint([
				{ value: 'gpt-image-1.5', promptMaxLength: 2000 },
				{ value: 'gpt-image-1', promptMaxLength: 2000 },
				{ value: 'gpt-image-2', promptMaxLength: 32000 },
			]),
		).toBe('Up to 2,000 characters (gpt-image-2: 32,000)');
		expect(shownFor(nodes.apiframe.description.properties, 'prompt')[0].hint).toBe(
			'Up to 2,000 characters',
		);
	});

	it.each([
		[new StarMagicApi(), 'https://starmagic.ai/app/api-keys'],
		[new EvoLinkApi(), 'https://evolink.ai/dashboard/keys'],
		[new ApiframeApi(), 'https://console.apiframe.ai'],
	])("%#: the credential form opens with a link to the provider's key page", (cred, url) => {
		const notice = cred.properties[0];
		expect(notice.type).toBe('notice');
		expect(notice.displayName).toContain(`<a href="${url}" target="_blank">`);
	});
});
