/**
 * The probe's checks of Apiframe v2, fact by fact: free requests first (every submission they make
 * carries an invalid quality, so Apiframe refuses it with a 400 and creates nothing; the same 400
 * lists the other fields it did not accept, which settles the disputed ones), then, with
 * --spend-one, one cheapest job read back (its record, its price, the image's own aspect ratio).
 */
import { randomBytes } from 'node:crypto';

import type { ApiframeFacts } from '../../nodes/Apiframe/Apiframe.facts';
import { EMPTY_FILE, fieldsOf, imageSize, isObject } from './common';
import type { ProbeContext } from './common';
import { shortAnswer } from './http';
import type { ProbeAnswer } from './http';

const refusedKey = (answer: ProbeAnswer) => answer.status === 401 || answer.status === 403;

/** The paths a 400's `details` names ("gptImageParams.quality"), or undefined without details. */
function detailPaths(answer: ProbeAnswer): string[] | undefined {
	const details = isObject(answer.json) ? answer.json.details : undefined;
	return isObject(details) ? Object.keys(details) : undefined;
}

const flat = (answer: ProbeAnswer) =>
	isObject(answer.json) && typeof answer.json.error === 'string';

export async function probeApiframe(c: ProbeContext): Promise<void> {
	const { http, obs } = c;
	const { adapter } = c.provider;
	const facts = adapter.facts as ApiframeFacts;
	const statusPath = (id: string) =>
		facts.statusRoute.value.replace('{id}', encodeURIComponent(id));
	const paramsKey = facts.paramsKey.value['gpt-image-1.5'];

	const prefix = facts.keyPrefix.value;
	if (c.apiKey.startsWith(prefix)) obs.ok('keyPrefix', `the key starts with ${prefix}`);
	else obs.differs('keyPrefix', `the key does not start with ${prefix}`);

	const balance = await http.send({ method: 'GET', path: facts.balanceRoute.value });
	if (balance.status === 0) {
		// No HTTP answer at all: nothing about the API can be told (the Base URL, the network).
		c.unreachable = `${c.http.origin} gave no answer (${balance.failure ?? 'unknown'})`;
		return;
	}
	// A made-up key, at the balance route and (should that route be missing) at the status route.
	const madeUpAnswers = [
		await http.send({ method: 'GET', path: facts.balanceRoute.value, key: 'madeUp' }),
		await http.send({ method: 'GET', path: statusPath(adapter.taskId.madeUp), key: 'madeUp' }),
	];
	const madeUpKey = madeUpAnswers.find(refusedKey) ?? madeUpAnswers[0];
	const unknown = await http.send({ method: 'GET', path: statusPath(adapter.taskId.madeUp) });
	const foreign = await http.send({ method: 'GET', path: statusPath('n8n-probe-not-a-uuid') });

	const keyWorks = !refusedKey(balance) && !refusedKey(unknown) && balance.status !== 0;
	if (keyWorks && refusedKey(madeUpKey))
		obs.ok(
			'auth',
			`with the key: ${balance.status} (balance), ${unknown.status} (status); with a made-up key: ${madeUpKey.status}`,
		);
	else
		obs.differs(
			'auth',
			`with the key: ${shortAnswer(balance)}; with a made-up key: ${shortAnswer(madeUpKey)}`,
		);
	if (refusedKey(madeUpKey)) {
		if (flat(madeUpKey)) obs.ok('errorShape', `${madeUpKey.status} answer: {"error": "…"}`);
		else obs.differs('errorShape', `${madeUpKey.status} answer: ${fieldsOf(madeUpKey.json)}`);
	}

	if (balance.status >= 200 && balance.status < 300) {
		obs.ok('balanceRoute', `answered ${balance.status}`);
		try {
			const read = adapter.cost!.balance.parse(balance.json);
			obs.ok('balanceShape', `${read.credits} credits left`);
		} catch {
			obs.differs('balanceShape', fieldsOf(balance.json));
		}
	} else if (balance.status === 404 || balance.status === 405) {
		obs.differs('balanceRoute', `${shortAnswer(balance)}: no such route`);
	} else if (!refusedKey(balance)) obs.unchecked('balanceRoute', shortAnswer(balance));

	const namesJob = (answer: ProbeAnswer) =>
		flat(answer) && facts.unknownTask.value.test(String((answer.json as { error: string }).error));
	if (unknown.status === 404 && namesJob(unknown)) {
		obs.ok('statusRoute', `a made-up job ID: ${shortAnswer(unknown)}`);
		obs.ok('unknownTask', shortAnswer(unknown));
	} else if (unknown.status === 404 || unknown.status === 405) {
		obs.differs('statusRoute', `a made-up job ID: ${shortAnswer(unknown)} (no such route?)`);
		obs.differs('unknownTask', `${shortAnswer(unknown)}: the text does not name the job`);
	} else if (unknown.status === 400) {
		obs.ok('statusRoute', `answered (${unknown.status} for a made-up UUID)`);
		obs.differs('taskId', `a UUID was refused: ${shortAnswer(unknown)}`);
	} else if (!refusedKey(unknown)) obs.unchecked('statusRoute', shortAnswer(unknown));
	if (foreign.status === 400) obs.ok('taskId', `an ID that is no UUID: ${foreign.status}`);
	else if (foreign.status === 404 || foreign.status === 405)
		obs.unchecked(
			'taskId',
			`an ID that is no UUID: ${shortAnswer(foreign)} (the route did not judge it)`,
		);
	else if (!refusedKey(foreign))
		obs.differs('taskId', `an ID that is no UUID: ${shortAnswer(foreign)} (expected 400)`);

	const list = await http.send({ method: 'GET', path: `${facts.listRoute.value}?limit=1` });
	if (list.status === 200 && isObject(list.json) && Array.isArray(list.json.jobs))
		obs.ok('listRoute', `200 with jobs (${list.json.jobs.length})`);
	else if (!refusedKey(list)) obs.differs('listRoute', shortAnswer(list));

	const upload = await http.send({
		method: 'POST',
		path: facts.upload.value.path,
		file: EMPTY_FILE,
	});
	if (upload.status === 0) obs.unchecked('upload', shortAnswer(upload));
	else if (upload.status === 404 || upload.status === 405)
		obs.differs('upload', `${shortAnswer(upload)}: no such route`);
	else if (!refusedKey(upload)) obs.ok('upload', `an empty file: ${shortAnswer(upload)}`);

	// Submissions Apiframe must refuse: the quality "n8n-probe" is no quality.
	const invalid = (extra: Record<string, unknown> = {}, params: Record<string, unknown> = {}) => ({
		model: 'gpt-image-1.5',
		prompt: 'n8n probe',
		...extra,
		[paramsKey]: { quality: 'n8n-probe', ...params },
	});
	const submit = async (body: Record<string, unknown>) =>
		await http.send({ method: 'POST', path: facts.submitRoute.value, json: body });
	const base = await submit(invalid());
	if (base.status === 404 || base.status === 405) {
		obs.differs('submitRoute', `${shortAnswer(base)}: no such route`);
		return;
	}
	if (base.status !== 400) {
		obs.differs('submitRoute', `an invalid body: ${shortAnswer(base)} (expected 400)`);
		return;
	}
	obs.ok('submitRoute', 'an invalid body: 400 (nothing created)');
	const paths = detailPaths(base);
	if (paths?.includes(`${paramsKey}.quality`))
		obs.ok('paramsKey', `the 400 names ${paramsKey}.quality`);
	else obs.differs('paramsKey', `the 400 names ${paths?.join(', ') || 'no field'}`);
	if (flat(base) && paths) obs.ok('errorShape', '400: {"error", "details"}');
	else obs.differs('errorShape', `400: ${fieldsOf(base.json)}`);

	const named = async (label: string, body: Record<string, unknown>, path: string) => {
		const answer = await submit(body);
		const names = detailPaths(answer) ?? [];
		return {
			named: names.includes(path),
			shown: `${label}: ${answer.status}, details ${names.join(', ') || 'none'}`,
		};
	};
	const hook = 'https://example.com/n8n-probe';
	const snake = await named('webhook_url', invalid({ webhook_url: hook }), 'webhook_url');
	const camel = await named('webhookUrl', invalid({ webhookUrl: hook }), 'webhookUrl');
	if (snake.named && !camel.named) obs.ok('webhookField', `${snake.shown}; ${camel.shown}`);
	else obs.differs('webhookField', `${snake.shown}; ${camel.shown}`);
	const one = await named(
		'input_images as one string',
		invalid({}, { input_images: 'https://example.com/a.png' }),
		`${paramsKey}.input_images`,
	);
	if (one.named) obs.ok('inputImages', one.shown);
	else obs.differs('inputImages', `${one.shown} (one string was taken)`);
	const top = await named(
		'aspect_ratio at the top level',
		invalid({ aspect_ratio: '3:2' }),
		'aspect_ratio',
	);
	if (top.named) obs.ok('aspectRatio', top.shown);
	else obs.differs('aspectRatio', `${top.shown} (taken at the top level)`);
	const stray = await named(
		'an unknown field',
		invalid({ n8n_probe_unknown: 1 }),
		'n8n_probe_unknown',
	);
	if (stray.named) obs.ok('unknownKeys', stray.shown);
	else obs.differs('unknownKeys', `${stray.shown} (accepted or dropped without a word)`);
	const long = await named(
		'a 2,001-character prompt',
		invalid({ prompt: 'x'.repeat(facts.promptLimit.value + 1) }),
		'prompt',
	);
	if (long.named) obs.ok('promptLimit', long.shown);
	else obs.differs('promptLimit', `${long.shown} (taken)`);

	if (c.spendOne) await spendOne(c, facts, statusPath, paramsKey, invalid);
}

/** One cheapest job (gpt-image-1.5, low, 3:2, PNG), then its record read back until it ends. */
async function spendOne(
	c: ProbeContext,
	facts: ApiframeFacts,
	statusPath: (id: string) => string,
	paramsKey: string,
	invalid: (extra?: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
	const { http, obs } = c;
	const { adapter } = c.provider;
	const key = `n8n-probe-${randomBytes(12).toString('hex')}`;
	const body = {
		model: 'gpt-image-1.5',
		prompt: 'A small red circle on a plain white background',
		[paramsKey]: { quality: 'low', aspect_ratio: '3:2', output_format: 'png', number_of_images: 1 },
	};
	const headers = { 'Idempotency-Key': key };
	const answer = await http.send({
		method: 'POST',
		path: facts.submitRoute.value,
		json: body,
		headers,
	});
	if (answer.status !== 202 || !isObject(answer.json) || typeof answer.json.jobId !== 'string') {
		obs.differs('submitRoute', `the cheapest job: ${shortAnswer(answer)} (expected 202 {jobId})`);
		return;
	}
	const id = answer.json.jobId;
	obs.ok('submitRoute', `job created: 202 {jobId, status}`);
	if (adapter.taskId.pattern.test(id)) obs.ok('taskId', `the job's ID ${id}`);
	else obs.differs('taskId', `the job's ID "${id.slice(0, 80)}"`);
	// The same key with another (invalid) body: 409 if keys are honoured before the body is judged.
	const again = await http.send({
		method: 'POST',
		path: facts.submitRoute.value,
		json: invalid(),
		headers,
	});
	if (again.status === 409) obs.ok('idempotency', 'the same key with another body: 409');
	else if (again.status === 400)
		obs.unchecked('idempotency', 'the body was judged before the key (400)');
	else obs.differs('idempotency', `the same key with another body: ${shortAnswer(again)}`);

	const words = facts.statusWords.value;
	const seen = new Set<string>([String(answer.json.status)]);
	const started = c.now();
	let job: Record<string, unknown> = {};
	for (;;) {
		const read = await http.send({ method: 'GET', path: statusPath(id) });
		if (read.status !== 200 || !isObject(read.json)) {
			obs.settle('statusRoute', 'DIFFERS', `the job's own ID: ${shortAnswer(read)}`);
			return;
		}
		obs.settle('statusRoute', 'OK', "the job's own ID: 200");
		job = read.json;
		seen.add(String(job.status));
		const status = words[String(job.status)];
		if (!status || ['completed', 'failed', 'cancelled'].includes(status)) break;
		if (c.now() - started > c.maxWaitMs) break;
		await c.sleep(c.pollMs);
	}
	const unknownWords = [...seen].filter((word) => !(word in words));
	if (unknownWords.length === 0) obs.ok('statusWords', `seen: ${[...seen].join(', ')}`);
	else obs.differs('statusWords', `seen: ${[...seen].join(', ')}`);
	if (job.webhookStatus === null) obs.ok('webhookStatus', 'null (no webhook was asked for)');
	else obs.differs('webhookStatus', `${JSON.stringify(job.webhookStatus)} without a webhook`);
	const input = isObject(job.input) ? job.input : undefined;
	const kept = input && isObject(input[paramsKey]) ? input[paramsKey] : undefined;
	if (input) obs.ok('jobInput', `input shown (${fieldsOf(input)})`);
	else obs.differs('jobInput', 'the job shows no input');
	if (kept && kept.aspect_ratio !== '3:2')
		obs.differs(
			'aspectRatio',
			`the job keeps aspect_ratio ${JSON.stringify(kept.aspect_ratio ?? null)}, 3:2 was sent`,
		);
	const cost = job.creditCost;
	const listed = facts.priceTable.value['gpt-image-1.5'].low;
	if (typeof cost === 'number' && cost > 0) {
		obs.ok('price', `creditCost ${cost}`);
		if (cost === listed) obs.ok('priceTable', `creditCost ${cost} for one low image`);
		else
			obs.differs('priceTable', `creditCost ${cost} for one low image (the table says ${listed})`);
	} else obs.differs('price', `creditCost ${JSON.stringify(cost ?? null)}`);
	if (words[String(job.status)] !== 'completed') {
		obs.unchecked('resultShape', `the job ended as ${String(job.status)}`);
		return;
	}
	const result = job.result;
	const urls = isObject(result) && Array.isArray(result.images) ? result.images.map(String) : [];
	if (urls.length > 0) obs.ok('resultShape', `{images: [${urls.length} URL(s)]}`);
	else if (typeof result === 'string') {
		obs.differs('resultShape', 'one URL string (the other reading; the node reads both)');
		urls.push(result);
	} else obs.differs('resultShape', fieldsOf(result));
	// The image itself says whether the aspect ratio was kept.
	const bytes = urls[0] ? await http.download(urls[0]) : undefined;
	const size = bytes ? imageSize(bytes) : undefined;
	if (!size) obs.unchecked('aspectRatio', 'the image could not be read');
	else if (Math.abs(size.width / size.height - 1.5) < 0.05)
		obs.ok('aspectRatio', `the image is ${size.width}x${size.height} (3:2)`);
	else
		obs.differs(
			'aspectRatio',
			`the image is ${size.width}x${size.height}, not 3:2: aspect_ratio was dropped`,
		);
}
