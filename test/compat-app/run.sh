#!/usr/bin/env bash
# npm run test:compat:app: the packed tarball in the real n8n application of each older line
# (test/compat-app/lines.ts; 2.41 is test:e2e's), installed the way that line's own
# community-package installer does it, then run against the fake providers. Installs each line's
# n8n first when its lock changed (install.sh). Expects a fresh build (`npm run test:compat:app`
# does it).
#
# Extra arguments go to every jest run. An --outputFile=PATH (with --json) is split per line:
# `npm run test:compat:app -- --json --outputFile=reports/app` writes reports/app-1.78.json and
# reports/app-1.123.json. Ends with one line per n8n line and exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

# <n8n line>:<its folder under test/compat-app>; the labels are lines.ts's.
LINES=("1.78:n8n-1.78" "1.123:n8n-1.123")

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
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
report_of() {
	if [ -n "$outputFile" ]; then echo "${outputFile%.json}-$1.json"; else echo "$scratch/$1.json"; fi
}

status=0
for entry in "${LINES[@]}"; do
	label="${entry%%:*}"
	folder="${entry##*:}"
	report="$(report_of "$label")"
	mkdir -p "$(dirname "$report")"
	rm -f "$report"
	echo "::: compat-app: n8n $label"
	start=$(date +%s)
	if ! bash test/compat-app/install.sh "$folder"; then
		echo "::: compat-app: n8n $label could not be installed"
		status=1
		continue
	fi
	installed=$(date +%s)
	COMPAT_APP_LINE="$label" npx jest -c test/compat-app/jest.config.js "${args[@]}" --json \
		--outputFile="$report" || status=1
	echo "$label $((installed - start)) $(($(date +%s) - installed))" >> "$scratch/times"
done

echo "::: compat-app summary"
for entry in "${LINES[@]}"; do
	label="${entry%%:*}"
	node -e '
		const fs = require("fs");
		const [report, label, times] = process.argv.slice(1);
		const [install, test] = (fs.existsSync(times) ? fs.readFileSync(times, "utf8") : "")
			.split("\n").find((line) => line.startsWith(`${label} `))?.split(" ").slice(1) ?? [];
		const took = install === undefined ? "" : `; install ${install} s, tests ${test} s`;
		if (!fs.existsSync(report)) { console.log(`n8n ${label}: no report (did not run)${took}`); process.exit(); }
		const r = JSON.parse(fs.readFileSync(report, "utf8"));
		const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
		console.log(`n8n ${label} (real app): ${r.numPassedTests} passed, ${failed} failed${took}`);
	' "$(report_of "$label")" "$label" "$scratch/times"
done
exit "$status"
