/**
 * `npm run probe -- <provider> [--spend-one]`: checks a provider's fact table against its real
 * API with your key (README, "Checking the facts with a real key"), and prints a Markdown table.
 * `npm run probe -- --against-fakes [--show <provider>:<fact>]`: the same against the fake
 * providers, each checkable fact played wrong in turn. Exits 1 when a fact differs (or, against
 * the fakes, when a fact played wrong is not reported), 2 on a usage error or when the API gave no
 * answer at all. Never prints the key.
 */
import { PROVIDERS } from '../../nodes/providers';
import { Masker } from '../../nodes/shared/mask';
import { againstFakes } from './againstFakes';
import { findProvider, runProbe } from './probe';

const USAGE = `Usage:
  <PROVIDER>_API_KEY=… npm run probe -- <${PROVIDERS.map((p) => p.key.toLowerCase()).join('|')}> [--spend-one]
  npm run probe -- --against-fakes [--show <provider>:<fact>]

Free checks only, unless --spend-one: then one cheapest task is submitted (and billed) and read back.
Environment: <PROVIDER>_API_KEY (required), <PROVIDER>_BASE_URL, EVOLINK_FILES_URL.`;

async function main(args: string[]): Promise<number> {
	if (args.includes('--against-fakes')) {
		const at = args.indexOf('--show');
		return await againstFakes(at >= 0 ? args[at + 1] : undefined);
	}
	const names = args.filter((a) => !a.startsWith('--'));
	const unknownFlags = args.filter((a) => a.startsWith('--') && a !== '--spend-one');
	const provider = names.length === 1 ? findProvider(names[0]) : undefined;
	if (!provider || unknownFlags.length > 0) {
		process.stderr.write(`${USAGE}\n`);
		return 2;
	}
	const prefix = provider.key.toUpperCase();
	const apiKey = process.env[`${prefix}_API_KEY`]?.trim() ?? '';
	if (apiKey === '') {
		process.stderr.write(`Set ${prefix}_API_KEY to the API key to check with.\n\n${USAGE}\n`);
		return 2;
	}
	const baseField = provider.credential.properties.find((p) => p.name === 'baseUrl');
	const filesField = provider.credential.properties.find((p) => p.name === 'fileBaseUrl');
	const trim = (url: string) => url.trim().replace(/\/+$/, '');
	const api = trim(process.env[`${prefix}_BASE_URL`] ?? String(baseField?.default ?? ''));
	const files = trim(process.env[`${prefix}_FILES_URL`] ?? String(filesField?.default ?? api));
	const spendOne = args.includes('--spend-one');
	if (spendOne)
		process.stderr.write(
			`--spend-one: submitting one cheapest ${provider.adapter.displayName} task (billed), then reading it back…\n`,
		);
	const result = await runProbe({ provider, apiKey, api, files, spendOne });
	process.stdout.write(`${result.table}\n`);
	if (result.unreachable) return 2;
	return result.differs ? 1 : 0;
}

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		// A crash prints its message only, with every key the environment holds masked.
		const keys = PROVIDERS.map((p) => process.env[`${p.key.toUpperCase()}_API_KEY`] ?? '');
		const message = error instanceof Error ? error.message : String(error);
		process.stderr.write(`probe failed: ${new Masker(keys).text(message)}\n`);
		process.exitCode = 2;
	},
);
