#!/usr/bin/env bash
# npm run test:mutation: StrykerJS on the money modules, in two runs (not part of CI):
# - the pipeline, against the unit, in-memory and engine tests (the engine drives it);
# - the ledger and spend control, against the unit and in-memory tests alone, which cover them
#   (the engine tests add nothing there but time).
# Prints each run's score and the score over both; exits non-zero under 85 %.
set -uo pipefail
cd "$(dirname "$0")/../.."
config=test/mutation/stryker.config.json
reports=reports/mutation
rm -rf .stryker-tmp
npx stryker run "$config" --mutate nodes/shared/pipeline.ts
cp "$reports/mutation.json" "$reports/pipeline.json"
MUTATION_TESTS=units npx stryker run "$config" --mutate nodes/shared/ledger.ts,nodes/shared/spend.ts
cp "$reports/mutation.json" "$reports/ledger-spend.json"
node -e '
	const fs = require("fs");
	let detected = 0, valid = 0;
	for (const file of process.argv.slice(1)) {
		const report = JSON.parse(fs.readFileSync(file, "utf8"));
		for (const [name, { mutants }] of Object.entries(report.files)) {
			const d = mutants.filter((m) => m.status === "Killed" || m.status === "Timeout").length;
			const v = mutants.filter((m) => !["CompileError", "RuntimeError", "Ignored"].includes(m.status)).length;
			console.log(`${name}: ${((100 * d) / v).toFixed(2)} % (${d} of ${v} mutants detected)`);
			detected += d; valid += v;
		}
	}
	const score = (100 * detected) / valid;
	console.log(`mutation score over both runs: ${score.toFixed(2)} % (${detected} of ${valid}), goal >= 85 %`);
	process.exitCode = score >= 85 ? 0 : 1;
' "$reports/pipeline.json" "$reports/ledger-spend.json"
