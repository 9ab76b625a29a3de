/**
 * A fake provider in a process of its own (bench/fakeChild.ts), so its memory and CPU do not
 * count against what is measured. Light to import: no n8n code is loaded here.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

import type { FakeCounts, FakeProviderOptions, Fault } from '../test/fakes';

export interface FakeAddress {
	apiKey: string;
	baseUrl: string;
}

export interface FakeProcess extends FakeAddress {
	counts(): Promise<FakeCounts>;
	/** The fake's own CPU time so far, in ms. */
	cpuMs(): Promise<number>;
	stop(): Promise<void>;
}

/** Starts a fake in a child process (bench/fakeChild.ts); `faults` are injected before it serves. */
export async function startFakeProcess(
	key: string,
	options: FakeProviderOptions,
	faults: Fault[] = [],
): Promise<FakeProcess> {
	const child = spawn(
		process.execPath,
		[
			'-r',
			'ts-node/register/transpile-only',
			path.join(__dirname, 'fakeChild.ts'),
			JSON.stringify({ key, options, faults }),
		],
		{
			stdio: ['pipe', 'pipe', 'inherit'],
			env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.test.json') },
		},
	);
	const lines = readline.createInterface({ input: child.stdout });
	const next = async () =>
		await new Promise<string>((resolve, reject) => {
			lines.once('line', resolve);
			child.once('exit', (code) => reject(new Error(`fake exited with ${code}`)));
		});
	const address = JSON.parse(await next()) as FakeAddress;
	return {
		...address,
		async counts() {
			const answer = next();
			child.stdin.write('counts\n');
			return JSON.parse(await answer) as FakeCounts;
		},
		async cpuMs() {
			const answer = next();
			child.stdin.write('cpu\n');
			const { user, system } = JSON.parse(await answer) as NodeJS.CpuUsage;
			return (user + system) / 1000;
		},
		async stop() {
			const gone = new Promise((resolve) => child.once('exit', resolve));
			child.stdin.end();
			await gone;
		},
	};
}
