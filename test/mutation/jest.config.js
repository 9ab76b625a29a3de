/**
 * The tests StrykerJS runs against each mutant of the money modules (pipeline, ledger, spend):
 * the unit and in-memory billing tests, and the engine tests that drive the pipeline through
 * n8n-core (with the nodes loaded from the TypeScript sources, see moduleNameMapper). Type errors
 * a mutant causes do not count as killing it (diagnostics off), and the property test draws 300
 * scenarios per run.
 */
const path = require('node:path');

module.exports = {
	rootDir: path.resolve(__dirname, '../..'),
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	// MUTATION_TESTS=units: the unit and in-memory tests only, for the ledger and spend control,
	// which those tests cover alone; the pipeline needs the engine tests as well (the default).
	testMatch: [
		'<rootDir>/test/unit/**/*.test.ts',
		'<rootDir>/test/billing/spend.property.test.ts',
		'<rootDir>/test/billing/instances.billing.test.ts',
		...(process.env.MUTATION_TESTS === 'units'
			? []
			: [
					'<rootDir>/test/billing/limits.billing.test.ts',
					'<rootDir>/test/engine/{edit,spend,errors,readings,pipeline}.test.ts',
					'<rootDir>/test/faults/badInput.test.ts',
					'<rootDir>/test/facts/{guesses,readBack}.test.ts',
				]),
	],
	// The engine loads the nodes from dist/ (as n8n does); here it loads the TypeScript sources
	// instead, so the engine tests see each mutant too.
	moduleNameMapper: { '^(.*)/dist/((?:nodes|credentials)/.*?)(?:\\.js)?$': '$1/$2' },
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
	},
	testTimeout: 60000,
	setupFiles: ['<rootDir>/test/mutation/env.js'],
};
