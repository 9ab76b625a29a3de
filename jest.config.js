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
	// Two workers on the two cores: the engine tests mostly wait on sockets and a scaled clock.
	maxWorkers: 2,
	// Checks that no test API key reaches the console in any test file.
	setupFilesAfterEnv: ['<rootDir>/test/secretsGuard.ts'],
};
