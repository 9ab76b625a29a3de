/**
 * The probe's checks of the unified task API (StarMagic, EvoLink), fact by fact: free requests
 * first (nothing they send can create a task), then, with --spend-one, one cheapest task read back.
 */
import { errorEnvelope } from '../../nodes/shared/unifiedTask/unifiedTask.schemas';
import type { UnifiedFacts } from '../../nodes/shared/unifiedTask/unifiedTask.facts';
import { EMPTY_FILE, fieldsOf, isObject, LONG_PROMPT } from './common';
import type { ProbeContext } from './common';
import { shortAnswer } from './http';
import type { ProbeAnswer } from './http';

const errorCode = (answer: ProbeAnswer): string | undefined => {
	const parsed = errorEnvelope.safeParse(answer.json);
	return parsed.success && parsed.data.error.code !== undefined
		? String(parsed.data.error.code)
		: undefined;
};

const errorText = (answer: ProbeAnswer): string => {
	const parsed = errorEnvelope.safeParse(answer.json);
	return parsed.success ? (parsed.data.error.message ?? '') : answer.text;
};

const refusedKey = (answer: ProbeAnswer) => answer.status === 401 || answer.status === 403;

export async function probeUnified(c: ProbeContext): Promise<void> {
	const { http, obs } = c;
	const { adapter } = c.provider;
	const facts = adapter.facts as UnifiedFacts;
	const statusPath = (id: string) =>
		facts.statusRoute.value.replace('{id}', encodeURIComponent(id));

	// The key's form.
	const prefix = facts.keyPrefix.value;
	if (c.apiKey.startsWith(prefix)) obs.ok('keyPrefix', `the key starts with ${prefix}`);
	else obs.differs('keyPrefix', `the key does not start with ${prefix}`);

	// Balance route and its answer, with the key; authentication with a made-up key.
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
	// The status route with a well-formed ID no task has, and with an ID of another form.
	const unknown = await http.send({ method: 'GET', path: statusPath(adapter.taskId.madeUp) });
	const foreign = await http.send({ method: 'GET', path: statusPath('n8n-probe-not-a-task-id') });

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
		if (errorEnvelope.safeParse(madeUpKey.json).success)
			obs.ok(
				'errorEnvelope',
				`${madeUpKey.status} answer: {"error": {"code": ${errorCode(madeUpKey) ?? '-'}, "message": …}}`,
			);
		else
			obs.differs(
				'errorEnvelope',
				`${madeUpKey.status} answer: ${fieldsOf(madeUpKey.json)} (${shortAnswer(madeUpKey)})`,
			);
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
	} else if (!refusedKey(balance)) {
		obs.unchecked('balanceRoute', shortAnswer(balance));
	}

	// Status route and unknown tasks: 404 task_not_found is "no such task"; any other 404 is
	// "no such route" or an unknown task answered unlike the documents (the real task settles it).
	const unknownFact = facts.unknownTask.value;
	const unknownCode = errorCode(unknown);
	if (unknown.status === unknownFact.status && unknownCode === unknownFact.code) {
		obs.ok('statusRoute', `a made-up task ID: ${unknown.status} ${unknownCode}`);
		obs.ok('unknownTask', `${unknown.status} ${unknownCode}`);
	} else if (unknown.status === 404 || unknown.status === 405) {
		obs.differs('statusRoute', `a made-up task ID: ${shortAnswer(unknown)} (no such route?)`);
		obs.differs('unknownTask', `${shortAnswer(unknown)}, without code ${unknownFact.code}`);
	} else if (unknown.status === 400) {
		obs.ok('statusRoute', `answered (${unknown.status} for a made-up ID)`);
		obs.differs('taskId', `a well-formed ID was refused: ${shortAnswer(unknown)}`);
	} else if (!refusedKey(unknown)) {
		obs.unchecked('statusRoute', shortAnswer(unknown));
	}
	if (foreign.status === 400) obs.ok('taskId', `an ID of another form: ${foreign.status}`);
	else if (foreign.status === 404 || foreign.status === 405)
		obs.unchecked(
			'taskId',
			`an ID of another form: ${shortAnswer(foreign)} (the route did not judge it)`,
		);
	else if (!refusedKey(foreign))
		obs.differs('taskId', `an ID of another form: ${shortAnswer(foreign)} (expected 400)`);

	// The submit route and the prompt limit, through bodies the provider must refuse (size "0x0"):
	// a 400 creates no task.
	const refusal = await http.send({
		method: 'POST',
		path: facts.submitRoute.value,
		json: { model: 'gpt-image-1.5', prompt: 'n8n probe', size: '0x0' },
	});
	if (refusal.status === 400)
		obs.ok('submitRoute', `an invalid body: ${refusal.status} (nothing created)`);
	else if (refusal.status === 404 || refusal.status === 405)
		obs.differs('submitRoute', `${shortAnswer(refusal)}: no such route`);
	else obs.unchecked('submitRoute', `an invalid body: ${shortAnswer(refusal)}`);
	const longPrompt = await http.send({
		method: 'POST',
		path: facts.submitRoute.value,
		json: { model: 'gpt-image-1.5', prompt: LONG_PROMPT, size: '0x0' },
	});
	if (longPrompt.status === 400 && /prompt/i.test(errorText(longPrompt)))
		obs.differs(
			'promptLimit',
			`a ${LONG_PROMPT.length}-character prompt was refused: "${errorText(longPrompt)}" (the characters reading)`,
		);
	else if (longPrompt.status === 400)
		obs.unchecked(
			'promptLimit',
			`the provider judged another field first (${errorText(longPrompt).slice(0, 80)}); --spend-one settles it`,
		);

	// The file host, with an empty file: a refusal proves the route is there.
	const upload = facts.upload.value;
	if (upload && facts.upload.probe !== 'none') {
		const sent = await http.send({
			method: 'POST',
			base: 'files',
			path: upload.path,
			file: EMPTY_FILE,
		});
		if (sent.status === 0) obs.unchecked('upload', shortAnswer(sent));
		else if (sent.status === 404 || sent.status === 405)
			obs.differs('upload', `${shortAnswer(sent)}: no such route`);
		else if (refusedKey(sent))
			obs.differs('upload', `the key was refused there: ${shortAnswer(sent)}`);
		else obs.ok('upload', `an empty file: ${shortAnswer(sent)}`);
	}

	if (c.spendOne) await spendOne(c, facts, statusPath);
}

/** One cheapest task (gpt-image-1.5, low quality, 1:1), read back until it ends. */
async function spendOne(
	c: ProbeContext,
	facts: UnifiedFacts,
	statusPath: (id: string) => string,
): Promise<void> {
	const { http, obs } = c;
	const { adapter } = c.provider;
	const body = { model: 'gpt-image-1.5', prompt: LONG_PROMPT, size: '1:1', quality: 'low' };
	let answer = await http.send({ method: 'POST', path: facts.submitRoute.value, json: body });
	if (answer.status === 400 && /prompt/i.test(errorText(answer))) {
		obs.settle(
			'promptLimit',
			'DIFFERS',
			`a ${LONG_PROMPT.length}-character prompt was refused: "${errorText(answer)}" (the characters reading)`,
		);
		answer = await http.send({
			method: 'POST',
			path: facts.submitRoute.value,
			json: { ...body, prompt: 'A small red circle on a plain white background' },
		});
	} else if (answer.status >= 200 && answer.status < 300) {
		obs.settle(
			'promptLimit',
			'OK',
			`a ${LONG_PROMPT.length}-character prompt (about ${Math.ceil(LONG_PROMPT.length / 4)} tokens) was taken`,
		);
	}
	if (answer.status < 200 || answer.status >= 300 || !isObject(answer.json)) {
		obs.differs('submitRoute', `the cheapest task was not taken: ${shortAnswer(answer)}`);
		return;
	}
	const task = answer.json;
	obs.ok('submitRoute', `task created: ${answer.status}`);
	const id = String(task.id);
	if (adapter.taskId.pattern.test(id)) obs.ok('taskId', `the task's ID ${id}`);
	else obs.differs('taskId', `the task's ID "${id.slice(0, 80)}"`);
	const usage = isObject(task.usage) ? task.usage : undefined;
	const reserved = usage?.credits_reserved;
	if (typeof reserved === 'number' && reserved > 0) obs.ok('price', `${reserved} credits reserved`);
	else obs.differs('price', `usage: ${JSON.stringify(task.usage ?? null).slice(0, 100)}`);
	if (typeof task.created === 'number') obs.ok('createdField', `created ${task.created}`);
	else obs.differs('createdField', `no created (${fieldsOf(task)})`);
	const model = String(task.model ?? '');
	if (model === body.model || model.startsWith(`${body.model}-`))
		obs.ok('modelShown', `model ${model}`);
	else obs.differs('modelShown', `asked gpt-image-1.5, the task shows "${model.slice(0, 60)}"`);

	// Read it back until it ends.
	const words = facts.statusWords.value;
	const seen = new Set<string>();
	const started = c.now();
	let last: Record<string, unknown> = task;
	seen.add(String(task.status));
	while (
		!['completed', 'failed'].includes(words[String(last.status)] ?? '') &&
		c.now() - started < c.maxWaitMs
	) {
		if (!(String(last.status) in words)) break;
		await c.sleep(c.pollMs);
		const read = await http.send({ method: 'GET', path: statusPath(id) });
		if (read.status !== 200 || !isObject(read.json)) {
			obs.settle('statusRoute', 'DIFFERS', `the task's own ID: ${shortAnswer(read)}`);
			return;
		}
		obs.settle('statusRoute', 'OK', `the task's own ID: 200`);
		last = read.json;
		seen.add(String(last.status));
	}
	const unknownWords = [...seen].filter((word) => !(word in words));
	if (unknownWords.length === 0) obs.ok('statusWords', `seen: ${[...seen].join(', ')}`);
	else obs.differs('statusWords', `seen: ${[...seen].join(', ')}`);
	if (words[String(last.status)] !== 'completed') {
		obs.unchecked('resultsField', `the task ended as ${String(last.status)}`);
		return;
	}
	const field = facts.resultsField.value;
	const results = last[field];
	if (Array.isArray(results) && results.length > 0)
		obs.ok('resultsField', `${field}: ${results.length} URL(s)`);
	else obs.differs('resultsField', `no ${field} on the completed task (${fieldsOf(last)})`);
}
