/**
 * The world of the security tests about a hostile provider, in simulated time: an EvoLink fake
 * reached at a public https address (API), a second fake standing for its result host (CDN), and
 * the node run against them with Continue On Fail. Importing this module registers the hooks that
 * make both fakes and the clock fresh for every test; `fake`, `cdn` and `clock` are the current
 * test's.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { PROVIDERS } from '../../nodes/providers';
import { useClock } from '../../nodes/shared/clock';
import { runImageNode } from '../../nodes/shared/router';
import { startFakeProvider } from '../fakes';
import type { FakeProvider } from '../fakes';
import { VirtualClock } from '../tools/clock';
import { executeContext } from '../tools/n8nContext';
import type { ContextExtras, ContextOptions } from '../tools/n8nContext';

export const evoLink = PROVIDERS.find((p) => p.key === 'evoLink')!;
export const API = 'https://api.provider.test';
export const CDN = 'https://cdn.provider.test';
export let clock: VirtualClock;
export let fake: FakeProvider;
export let cdn: FakeProvider;

beforeEach(async () => {
	clock = new VirtualClock();
	useClock(clock);
	fake = await startFakeProvider(evoLink, { clock, taskDurationMs: 5000 });
	cdn = await startFakeProvider(evoLink, { clock, taskDurationMs: 5000 });
});
afterEach(async () => {
	useClock();
	await Promise.all([fake.close(), cdn.close()]);
});

export const generate = (extra: IDataObject = {}): IDataObject => ({
	operation: 'generate',
	model: 'gpt-image-1.5',
	prompt: 'a fox',
	options: { maxWaitSeconds: 120 },
	...extra,
});

/** Runs the EvoLink node on `items` against the fakes; returns its output and the context. */
export async function run(
	items: IDataObject[],
	extra: Partial<ContextOptions> = {},
): Promise<{ out: INodeExecutionData[]; fn: IExecuteFunctions & ContextExtras }> {
	const credentials = { [evoLink.adapter.credentialType]: { apiKey: fake.apiKey, baseUrl: API } };
	const fn = executeContext({
		fakes: [fake],
		aliases: [
			{ origin: API, fake },
			{ origin: CDN, fake: cdn },
		],
		clock,
		credentials,
		items,
		continueOnFail: true,
		...extra,
	});
	const out = await clock.run(async () => (await runImageNode.call(fn, evoLink))[0]);
	return { out, fn };
}
