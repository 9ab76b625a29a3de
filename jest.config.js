/** Jest runs the unit and engine tests; the real-n8n e2e tests have their own command. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testPathIgnorePatterns: [
		'/node_modules/',
		'/test/e2e/',
		'/test/queue/',
		'/test/ui/',
		'/test/compat-app/',
	],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
	},
	testTimeout: 30000,
	// Three workers on two cores: the engine and fault tests mostly wait on sockets, real request
	// timeouts and a scaled clock, so a third worker fills the waits (866 tests: 52 s, against 64 s
	// with two).
	maxWorkers: 3,
	// Checks that no test API key reaches the console in any test file.
	setupFilesAfterEnv: ['<rootDir>/test/secretsGuard.ts'],
};
