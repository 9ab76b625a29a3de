#!/usr/bin/env bash
# Installs the n8n-core and n8n-workflow pinned in test/compat/<folder>/package-lock.json into that
# folder's node_modules, with `npm ci` from the npm registry. Skips the install when the
# node_modules was made from the same lock file (a stamp holds the lock's hash).
set -euo pipefail
folder="${1:?usage: install.sh <folder under test/compat>, e.g. n8n-1.78}"
cd "$(dirname "$0")/$folder"

stamp="node_modules/.compat-installed"
lock="$(sha1sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock" ]; then
	echo "compat $folder: already installed"
	exit 0
fi

start=$(date +%s)
# No install scripts: n8n-core's optional native helpers (ssh2's cpu-features) are not needed
# in-process, and the project's .npmrc turns scripts off for the same reason.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$lock" > "$stamp"
echo "compat $folder: npm ci took $(( $(date +%s) - start )) s"
