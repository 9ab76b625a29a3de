/**
 * Drives a real n8n 2.41 (installed by install-n8n.sh) the way a self-hosted user runs it:
 * a fresh user folder, our packed tarball installed the way n8n's community-package installer
 * does it, the CLI for imports and executions, and `n8n start` on 127.0.0.1 for the REST API.
 * Every process it starts is stopped by PID. The parts live in three modules; this one is the
 * single import the e2e, ui and queue tests and the n8n bench use.
 */
export * from './n8nProcess';
export * from './n8nInstall';
export * from './n8nRest';
