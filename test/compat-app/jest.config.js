/**
 * `npm run test:compat:app`: the packed tarball in the real n8n application of one older line
 * (COMPAT_APP_LINE, see ./lines.ts); run.sh runs each line in turn. Long timeouts: n8n starts and
 * each `n8n execute` boots in seconds.
 */
module.exports = {
	rootDir: '../..',
	testEnvironment: 'node',
	testMatch: ['<rootDir>/test/compat-app/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	testTimeout: 240000,
	setupFilesAfterEnv: ['<rootDir>/test/secretsGuard.ts'],
};
