/**
 * Result hosts in n8n-core's real HTTP stack, on every n8n line `npm run test:compat` runs:
 * - a host name that resolves to 127.0.0.1 never reaches a loopback listener: refused after the
 *   lookup where n8n offers one to nodes (2.38 and later), refused before any lookup where it
 *   does not (fail closed: n8n 1.x);
 * - where the node connects to the address it checked (n8n 2.38 and later), n8n's own request
 *   helper keeps the host name for TLS (the certificate is checked against it) and for the Host
 *   header, although the URL names the address. The TLS server here has a certificate for
 *   cdn.pinned.test only, signed by a CA made for the test.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import type * as Transport from '../../nodes/shared/transport';
import { deliveryFor } from './deliveries';
import { createTrigger, REPO_ROOT } from './harness';
import { host, n8nCoreAtLeast } from './harness/compat';
import { credentialsFor, startFakes, stopFakes } from './setup';
import type { Fakes } from './setup';

const dns = require('node:dns') as typeof import('node:dns');
const realLookup = dns.lookup;
/** Lookups n8n offers to nodes (its egress filter's) exist from n8n 2.38 with SSRF protection off. */
const lookupOffered = n8nCoreAtLeast('2.38');

let fakes: Fakes;
let listener: net.Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
	fakes = await startFakes();
	listener = net.createServer((socket) => {
		connections += 1;
		socket.destroy();
	});
	await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
	port = (listener.address() as net.AddressInfo).port;
	// What an attacker's name server answers; every other name resolves as usual.
	(dns as { lookup: unknown }).lookup = (
		hostname: string,
		options: unknown,
		callback?: unknown,
	) => {
		const done = (typeof options === 'function' ? options : callback) as (
			error: Error | null,
			address: unknown,
			family?: number,
		) => void;
		if (hostname !== 'img.attacker.test')
			return (realLookup as (...args: unknown[]) => void)(hostname, options, callback);
		if ((options as { all?: boolean } | undefined)?.all)
			done(null, [{ address: '127.0.0.1', family: 4 }]);
		else done(null, '127.0.0.1', 4);
	};
});
afterAll(async () => {
	(dns as { lookup: unknown }).lookup = realLookup;
	await stopFakes(fakes);
	await new Promise((resolve) => listener.close(resolve));
});

it(`a result host resolving to 127.0.0.1 is never connected to (n8n-core ${host.n8nCore})`, async () => {
	const secret = 'egress-secret-0123456789abcdef';
	const handle = await createTrigger({
		node: {
			name: 'GPT Image Trigger',
			type: 'gptImageTrigger',
			parameters: {
				provider: 'auto',
				verification: 'secret',
				sharedSecret: secret,
				options: { output: 'binary' },
			},
		},
		credentials: credentialsFor(fakes),
	});
	await handle.lifecycle('create');
	// The caller gets a fixed text; why the images were not taken goes to n8n's log.
	const call = await handle.call({
		...deliveryFor(fakes, 'evoLink', {
			taskId: 'task-unified-1757156493-egress01',
			images: [`https://img.attacker.test:${port}/x.png`],
		}),
		path: `gpt-image/${secret}`,
	});
	expect(connections).toBe(0);
	expect(call.items).toBeUndefined();
	expect(call.response.body).toEqual({ error: 'Could not take the images now; deliver again' });
	// Why (the name resolves to 127.0.0.1, or cannot be checked on this n8n) goes to n8n's log;
	// test/unit/egress.test.ts checks those reasons.
});

/** A CA and a certificate for cdn.pinned.test it signed, made with openssl for this run. */
function certificates(): { ca: Buffer; key: Buffer; cert: Buffer } {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-image-tls-'));
	const openssl = (args: string) =>
		execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'ignore' });
	const read = (name: string) => fs.readFileSync(path.join(dir, name));
	try {
		openssl(
			'req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=TestCA -keyout ca.key -out ca.pem',
		);
		openssl(
			'req -newkey rsa:2048 -nodes -subj /CN=cdn.pinned.test -keyout server.key -out server.csr',
		);
		fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=DNS:cdn.pinned.test\n');
		openssl(
			'x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.cnf -out server.pem',
		);
		return { ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

// The node connects to a checked address only where n8n offers it a lookup (2.38 and later).
(lookupOffered ? it : it.skip)(
	"n8n's request helper keeps the host name for TLS and Host when the URL names the address",
	async () => {
		const { ca, key, cert } = certificates();
		const seen: Array<{ servername: unknown; host: unknown }> = [];
		const server = https.createServer({ key, cert }, (req, res) => {
			seen.push({
				servername: (req.socket as unknown as { servername?: unknown }).servername,
				host: req.headers.host,
			});
			res.writeHead(200, { 'content-type': 'image/png' }).end('png');
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const tlsPort = (server.address() as net.AddressInfo).port;
		try {
			// n8n's own httpRequest helper (what helpers.httpRequest calls), trusting the test CA.
			const { OutboundHttp } = require('@n8n/backend-network') as {
				OutboundHttp: new () => { requests(): { request(o: object): Promise<unknown> } };
			};
			const { Container } = require('@n8n/di') as {
				Container: { get<T>(type: new () => T): T };
			};
			const httpRequest = async (options: { agentOptions?: object }) =>
				await Container.get(OutboundHttp)
					.requests()
					.request({ ...options, agentOptions: { ...options.agentOptions, ca } });
			const transport = require(
				path.join(REPO_ROOT, 'dist/nodes/shared/transport'),
			) as typeof Transport;
			const send = transport.plainSender({ helpers: { httpRequest } } as never);
			const url = `https://127.0.0.1:${tlsPort}/x.png`;
			const answer = await send({
				method: 'GET',
				url,
				headers: { Host: `cdn.pinned.test:${tlsPort}` },
				servername: 'cdn.pinned.test',
				timeoutMs: 5000,
			});
			(answer.body as { destroy(): void }).destroy();
			expect(answer.statusCode).toBe(200);
			expect(seen).toEqual([{ servername: 'cdn.pinned.test', host: `cdn.pinned.test:${tlsPort}` }]);
			// Without the name, TLS checks the certificate against the address and refuses it.
			await expect(send({ method: 'GET', url, headers: {}, timeoutMs: 5000 })).rejects.toThrow(
				/altnames|is not in the cert/,
			);
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
	},
);
