/**
 * PostgreSQL and Redis for the queue-mode test: fresh instances in a temp folder, on 127.0.0.1
 * and free ports, each started as its own process and stopped by its PID.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { freePort } from '../e2e/n8nHost';

export interface Service {
	port: number;
	pid: number;
	stop(): Promise<void>;
}

function postgresBin(): string {
	const root = '/usr/lib/postgresql';
	const version = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
	return path.join(root, version, 'bin');
}

export async function waitFor(
	check: () => boolean | Promise<boolean>,
	what: string,
	timeoutMs = 60000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (Date.now() > deadline)
			throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

function stopper(child: ChildProcess): () => Promise<void> {
	let exited = child.exitCode !== null;
	child.on('exit', () => (exited = true));
	return async () => {
		if (exited) return;
		const gone = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
		await gone;
		clearTimeout(timer);
	};
}

/**
 * PostgreSQL must not run as root: the cluster belongs to the `postgres` user the package created,
 * in a temp folder of its own (the test's folder is private to root).
 */
export async function startPostgres(
	logFile: string,
): Promise<Service & { psql(sql: string): string }> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-queue-pg-'));
	const bin = postgresBin();
	const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
	const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
	const data = path.join(dir, 'pgdata');
	fs.mkdirSync(data, { recursive: true });
	fs.chownSync(dir, uid, gid);
	fs.chownSync(data, uid, gid);
	execFileSync(
		path.join(bin, 'initdb'),
		['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'],
		{
			uid,
			gid,
			cwd: dir,
			stdio: ['ignore', 'ignore', 'pipe'],
		},
	);
	const port = await freePort();
	const out = fs.openSync(logFile, 'a');
	const args = [
		'-D',
		data,
		'-p',
		String(port),
		'-c',
		'listen_addresses=127.0.0.1',
		'-c',
		`unix_socket_directories=${data}`,
		'-c',
		'max_connections=200',
	];
	const child = spawn(path.join(bin, 'postgres'), args, { uid, gid, stdio: ['ignore', out, out] });
	fs.closeSync(out);
	const ready = () => {
		try {
			execFileSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], {
				stdio: 'ignore',
			});
			return true;
		} catch {
			return false;
		}
	};
	await waitFor(ready, 'PostgreSQL');
	const connection = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
	execFileSync(path.join(bin, 'createdb'), [...connection, 'n8n']);
	const psql = (sql: string) =>
		execFileSync(path.join(bin, 'psql'), [...connection, '-d', 'n8n', '-At', '-c', sql])
			.toString()
			.trim();
	const stop = stopper(child);
	return {
		port,
		pid: child.pid!,
		psql,
		async stop() {
			await stop();
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}

async function redisPing(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		socket.setTimeout(1000);
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (data) => {
			socket.destroy();
			resolve(data.toString().startsWith('+PONG'));
		});
		socket.on('error', () => resolve(false));
		socket.on('timeout', () => {
			socket.destroy();
			resolve(false);
		});
	});
}

export async function startRedis(dir: string, logFile: string): Promise<Service> {
	const port = await freePort();
	const out = fs.openSync(logFile, 'a');
	const args = [
		'--port',
		String(port),
		'--bind',
		'127.0.0.1',
		'--save',
		'',
		'--appendonly',
		'no',
		'--dir',
		dir,
	];
	const child = spawn('redis-server', args, { stdio: ['ignore', out, out] });
	fs.closeSync(out);
	await waitFor(async () => await redisPing(port), 'Redis');
	return { port, pid: child.pid!, stop: stopper(child) };
}
