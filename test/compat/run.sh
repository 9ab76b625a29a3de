#!/usr/bin/env bash
# npm run test:compat: the engine tests (test/engine) on each supported n8n line in turn, with
# that n8n's n8n-core and n8n-workflow loaded by the harness and by the product code alike
# (test/compat/jest.config.js). Installs what is missing first (install.sh).
#
# Extra arguments go to every jest run. An --outputFile=PATH (with --json) is split per version:
# PATH-<version>.json, e.g. `npm run test:compat -- --json --outputFile=reports/compat` writes
# reports/compat-1.78.json, reports/compat-1.123.json and reports/compat-2.41.json.
# Ends with one line per version and exits non-zero if any version failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

# <folder under test/compat, or root for the project's own install>:<report label>
VERSIONS=("n8n-1.78:1.78" "n8n-1.123:1.123" "root:2.41")

outputFile=""
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--outputFile=*) outputFile="${1#--outputFile=}" ;;
	--outputFile) outputFile="${2:?--outputFile needs a path}"; shift ;;
	--json) ;; # always on: the summary below reads the report
	*) args+=("$1") ;;
	esac
	shift
done
summaries="$(mktemp -d)"
trap 'rm -rf "$summaries"' EXIT

status=0
for entry in "${VERSIONS[@]}"; do
	folder="${entry%%:*}"
	label="${entry##*:}"
	report="$summaries/$label.json"
	[ -n "$outputFile" ] && report="${outputFile%.json}-$label.json" && mkdir -p "$(dirname "$report")"
	rm -f "$report"
	echo "::: compat: n8n $label ($folder)"
	if [ "$folder" != root ] && ! bash test/compat/install.sh "$folder"; then
		echo "::: compat: n8n $label could not be installed"
		status=1
		continue
	fi
	start=$(date +%s)
	COMPAT_N8N="$folder" npx jest -c test/compat/jest.config.js "${args[@]}" --json \
		--outputFile="$report" || status=1
	echo "$label $(( $(date +%s) - start ))" >> "$summaries/times"
done

echo "::: compat summary"
for entry in "${VERSIONS[@]}"; do
	folder="${entry%%:*}"
	label="${entry##*:}"
	report="$summaries/$label.json"
	[ -n "$outputFile" ] && report="${outputFile%.json}-$label.json"
	node -e '
		const fs = require("fs");
		const [report, folder, label, times] = process.argv.slice(1);
		const dir = folder === "root" ? "node_modules" : `test/compat/${folder}/node_modules`;
		const version = (name) => {
			try { return JSON.parse(fs.readFileSync(`${dir}/${name}/package.json`, "utf8")).version; }
			catch { return "?"; }
		};
		const seconds = (fs.existsSync(times) ? fs.readFileSync(times, "utf8") : "")
			.split("\n").find((line) => line.startsWith(`${label} `))?.split(" ")[1];
		const what = `n8n ${label} (n8n-core ${version("n8n-core")}, n8n-workflow ${version("n8n-workflow")})`;
		if (!fs.existsSync(report)) { console.log(`${what}: no report (did not run)`); process.exit(); }
		const r = JSON.parse(fs.readFileSync(report, "utf8"));
		const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
		console.log(`${what}: ${r.numPassedTests} passed, ${failed} failed${seconds ? `, ${seconds} s` : ""}`);
	' "$report" "$folder" "$label" "$summaries/times"
done
exit "$status"
