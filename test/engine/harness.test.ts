/**
 * Self-test of the engine harness against a tiny hand-written fixture package
 * (test/engine/fixture) and a fake provider on 127.0.0.1:0.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import {
	cleanup,
	loadPackage,
	readBinary,
	reportedErrors,
	runNode,
	runWorkflow,
	startWorkflow,
	tempRoot,
	testCredential,
	type LoadedPackage,
} from './harness';

const FIXTURE_ROOT = path.join(__dirname, 'fixture');
const TYPE = 'n8n-nodes-engine-fixture.echo';

/** PNG signature followed by a deterministic, non-trivial body. */
const PNG = Buffer.concat([
	Buffer.from('89504e470d0a1a0a', 'hex'),
	Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 31 + 7) % 256)),
]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface SeenRequest {
	method: string;
	path: string;
	query: URLSearchParams;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
}

type Waiter = { match: (r: SeenRequest) => boolean; resolve: (r: SeenRequest) => void };

const seen: SeenRequest[] = [];
let waiters: Waiter[] = [];
let server: http.Server;
let baseUrl: string;
let pkg: LoadedPackage;

/** Resolves with the next request that matches (readiness wait, no sleeps). */
function nextRequest(match: (r: SeenRequest) => boolean): Promise<SeenRequest> {
	return new Promise((resolve) => waiters.push({ match, resolve }));
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
	const url = new URL(req.url ?? '/', 'http://127.0.0.1');
	const record: SeenRequest = {
		method: req.method ?? 'GET',
		path: url.pathname,
		query: url.searchParams,
		headers: req.headers,
		body,
	};
	seen.push(record);
	const ready = waiters.filter((w) => w.match(record));
	waiters = waiters.filter((w) => !ready.includes(w));
	ready.forEach((w) => w.resolve(record));

	const auth = req.headers.authorization;
	if (url.pathname === '/image.png') {
		res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
		res.end(PNG);
		return;
	}
	if (url.pathname === '/me') {
		if (auth === 'Bearer good') return sendJson(res, 200, { id: 'acct_1' });
		if (auth === 'Bearer forbidden') return sendJson(res, 403, { error: 'forbidden' });
		return sendJson(res, 401, { error: 'bad key' });
	}
	if (!auth || !auth.startsWith('Bearer ')) return sendJson(res, 401, { error: 'missing key' });
	switch (url.pathname) {
		case '/echo': {
			const parsed = JSON.parse(body.toString('utf8') || '{}');
			return sendJson(res, 200, { ...parsed, auth, client: url.searchParams.get('client') });
		}
		case '/fail':
			return sendJson(res, 500, { error: 'provider exploded' });
		case '/upload':
			return sendJson(res, 200, {
				bytes: body.length,
				sha256: sha256(body),
				contentType: req.headers['content-type'],
			});
		case '/hang':
			return; // never answers; the client must abort
		case '/status':
			return sendJson(res, 200, { status: 'pending' });
		default:
			return sendJson(res, 404, { error: 'not found' });
	}
}

beforeAll(async () => {
	server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => handle(req, res, Buffer.concat(chunks)));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	pkg = loadPackage(FIXTURE_ROOT);
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise<void>((resolve) => server.close(() => resolve()));
	cleanup();
});

beforeEach(() => {
	seen.length = 0;
	waiters = [];
});

const creds = (apiKey = 'k-123') => ({ echoApi: { apiKey, baseUrl } });

describe('loadPackage', () => {
	it('keys node types by <package>.<description.name> and credentials by name', () => {
		expect(pkg.name).toBe('n8n-nodes-engine-fixture');
		expect(Object.keys(pkg.nodeTypesByName)).toEqual([TYPE]);
		expect(Object.keys(pkg.credentialTypes)).toEqual(['echoApi']);
		expect(pkg.resolveType('echo')).toBe(TYPE);
		expect(pkg.resolveType(TYPE)).toBe(TYPE);
		expect(() => pkg.resolveType('nope')).toThrow(/unknown node type/);
		expect(pkg.defaultVersion('echo')).toBe(2);
		expect(pkg.nodeTypes.getByNameAndVersion(TYPE, 1).description.name).toBe('echo');
		expect(pkg.nodeTypes.getKnownTypes()).toHaveProperty([TYPE, 'className'], 'Echo');
	});
});

describe('runNode / runWorkflow', () => {
	it('applies the credential authenticate to httpRequestWithAuthentication and keeps pairedItem', async () => {
		const res = await runNode('echo', { operation: 'call', message: 'hi' }, {
			pkg,
			credentials: creds(),
			inputItems: [{ json: { n: 1 } }, { json: { n: 2 } }, { json: { n: 3 } }],
		});

		expect(res.status).toBe('success');
		expect(res.error).toBeUndefined();
		const calls = seen.filter((r) => r.path === '/echo');
		expect(calls).toHaveLength(3);
		for (const call of calls) {
			expect(call.headers.authorization).toBe('Bearer k-123');
			expect(call.headers['x-client']).toBe('engine-harness'); // credential default filled in
			expect(call.query.get('client')).toBe('engine-harness');
		}
		const out = res.output();
		expect(out.map((i) => i.json.input)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json).toMatchObject({ message: 'hi', auth: 'Bearer k-123', typeVersion: 2 });
		expect(res.output('echo')).toEqual(out);
		expect(res.credentialsHelper.authenticated.map((a) => a.typeName)).toEqual(['echoApi', 'echoApi', 'echoApi']);
	});

	it('honours an explicit typeVersion and full type names', async () => {
		const res = await runWorkflow({
			pkg,
			credentials: creds(),
			nodes: [{ name: 'Old', type: TYPE, typeVersion: 1, parameters: { operation: 'call' } }],
		});
		expect(res.status).toBe('success');
		expect(res.output('Old')[0].json.typeVersion).toBe(1);
	});

	it('turns a failing item into an error item with continueOnFail (expressions resolved per item)', async () => {
		const res = await runNode(
			'echo',
			{ operation: 'call', path: '={{ $json.path || "/echo" }}' },
			{
				pkg,
				credentials: creds(),
				continueOnFail: true,
				inputItems: [{ json: { n: 1 } }, { json: { path: '/fail' } }, { json: { n: 3 } }],
			},
		);

		expect(res.status).toBe('success');
		expect(seen.map((r) => r.path)).toEqual(['/echo', '/fail', '/echo']);
		const out = res.output();
		expect(out).toHaveLength(3);
		expect(out[1].json.error).toEqual(expect.any(String));
		expect(out[1].pairedItem).toEqual({ item: 1 });
		expect(out[2].json.input).toEqual({ n: 3 });
	});

	it('fails the run without continueOnFail and reports the node error', async () => {
		const before = reportedErrors.length;
		const res = await runNode('echo', { operation: 'call', path: '/fail' }, { pkg, credentials: creds() });

		expect(res.status).toBe('error');
		expect(res.error).toBeDefined();
		expect(res.error?.message).toEqual(expect.any(String));
		expect(res.task('echo')?.error).toBeDefined();
		expect(res.error).toMatchObject({ name: 'NodeApiError', node: { name: 'echo' } });
		expect(res.output('echo')).toEqual([]);
		// n8n-core reports node errors; the harness collects them instead of logging stacks.
		expect(reportedErrors.length).toBeGreaterThan(before);
	});

	it('fails clearly when the test gave no data for a declared credential', async () => {
		const res = await runNode('echo', { operation: 'call' }, { pkg });
		expect(res.status).toBe('error');
		expect(res.error?.message).toMatch(/no test data for credential type "echoApi"/);
	});
});

describe.each(['default', 'filesystem'] as const)('binary data in %s mode', (binaryMode) => {
	it('streams a download into prepareBinaryData', async () => {
		const res = await runNode('echo', { operation: 'download', path: '/image.png', fileName: 'cat.png' }, {
			pkg,
			credentials: creds(),
			binaryMode,
		});

		expect(res.status).toBe('success');
		const [item] = res.output();
		const binary = item.binary!.data;
		expect(binary).toMatchObject({ mimeType: 'image/png', fileName: 'cat.png', bytes: PNG.length });
		expect(item.pairedItem).toEqual({ item: 0 });
		if (binaryMode === 'default') {
			expect(binary.id).toBeUndefined();
			expect(Buffer.from(binary.data, 'base64').equals(PNG)).toBe(true);
		} else {
			expect(binary.id).toMatch(/^filesystem-v2:workflows\/.+\/binary_data\//);
			expect(item.json.stored).toBe(true);
			const stored = fs.readdirSync(tempRoot, { recursive: true }) as string[];
			expect(stored.some((p) => p.includes('binary_data'))).toBe(true);
		}
		expect((await readBinary(binary)).equals(PNG)).toBe(true);
	});

	it('reads an input binary (getBinaryStream for stored data, getBinaryDataBuffer inline)', async () => {
		const res = await runNode('echo', { operation: 'upload', path: '/upload' }, {
			pkg,
			credentials: creds(),
			binaryMode,
			inputItems: [{ json: {}, binary: { data: { buffer: PNG, mimeType: 'image/png', fileName: 'in.png' } } }],
		});

		expect(res.status).toBe('success');
		const upload = seen.find((r) => r.path === '/upload')!;
		expect(upload.headers.authorization).toBe('Bearer k-123');
		expect(upload.body.equals(PNG)).toBe(true);
		expect(res.output()[0].json).toMatchObject({
			bytes: PNG.length,
			sha256: sha256(PNG),
			contentType: 'image/png',
			fileName: 'in.png',
			via: binaryMode === 'filesystem' ? 'stream' : 'buffer',
		});
	});

	it('passes binaries between connected nodes', async () => {
		const res = await runWorkflow({
			pkg,
			credentials: creds(),
			binaryMode,
			nodes: [
				{ name: 'Download', type: 'echo', parameters: { operation: 'download', path: '/image.png' } },
				{ name: 'Upload', type: 'echo', parameters: { operation: 'upload', path: '/upload' } },
			],
			connections: {
				Download: { main: [[{ node: 'Upload', type: 'main', index: 0 }]] },
			},
		});

		expect(res.status).toBe('success');
		expect(res.output('Download')).toHaveLength(1);
		expect(res.output()).toEqual(res.output('Upload'));
		expect(res.output('Upload')[0].json).toMatchObject({ sha256: sha256(PNG), bytes: PNG.length });
		expect(res.output('Upload')[0].pairedItem).toEqual({ item: 0 });
	});
});

describe('testCredential', () => {
	it('is OK for a 2xx answer (baseURL expression and Bearer applied)', async () => {
		const result = await testCredential('echoApi', { apiKey: 'good', baseUrl: `${baseUrl}/` }, { pkg });
		expect(result).toEqual({ status: 'OK', httpStatus: 200, message: 'Connection successful!' });
		const me = seen.find((r) => r.path === '/me')!;
		expect(me.headers.authorization).toBe('Bearer good');
	});

	it('is an Error for a non-2xx answer', async () => {
		const result = await testCredential('echoApi', { apiKey: 'wrong', baseUrl }, { pkg });
		expect(result).toMatchObject({ status: 'Error', httpStatus: 401 });
		expect(result.message).toEqual(expect.any(String));
	});

	it('uses a responseCode rule message', async () => {
		const result = await testCredential('echoApi', { apiKey: 'forbidden', baseUrl }, { pkg });
		expect(result).toEqual({
			status: 'Error',
			httpStatus: 403,
			message: 'The API key has no access to this account',
		});
	});

	it('is an Error when the server cannot be reached', async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));

		const result = await testCredential('echoApi', { apiKey: 'good', baseUrl: `http://127.0.0.1:${port}` }, { pkg });
		expect(result.status).toBe('Error');
		expect(result.httpStatus).toBeUndefined();
		expect(result.message).toMatch(/ECONNREFUSED/);
	});
});

describe('cancellation and timeouts', () => {
	it('cancel() aborts an in-flight request and settles quickly', async () => {
		const arrived = nextRequest((r) => r.path === '/hang');
		const handle = await startWorkflow({
			pkg,
			credentials: creds(),
			nodes: [{ name: 'Hang', type: 'echo', parameters: { operation: 'hang', path: '/hang' } }],
		});
		await arrived;

		const t0 = Date.now();
		handle.cancel();
		const res = await handle.result;
		const resultMs = Date.now() - t0;
		await handle.finished; // the aborted request makes the node return
		const finishedMs = Date.now() - t0;

		expect(res.status).toBe('canceled');
		expect(handle.isCancelled).toBe(true);
		expect(resultMs).toBeLessThan(1000);
		expect(finishedMs).toBeLessThan(2000);
	});

	it('cancel via onStarted stops a sleep/poll loop that checks getExecutionCancelSignal()', async () => {
		let polls = 0;
		const secondPoll = new Promise<void>((resolve) => {
			const wait = () =>
				nextRequest((r) => r.path === '/status').then(() => {
					polls++;
					if (polls >= 2) resolve();
					else void wait();
				});
			void wait();
		});
		let finished: Promise<unknown> | undefined;
		const t0 = { at: 0 };

		const res = await runWorkflow({
			pkg,
			credentials: creds(),
			nodes: [{ name: 'Poll', type: 'echo', parameters: { operation: 'poll', path: '/status', intervalMs: 20 } }],
			onStarted: async (handle) => {
				finished = handle.finished;
				await secondPoll;
				t0.at = Date.now();
				handle.cancel();
			},
		});

		expect(res.status).toBe('canceled');
		expect(Date.now() - t0.at).toBeLessThan(1000);
		await finished;
		expect(Date.now() - t0.at).toBeLessThan(2000);
		const pollsAfterFinish = seen.filter((r) => r.path === '/status').length;
		expect(pollsAfterFinish).toBeGreaterThanOrEqual(2);
	});

	it('rejects when the run exceeds timeoutMs (and cancels it)', async () => {
		const arrived = nextRequest((r) => r.path === '/hang');
		await expect(
			runNode('echo', { operation: 'hang', path: '/hang' }, { pkg, credentials: creds(), timeoutMs: 300 }),
		).rejects.toThrow(/did not finish within 300 ms/);
		await arrived;
	});
});
