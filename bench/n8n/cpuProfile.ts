/**
 * Reads a V8 .cpuprofile of n8n and says where its CPU time went: self time by owner (this
 * package, n8n's engine, its database layer, its HTTP layer, Node itself, garbage collection),
 * optionally only for samples inside a time window.
 */
import * as fs from 'node:fs';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
	nodes: ProfileNode[];
	startTime: number;
	samples: number[];
	timeDeltas: number[];
}

const OWNERS: Array<[string, RegExp]> = [
	['this package', /n8n-nodes-gpt-image\//],
	['database (sqlite3, TypeORM)', /node_modules\/(sqlite3|@n8n\/typeorm|typeorm|@n8n\/db)\//],
	['HTTP (express, body parsing)', /node_modules\/(express|body-parser|raw-body|router|send)\//],
	['n8n (core, workflow, server)', /node_modules\/(n8n|n8n-core|n8n-workflow|@n8n\/[^/]+)\//],
	['other packages', /node_modules\//],
	['Node.js itself', /^node:|^internal\//],
];

function ownerOf(node: ProfileNode): string {
	const { url, functionName } = node.callFrame;
	if (!url) {
		if (functionName === '(idle)') return 'idle';
		if (functionName === '(garbage collector)') return 'garbage collection';
		return 'native (V8, libuv)';
	}
	return OWNERS.find(([, pattern]) => pattern.test(url))?.[0] ?? 'other';
}

export interface CpuSplit {
	/** Busy ms (idle excluded) per owner, largest first. */
	owners: Array<[string, number]>;
	busyMs: number;
	/** This package's busiest functions (self ms). */
	ours: Array<[string, number]>;
}

/**
 * Self time per owner; `window` (µs on the profile's clock) keeps only the samples inside it.
 */
export function cpuSplit(file: string, window?: [number, number]): CpuSplit {
	const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const owners = new Map<string, number>();
	const ours = new Map<string, number>();
	let at = profile.startTime;
	for (let i = 0; i < profile.samples.length; i++) {
		const delta = profile.timeDeltas[i] ?? 0;
		at += delta;
		if (window && (at < window[0] || at > window[1])) continue;
		const node = byId.get(profile.samples[i])!;
		const owner = ownerOf(node);
		owners.set(owner, (owners.get(owner) ?? 0) + delta / 1000);
		if (owner === 'this package') {
			const { functionName, url, lineNumber } = node.callFrame;
			const name = `${functionName || '(anonymous)'} (${url.split('/n8n-nodes-gpt-image/')[1]}:${lineNumber + 1})`;
			ours.set(name, (ours.get(name) ?? 0) + delta / 1000);
		}
	}
	owners.delete('idle');
	const sorted = [...owners].sort((a, b) => b[1] - a[1]);
	return {
		owners: sorted,
		busyMs: sorted.reduce((sum, [, ms]) => sum + ms, 0),
		ours: [...ours].sort((a, b) => b[1] - a[1]).slice(0, 8),
	};
}
