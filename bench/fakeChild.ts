/**
 * A fake provider in a process of its own, so its memory and CPU do not count against the node
 * under measurement (the providers' servers are elsewhere too). Started by `startFakeProcess`:
 * argv[2] is `{ key, options, faults }`; it prints `{ baseUrl, apiKey }`, then answers each
 * `counts` line on stdin with the fake's request counts as one JSON line, and each `cpu` line
 * with its own CPU time so far (`process.cpuUsage()`).
 */
import * as readline from 'node:readline';

import { startFakeProvider } from '../test/fakes';
import type { FakeProviderOptions, Fault } from '../test/fakes';

interface ChildSpec {
	key: string;
	options: FakeProviderOptions;
	faults?: Fault[];
}

async function main(): Promise<void> {
	const spec = JSON.parse(process.argv[2]) as ChildSpec;
	const fake = await startFakeProvider(spec.key, spec.options);
	for (const fault of spec.faults ?? []) fake.inject(fault);
	console.log(JSON.stringify({ baseUrl: fake.baseUrl, apiKey: fake.apiKey }));
	readline.createInterface({ input: process.stdin }).on('line', (line) => {
		if (line.trim() === 'counts') console.log(JSON.stringify(fake.counts));
		if (line.trim() === 'cpu') console.log(JSON.stringify(process.cpuUsage()));
	});
	process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
}

void main();
