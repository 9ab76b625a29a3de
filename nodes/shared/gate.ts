import type { Masker } from './mask';
import type { ProviderAdapter, TaskSnapshot } from './types';

/**
 * Where a task's state enters from outside (a submit answer, a status answer, a job list, a
 * callback body), it passes this gate before anything uses it: the task ID must have the
 * provider's form (`adapter.taskId.pattern`), and every text and object the provider or caller
 * wrote (the error, the model, the usage and cost figures) is masked. Image URLs keep their own
 * tokens, which the download needs, but not a secret of ours.
 */

/** A task ID that does not have the provider's form; `shown` is safe to print. */
export class TaskIdRejection extends Error {
	constructor(
		readonly provider: string,
		readonly shown: string,
	) {
		super(`answered with a task ID that is not ${article(provider)} ${provider} task ID: ${shown}`);
		this.name = 'TaskIdRejection';
	}
}

function article(word: string): string {
	return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** A value from outside, masked, in quotes and cut to `max` characters, for a message. */
export function shownValue(value: string, masker: Masker, max = 80): string {
	const masked = masker.text(value);
	return JSON.stringify(masked.length > max ? `${masked.slice(0, max - 3)}...` : masked);
}

/** The snapshot with its task ID checked and its texts masked; throws TaskIdRejection. */
export function admitSnapshot(
	adapter: ProviderAdapter,
	snapshot: TaskSnapshot,
	masker: Masker,
): TaskSnapshot {
	if (typeof snapshot.taskId !== 'string' || !adapter.taskId.pattern.test(snapshot.taskId)) {
		throw new TaskIdRejection(adapter.displayName, shownValue(String(snapshot.taskId), masker));
	}
	const admitted: TaskSnapshot = {
		...snapshot,
		imageUrls: snapshot.imageUrls.map((url) => masker.secretsIn(url)),
	};
	if (snapshot.model !== undefined) admitted.model = masker.text(snapshot.model);
	if (snapshot.cost !== undefined) admitted.cost = masker.value(snapshot.cost);
	if (snapshot.error) {
		admitted.error = { message: masker.text(snapshot.error.message) };
		if (snapshot.error.code !== undefined) admitted.error.code = masker.text(snapshot.error.code);
	}
	return admitted;
}
