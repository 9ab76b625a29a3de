/**
 * A loopback HTTP server between the fake providers and a GPT Image Trigger in n8n-core's webhook
 * context: each delivery is passed to the trigger's webhook() and the fake gets the trigger's HTTP
 * answer, so the providers' retries are real too.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

import type { FakeProvider } from '../fakes';
import type { TriggerCall, TriggerHandle } from './harness';

/** Public URL origin the nodes are given (passes the providers' https/public-host rules). */
export const PUBLIC_ORIGIN = 'https://n8n.example.com/webhook/';

export interface TriggerBridge {
	/** Every call the trigger answered, in order. */
	calls: TriggerCall[];
	/** The trigger that answers from now on. */
	use(trigger: TriggerHandle): void;
	/** Points a fake's callbacks for PUBLIC_ORIGIN at this bridge. */
	route(fake: FakeProvider): void;
	/** The calls that started a run. */
	started(): TriggerCall[];
	close(): Promise<void>;
}

export async function startBridge(): Promise<TriggerBridge> {
	const calls: TriggerCall[] = [];
	let trigger: TriggerHandle | undefined;
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', async () => {
			const rawBody = Buffer.concat(chunks);
			const url = new URL(req.url ?? '/', 'http://bridge.invalid');
			try {
				if (!trigger) throw new Error('no trigger is listening');
				const call = await trigger.call({
					path: url.pathname.slice(1),
					rawBody,
					headers: req.headers as Record<string, string>,
					query: Object.fromEntries(url.searchParams),
				});
				calls.push(call);
				const status = call.response.ended ? call.response.statusCode : 200;
				res
					.writeHead(status, { 'content-type': 'application/json' })
					.end(JSON.stringify(call.response.body ?? {}));
			} catch (error) {
				process.stderr.write(`bridge: ${(error as Error).stack}\n`);
				res.writeHead(500).end(String(error));
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		calls,
		use(next) {
			trigger = next;
			calls.length = 0;
		},
		route(fake) {
			fake.options.callbackRewrite = (u: string) => u.replace(PUBLIC_ORIGIN, `${url}/`);
			fake.options.callbackRetryDelaysMs = [1000, 2000, 4000];
			// The fake's default 10 s attempt timeout is 0.5 s of real time at the test clock's
			// speed; a trigger that confirms with the provider on a loaded machine can take longer,
			// and the delivery would then be retried, not answered once.
			fake.options.callbackTimeoutMs = 60000;
		},
		started: () => calls.filter((c) => c.items !== undefined),
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
