/**
 * Links a user follows from the editor (the node's documentation link) and inside the README must
 * land on a heading that exists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N} _-]/gu, '')
		.replace(/ /g, '-');
}

const anchors = new Set(
	README.split('\n')
		.filter((line) => /^#{1,6} /.test(line))
		.map((line) => slug(line.replace(/^#+ /, '').replace(/`/g, ''))),
);

const codexFiles = fs
	.readdirSync(path.join(ROOT, 'nodes'), { withFileTypes: true })
	.filter((d) => d.isDirectory())
	.flatMap((d) =>
		fs
			.readdirSync(path.join(ROOT, 'nodes', d.name))
			.filter((f) => f.endsWith('.node.json'))
			.map((f) => path.join(ROOT, 'nodes', d.name, f)),
	);

describe('documentation links', () => {
	it('finds the codex files of every node', () => {
		expect(codexFiles.length).toBeGreaterThanOrEqual(4);
	});

	it.each(codexFiles.map((f) => [path.basename(f), f]))(
		'%s: every README anchor it links to exists',
		(_name, file) => {
			const urls = JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8'))).match(
				/https:\/\/github\.com\/[^"]+#[^"]+/g,
			);
			for (const url of urls ?? []) {
				const anchor = url.split('#')[1];
				if (anchor !== 'readme')
					expect({ url, found: anchors.has(anchor) }).toEqual({ url, found: true });
			}
		},
	);

	it('every in-page link of the README lands on a heading', () => {
		const links = [...README.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
		expect(links.length).toBeGreaterThan(5);
		const missing = links.filter((a) => !anchors.has(a));
		expect(missing).toEqual([]);
	});
});
