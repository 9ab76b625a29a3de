/**
 * Loaded into a real n8n with `node -r` by `npm run bench:n8n` (figure P6prof): times every call
 * of the GPT Image trigger's webhook() and, inside it, the n8n helpers it calls (credentials,
 * the provider request, static data), without changing the node. Writes one JSON line per call
 * to the file named by GPT_IMAGE_TIMING_FILE. Times are ms since the epoch, sub-ms precise, so
 * they compare with the times the load driver takes in its own process.
 */
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

const file = process.env.GPT_IMAGE_TIMING_FILE;
const now = () => performance.timeOrigin + performance.now();
const lines = [];

// How long the event loop was held by other work while a call waited (a timer due every 5 ms
// that runs late): time a call spends blocked behind n8n's own work, not in it.
let blocked = 0;
let lastTick = now();
setInterval(() => {
	const tick = now();
	blocked += Math.max(0, tick - lastTick - 5);
	lastTick = tick;
}, 5).unref();

/**
 * Times every call of `owner[name]` into `record[key]`. A call made while the provider request
 * runs (n8n reading the credential to sign it) counts under `${key}InProvider` instead, so the
 * parts add up.
 */
function timeMethod(owner, name, record, key) {
	const original = owner && owner[name];
	if (typeof original !== 'function') return;
	owner[name] = function (...args) {
		const start = now();
		const slot = key !== 'provider' && record.inProvider > 0 ? `${key}InProvider` : key;
		if (key === 'provider') record.inProvider += 1;
		const settle = () => {
			if (key === 'provider') record.inProvider -= 1;
			record[slot] += now() - start;
			record[`${slot}Calls`] += 1;
		};
		let result;
		try {
			result = original.apply(this, args);
		} catch (error) {
			settle();
			throw error;
		}
		if (result && typeof result.then === 'function') return result.finally(settle);
		settle();
		return result;
	};
}

function wrap(Trigger) {
	const webhook = Trigger.prototype.webhook;
	Trigger.prototype.webhook = async function (...args) {
		const record = { start: now(), taskId: null, outcome: 'error', inProvider: 0 };
		const blockedBefore = blocked;
		const keys = ['credentials', 'provider', 'staticData'];
		for (const key of [...keys, 'credentialsInProvider', 'staticDataInProvider']) {
			record[key] = 0;
			record[`${key}Calls`] = 0;
		}
		timeMethod(this, 'getCredentials', record, 'credentials');
		timeMethod(this, 'getWorkflowStaticData', record, 'staticData');
		timeMethod(this.helpers, 'httpRequestWithAuthentication', record, 'provider');
		try {
			const body = this.getBodyData();
			record.taskId = body && (body.id || body.jobId || null);
			const answer = await webhook.apply(this, args);
			record.outcome = answer && answer.workflowData ? 'run' : 'reply';
			return answer;
		} finally {
			record.end = now();
			record.loopBlocked = blocked - blockedBefore;
			lines.push(JSON.stringify(record));
		}
	};
}

const load = Module._load;
Module._load = function (...args) {
	const exported = load.apply(this, args);
	const Trigger = exported && exported.GptImageTrigger;
	if (typeof Trigger === 'function' && !Trigger.prototype.__timed) {
		wrap(Trigger);
		Trigger.prototype.__timed = true;
	}
	return exported;
};

if (file) {
	// Maps this clock onto the CPU profile's (monotonic µs), to cut the profile to a time window.
	const hrtimeUs = Number(process.hrtime.bigint() / 1000n);
	lines.push(JSON.stringify({ calibration: { epoch: now(), hrtimeUs } }));
	setInterval(() => {
		if (lines.length > 0) fs.appendFileSync(file, `${lines.splice(0).join('\n')}\n`);
	}, 200).unref();
}
