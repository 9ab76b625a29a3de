import type { INodeExecutionData } from 'n8n-workflow';

import { shapeOf } from './readings';
import type { ShapeChoice } from './readings';
import type { CallLimits, TaskClient } from './taskClient';
import type {
	HttpCall,
	ImageRequest,
	KeptCheck,
	ProviderAdapter,
	Shapes,
	TaskSnapshot,
} from './types';

/**
 * Read-back: after the first submission of an execution, what the provider kept of it is compared
 * with what was sent, where its answer (the unified task API's submit answer) or its task
 * (Apiframe's job) shows the request. A field dropped without a word gives the item a `warnings`
 * entry naming it; a dropped disputed field (a WireReading) is sent the other documented way by
 * the next items. Where the task must be read, that is one free status read per execution and
 * combination of readings sent (the first submission in a new combination goes alone, the others
 * wait for its read, so they are sent the way that is kept), never one per item.
 */

/** One submission's turn: the first in its combination of readings is read back. */
export interface Turn {
	first: boolean;
	key?: string;
	/** The first submission failed: the next one in line becomes the first. */
	abandon(): void;
}

type Verdict = KeptCheck[] | undefined;

const NO_TURN: Turn = { first: false, abandon: () => undefined };

/** A record that shows nothing kept: compared with a call, it lists every field the call sent. */
const EMPTY_RECORD: TaskSnapshot = { taskId: '', status: 'queued', imageUrls: [] };

export class ReadBack {
	/** The verdict of each combination of readings: the checks of its first task (undefined: unread). */
	private readonly verdicts = new Map<string, Promise<Verdict | 'abandoned'>>();
	private readonly settled = new Map<string, Verdict>();
	private readonly pending = new Map<string, (verdict: Verdict | 'abandoned') => void>();
	/** Task ID -> the combination it was sent in, or its own checks (submit-answer read-back). */
	private readonly taskKeys = new Map<string, string>();
	private readonly ownChecks = new Map<string, KeptCheck[]>();
	private readonly taskFields = new Map<string, Set<string>>();
	/** Shapes of each reading that a provider dropped: never switched back to. */
	private readonly dropped = new Map<string, Set<string>>();

	constructor(
		private readonly adapter: ProviderAdapter,
		private readonly shapes: ShapeChoice,
	) {}

	/**
	 * The call a task would be sent as, before its binary inputs are uploaded (they stand in as
	 * placeholders): enough to tell whether it holds a field the provider could drop without a word.
	 */
	draft(request: ImageRequest, binaries: number, images: number): HttpCall {
		const uploads = Array.from({ length: binaries }, (_, i) => `https://upload.invalid/${i}.png`);
		const draft = { ...request, imageUrls: [...request.imageUrls, ...uploads] };
		return this.adapter.buildSubmit(draft, images, '', this.shapes.current());
	}

	/** The combination of readings a call in `shapes` is sent in. */
	private keyOf(shapes: Shapes): string {
		return (this.adapter.readings ?? []).map((r) => shapeOf(r, shapes)).join('|');
	}

	/**
	 * Before a submission: the first one of its combination of readings goes at once (and is read
	 * back); the others wait for that read, then go in the combination now chosen.
	 */
	async turn(call: HttpCall): Promise<Turn> {
		const capability = this.adapter.readBack;
		if (!capability || capability.fromSubmitAnswer || !capability.worthReading(call))
			return NO_TURN;
		for (;;) {
			const key = this.keyOf(this.shapes.current());
			const verdict = this.verdicts.get(key);
			if (verdict) {
				if ((await verdict) === 'abandoned') continue;
				if (this.keyOf(this.shapes.current()) === key) return { ...NO_TURN, key };
				continue;
			}
			let resolve!: (verdict: Verdict | 'abandoned') => void;
			this.verdicts.set(key, new Promise((r) => (resolve = r)));
			this.pending.set(key, resolve);
			return {
				first: true,
				key,
				abandon: () => {
					this.verdicts.delete(key);
					this.pending.delete(key);
					resolve('abandoned');
				},
			};
		}
	}

	/**
	 * After a submission was accepted: its checks (from the answer, or for the first of its
	 * combination, from one read of the task), and the readings the next submissions send.
	 */
	async after(
		turn: Turn,
		sent: { call: HttpCall; snapshot: TaskSnapshot; shapes?: Shapes },
		client: TaskClient,
		limits: CallLimits,
	): Promise<void> {
		const capability = this.adapter.readBack;
		if (!capability) return;
		const { taskId } = sent.snapshot;
		if (capability.fromSubmitAnswer) {
			this.ownChecks.set(taskId, capability.compare(sent.call, sent.snapshot));
			return;
		}
		// A call with nothing worth reading is not judged by another call's read.
		if (turn.key === undefined) return;
		const key = this.keyOf(sent.shapes ?? this.shapes.current());
		this.taskKeys.set(taskId, key);
		// The fields this call sent: another task's read says nothing of fields it did not send.
		const every = capability.compare(sent.call, { ...EMPTY_RECORD, kept: {} });
		this.taskFields.set(taskId, new Set(every.map((c) => c.field)));
		if (!turn.first) return;
		// One attempt (the deadline is now): the other submissions wait for it, so it never retries.
		const once = { ...limits, deadline: 0 };
		const read = await client.status(taskId, once).catch(() => undefined);
		const checks = read ? capability.compare(sent.call, read) : undefined;
		for (const check of checks ?? []) {
			const reading = this.adapter.readings?.find((r) => r.point === check.reading);
			if (check.kept !== false || !reading) continue;
			const shape = shapeOf(reading, sent.shapes);
			const seen = this.dropped.get(reading.point) ?? new Set<string>();
			seen.add(shape);
			this.dropped.set(reading.point, seen);
			if (seen.size < reading.shapes.length) this.shapes.avoid(reading.point, shape);
		}
		// The verdict holds for the combination the task was really sent in: after a 400 that named
		// a disputed field, the other one; the one first tried was refused, not read.
		this.settled.set(key, checks);
		const resolve = turn.key === undefined ? undefined : this.pending.get(turn.key);
		if (turn.key !== undefined) this.pending.delete(turn.key);
		if (key === turn.key) {
			resolve?.(checks);
			return;
		}
		this.verdicts.set(key, Promise.resolve(checks));
		if (turn.key !== undefined) this.verdicts.delete(turn.key);
		resolve?.('abandoned');
	}

	/** What is known of a task: its checks, or undefined when nothing was (or could be) read. */
	private checksOf(taskId: string): Verdict {
		const own = this.ownChecks.get(taskId);
		if (own) return own;
		const key = this.taskKeys.get(taskId);
		const fields = this.taskFields.get(taskId);
		const checks = key === undefined ? undefined : this.settled.get(key);
		return checks?.filter((check) => fields?.has(check.field) ?? false);
	}

	/**
	 * The items of an item's tasks: a `warnings` entry for each field a task's record shows
	 * dropped; with a callback, whether the provider recorded it (`callbackConfirmed`).
	 */
	annotate(items: INodeExecutionData[], callback: boolean): void {
		const { adapter } = this;
		const name = adapter.displayName;
		const capability = adapter.callback;
		const field = capability?.field ?? 'Callback URL';
		for (const { json } of items) {
			if (typeof json.taskId !== 'string') continue;
			const taskId = json.taskId;
			const checks = this.checksOf(taskId);
			const warnings = (checks ?? []).filter((c) => c.kept === false).map((c) => this.warning(c));
			if (warnings.length > 0) json.warnings = warnings;
			if (!callback) continue;
			const webhook = checks?.find(
				(c) => c.reading !== undefined && c.reading === capability?.reading,
			);
			const recorded = capability?.confirmable ? webhook?.kept : undefined;
			json.callbackConfirmed = recorded ?? null;
			const collect = `collect this task with Wait for Task (Task ID ${taskId})`;
			if (recorded === false)
				json.callbackNote = `${name} did not record the ${field} for this task, so no callback will come: ${collect}.`;
			else if (recorded !== true)
				json.callbackNote = `${capability?.confirmable ? `Could not confirm that ${name} recorded the ${field}` : `${name}'s answers do not show whether it took the ${field}`}. If no callback arrives, ${collect}.`;
		}
	}

	private warning(check: KeptCheck): string {
		const name = this.adapter.displayName;
		if (check.field === 'model')
			return `${name} ran this task with the model ${check.shown ?? 'another model'}, not the one asked for`;
		const shows = check.shown === undefined ? '' : ` (it shows ${check.shown})`;
		const base = `${name} did not keep ${check.field} as sent${shows}: it dropped it without an error, so this task was made without it`;
		const reading = this.adapter.readings?.find((r) => r.point === check.reading);
		if (!reading) return base;
		const both = (this.dropped.get(reading.point)?.size ?? 0) >= reading.shapes.length;
		return both
			? `${base}. It dropped both documented ways of sending it (${reading.evidence}); please report this`
			: `${base}. Later items send it the other documented way (${reading.evidence})`;
	}
}
