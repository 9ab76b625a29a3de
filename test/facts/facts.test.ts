/**
 * The provider fact tables (nodes/shared/facts.ts): complete, read by the code, and the source of
 * what README.md and docs/providers.md say about the providers' facts and limits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { PROVIDERS, providerByKey } from '../../nodes/providers';
import { countByConfidence } from '../../nodes/shared/facts';
import type { Fact } from '../../nodes/shared/facts';
import { ROOT, TARGETS, withFacts } from '../../tools/facts';

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const MB = 1048576;

describe('the generated parts of README.md and docs/providers.md', () => {
	it.each(TARGETS.map((t) => [t.file, t] as const))(
		'%s is what the fact tables say (npm run facts writes it)',
		(file, target) => {
			const text = read(file);
			expect(withFacts(text, target.render(), file)).toBe(text);
		},
	);
});

describe.each(PROVIDERS.map((p) => [p.adapter.displayName, p] as const))(
	'%s facts',
	(_n, provider) => {
		const { adapter } = provider;
		const facts = adapter.facts;
		const entries = Object.entries(facts);

		it('every guess says what happens when it is wrong; every dispute names both readings', () => {
			expect(entries.length).toBeGreaterThan(20);
			for (const [name, entry] of entries) {
				expect({ name, about: entry.about.length > 0, shown: entry.shown.length > 0 }).toEqual({
					name,
					about: true,
					shown: true,
				});
				if (entry.confidence !== 'documented')
					expect({ name, ifWrong: typeof entry.ifWrong }).toEqual({ name, ifWrong: 'string' });
				if (entry.confidence === 'disputed')
					expect({ name, other: typeof entry.other }).toEqual({ name, other: 'string' });
			}
			const counts = countByConfidence(facts);
			expect(counts.documented + counts.disputed + counts.inferred).toBe(entries.length);
		});

		it('the code reads its routes, task ID pattern and key prefix from the table', () => {
			const value = (name: string) => (facts[name] as Fact).value;
			const submit = adapter.buildSubmit(
				{
					operation: 'generate',
					model: 'gpt-image-1.5',
					prompt: 'x',
					imageCount: 1,
					imageUrls: [],
					options: {},
				},
				1,
				'key',
			);
			expect(submit.path).toBe(value('submitRoute'));
			expect(submit.fact).toBe('submitRoute');
			expect(adapter.buildStatus('ID').path).toBe(
				String(value('statusRoute')).replace('{id}', 'ID'),
			);
			expect(adapter.cost!.balance.build().path).toBe(value('balanceRoute'));
			expect(adapter.taskId.pattern).toBe(value('taskId'));
			expect(adapter.taskId.pattern.test(adapter.taskId.madeUp)).toBe(true);
			expect(adapter.taskId.pattern.test(adapter.taskId.example)).toBe(true);
			expect(typeof value('keyPrefix')).toBe('string');
			const upload = value('upload') as { path: string; maxBytes: number } | undefined;
			expect(adapter.upload?.maxBytes).toBe(upload?.maxBytes);
			if (upload)
				expect(
					adapter.upload!.build({
						field: 'file',
						fileName: 'a.png',
						mimeType: 'image/png',
						content: Buffer.alloc(1),
					}).path,
				).toBe(upload.path);
		});
	},
);

describe('what the issue found unlisted is listed, with its confidence', () => {
	const starMagic = providerByKey('starMagic')!.adapter.facts;
	const evoLink = providerByKey('evoLink')!.adapter.facts;
	const apiframe = providerByKey('apiframe')!.adapter.facts;

	it("StarMagic's routes, results field, task IDs and key prefix are inferred (copied from EvoLink)", () => {
		for (const name of ['balanceRoute', 'statusRoute', 'resultsField', 'taskId', 'keyPrefix'])
			expect({ name, confidence: starMagic[name].confidence }).toEqual({
				name,
				confidence: 'inferred',
			});
		expect(starMagic.keyPrefix.source).toMatch(/^copied from EvoLink/);
		// What StarMagic's own page shows stays documented.
		expect(starMagic.submitRoute.confidence).toBe('documented');
		expect(starMagic.price.confidence).toBe('documented');
	});

	it("Apiframe's job list route and the disputed request shapes are facts", () => {
		expect(apiframe.listRoute.value).toBe('/v2/jobs');
		for (const name of ['webhookField', 'inputImages', 'aspectRatio', 'priceTable'])
			expect(apiframe[name].confidence).toBe('disputed');
	});

	it('the token limit of StarMagic/EvoLink prompts is disputed, and the models read it', () => {
		for (const [facts, key] of [
			[starMagic, 'starMagic'],
			[evoLink, 'evoLink'],
		] as const) {
			expect(facts.promptLimit.confidence).toBe('disputed');
			const model = providerByKey(key)!.adapter.models.find((m) => m.value === 'gpt-image-1.5')!;
			expect(model.promptUnit).toBe((facts.promptLimit.value as { unit: string }).unit);
			expect(model.promptMaxLength).toBe((facts.promptLimit.value as { max: number }).max);
		}
	});
});

describe('README, docs/providers.md and the code agree on the input image limits', () => {
	const readme = read('README.md');
	const docs = read('docs/providers.md');
	const limitMb = (key: string) => {
		const { adapter } = providerByKey(key)!;
		return Math.min(adapter.upload?.maxBytes ?? Infinity, adapter.inputImageLimit.maxBytes) / MB;
	};

	it('EvoLink: binaries and URLs alike at most the stricter page limit', () => {
		expect(limitMb('evoLink')).toBe(10);
		expect(providerByKey('evoLink')!.adapter.inputImageLimit.maxBytes / MB).toBe(10);
		expect(readme).toContain(`EvoLink files API, ${limitMb('evoLink')} MB per image`);
		expect(readme).toContain(`at most ${limitMb('evoLink')} MB each`);
		expect(docs).toContain(`the node keeps each input image to ${limitMb('evoLink')} MB`);
		expect(docs).not.toMatch(/binaries to EvoLink's host up to 50 MB/);
	});

	it('Apiframe: its upload limit', () => {
		expect(readme).toContain(`Apiframe \`/v2/uploads\`, ${limitMb('apiframe')} MB`);
	});
});
