// Runs the analysis of n8n's community-package scanner on local folders and decides the exit code.
//
//   node analyze.mjs <tool dir> <label>=<dir>:<kind> ...
//
// <tool dir> holds node_modules/@n8n/scan-community-package. <kind> is `tarball` (an unpacked
// `npm pack`) or `source` (the repository). Each target goes through the scanner's own
// `analyzePackage` with the file patterns the scanner itself uses for that kind of target, so its
// own ESLint config, plugins and rule versions decide. What this file adds: it prints every
// finding (the scanner shows them only when some file has an error), one summary line per target,
// and exits 1 on any error-level finding, a crash, or a target with no files (the scanner's CLI
// exits 0 in all of these).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// What the scanner's `analyzePackageByName` passes for the published tarball: compiled JS and the
// published package.json only (its `.ts` rules are meant for the source leg).
const TARBALL_PATTERNS = ['**/*.js', 'package.json'];

const [toolDir, ...targetArgs] = process.argv.slice(2);
if (!toolDir || targetArgs.length === 0) {
	console.error('usage: node analyze.mjs <tool dir> <label>=<dir>:<tarball|source> ...');
	process.exit(2);
}

const scannerDir = path.resolve(toolDir, 'node_modules/@n8n/scan-community-package');
const scannerFile = path.join(scannerDir, 'scanner/scanner.mjs');
const fromScanner = createRequire(scannerFile);

/** The package.json of the `name` that `from` would load (read from disk: some export none). */
function manifestOf(name, from = fromScanner) {
	for (const dir of from.resolve.paths(name) ?? []) {
		const file = path.join(dir, name, 'package.json');
		if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
	}
	return { version: 'not found', peerDependencies: {} };
}
const versionOf = (name, from) => manifestOf(name, from).version;

// The scanner keeps ESLint's results to itself. Watch the one ESLint class it imports (resolved
// from the scanner's own folder, so it is the same module instance) to see every result, warnings
// included; the results themselves pass through untouched.
const { ESLint } = await import(pathToFileURL(fromScanner.resolve('eslint')).href);
let seen = [];
const lintFiles = ESLint.prototype.lintFiles;
ESLint.prototype.lintFiles = async function watchedLintFiles(...args) {
	const results = await lintFiles.apply(this, args);
	seen = results;
	return results;
};

// The scanner depends on typescript 7.0.2, which @typescript-eslint/parser cannot load (it crashes
// with "Cannot read properties of undefined (reading 'Cjs')"). npm's peer resolution gives the
// parser a TypeScript in its own range instead; say so clearly if an install ever loses that.
const parserRequire = createRequire(fromScanner.resolve('@typescript-eslint/parser'));
const parserTsRange = manifestOf('@typescript-eslint/parser').peerDependencies.typescript;
if (!fromScanner('semver').satisfies(versionOf('typescript', parserRequire), parserTsRange)) {
	console.error(
		`scan: @typescript-eslint/parser needs typescript ${parserTsRange} but would load` +
			` ${versionOf('typescript', parserRequire)}; reinstall without --legacy-peer-deps`,
	);
	process.exit(1);
}

const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(pathToFileURL(scannerFile).href);

console.log(
	`scanner ${versionOf('@n8n/scan-community-package', createRequire(path.resolve(toolDir, 'x')))}` +
		` on Node ${process.versions.node}: eslint ${versionOf('eslint')},` +
		` @n8n/eslint-plugin-community-nodes ${versionOf('@n8n/eslint-plugin-community-nodes')},` +
		` eslint-plugin-n8n-nodes-base ${versionOf('eslint-plugin-n8n-nodes-base')},` +
		` @typescript-eslint/parser ${versionOf('@typescript-eslint/parser')}` +
		` with typescript ${versionOf('typescript', parserRequire)}`,
);

const severityName = (severity) => (severity === 2 ? 'error' : 'warning');

/** Scans one folder; returns true when it passed. */
async function scan(label, dir, kind) {
	seen = [];
	const patterns = kind === 'tarball' ? TARBALL_PATTERNS : SOURCE_FILE_PATTERNS;
	const started = Date.now();
	const verdict = await analyzePackage(dir, patterns);
	const seconds = ((Date.now() - started) / 1000).toFixed(1);

	let errors = 0;
	let warnings = 0;
	for (const result of seen) {
		for (const m of result.messages) {
			if (m.severity === 2) errors += 1;
			else warnings += 1;
			const where = `${path.relative(dir, result.filePath)}:${m.line ?? 0}:${m.column ?? 0}`;
			console.log(
				`  ${label} ${where} ${severityName(m.severity)} ${m.message} (${m.ruleId ?? 'parser'})`,
			);
		}
	}

	const problems = [];
	if (!verdict.passed) problems.push(verdict.message);
	if (seen.length === 0) problems.push('no files were analyzed');
	const passed = problems.length === 0 && errors === 0;
	console.log(
		`scan ${label}: ${passed ? 'passed' : 'FAILED'}, ${seen.length} files, ${errors} errors,` +
			` ${warnings} warnings (${seconds} s)${problems.length ? `: ${problems.join('; ')}` : ''}`,
	);
	return passed;
}

let allPassed = true;
for (const arg of targetArgs) {
	const match = /^([^=]+)=(.+):(tarball|source)$/.exec(arg);
	if (!match || !fs.statSync(match[2], { throwIfNoEntry: false })?.isDirectory()) {
		console.error(`not a target: ${arg}`);
		process.exit(2);
	}
	allPassed = (await scan(match[1], path.resolve(match[2]), match[3])) && allPassed;
}
process.exit(allPassed ? 0 : 1);
