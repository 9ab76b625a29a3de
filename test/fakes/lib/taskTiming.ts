/**
 * Honest task timing: state is derived from the fake's clock on every read, never advanced by
 * polling, so a client polling fast cannot make a task finish sooner.
 *
 * Prompt directives let a test steer single items of a batch:
 *   [fail:CODE]  the task fails with CODE once its duration has passed
 *   [never]      the task never finishes (stays processing)
 *   [slow:MS]    the task takes MS milliseconds instead of the default
 */
import type { FakeTask } from '../types';

const PENDING_SHARE = 0.1; // the first 10 % of a task's duration is reported as queued

export type TaskPlan = Pick<
	FakeTask,
	'createdAt' | 'durationMs' | 'doneAt' | 'outcome' | 'failCode'
>;

export type TaskPhase = 'pending' | 'processing' | 'completed' | 'failed';

export interface TaskState {
	phase: TaskPhase;
	progress: number;
}

export interface Directives {
	failCode: string | null;
	slowMs: number | null;
	never: boolean;
}

export function readDirectives(prompt: unknown): Directives {
	const text = typeof prompt === 'string' ? prompt : '';
	const fail = /\[fail:([A-Za-z0-9_.-]+)\]/.exec(text);
	const slow = /\[slow:(\d+)\]/.exec(text);
	return {
		failCode: fail ? fail[1] : null,
		slowMs: slow ? Number(slow[1]) : null,
		never: /\[never\]/.test(text),
	};
}

/** Timing and outcome fields of a new task record. */
export function planTask(prompt: unknown, now: number, defaultDurationMs: number): TaskPlan {
	const directives = readDirectives(prompt);
	const durationMs = directives.slowMs !== null ? directives.slowMs : defaultDurationMs;
	if (directives.never)
		return { createdAt: now, durationMs, doneAt: null, outcome: 'never', failCode: null };
	return {
		createdAt: now,
		durationMs,
		doneAt: now + durationMs,
		outcome: directives.failCode ? 'failed' : 'completed',
		failCode: directives.failCode,
	};
}

/** The phase at time `now`. `forceCompleted` serves the "drift" fault, which must show a finished task. */
export function taskPhase(task: TaskPlan, now: number, { forceCompleted = false } = {}): TaskState {
	if (forceCompleted) return { phase: 'completed', progress: 100 };
	if (task.doneAt !== null && now >= task.doneAt) {
		return task.outcome === 'failed'
			? { phase: 'failed', progress: 0 }
			: { phase: 'completed', progress: 100 };
	}
	const elapsed = Math.max(0, now - task.createdAt);
	const span = Math.max(1, task.durationMs);
	return {
		phase: elapsed < span * PENDING_SHARE ? 'pending' : 'processing',
		progress: Math.min(99, Math.floor((elapsed / span) * 100)),
	};
}
