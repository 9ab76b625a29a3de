import { NodeApiError } from 'n8n-workflow';

import type { HttpCall, ImageRequest, Shapes, TaskSnapshot, WireReading } from './types';

/**
 * Which documented shape of each disputed point this execution sends (see WireReading): what a
 * provider answered for one item holds for the next ones.
 */
export class ShapeChoice {
	private readonly chosen = new Map<string, string>();

	constructor(private readonly readings: readonly WireReading[] = []) {}

	/** The shapes to build the next submission in. */
	current(): Shapes {
		return Object.fromEntries(this.chosen);
	}

	/** Keeps the shapes a submission was accepted in. */
	keep(shapes: Shapes): void {
		for (const [point, shape] of Object.entries(shapes)) this.chosen.set(point, shape);
	}

	/** A point whose current shape the provider ignored: the next submissions use the other one. */
	avoid(point: string, shape: string): void {
		const reading = this.readings.find((r) => r.point === point);
		if (reading) this.chosen.set(point, other(reading, shape));
	}

	/**
	 * After a submission in `tried` was refused: the shapes to send once more, with the readings the
	 * refusal names switched; or why that cannot be; or undefined when it names no disputed point.
	 */
	fallback(error: unknown, tried: Shapes, request: ImageRequest): Fallback | undefined {
		const named = this.readings.filter((r) => r.named.test(refusalText(error) ?? '\n'));
		if (named.length === 0) return undefined;
		const next: Shapes = { ...tried };
		for (const reading of named) {
			const shape = other(reading, shapeOf(reading, tried));
			const unfit = reading.unfit?.(request, shape);
			if (unfit !== undefined) return { unfit: `${reading.evidence} ${unfit}` };
			next[reading.point] = shape;
		}
		return { shapes: next, switched: named };
	}
}

export type Fallback = { shapes: Shapes; switched: WireReading[] } | { unfit: string };

export function shapeOf(reading: WireReading, shapes: Shapes | undefined): string {
	return shapes?.[reading.point] ?? reading.shapes[0];
}

const other = (reading: WireReading, shape: string) =>
	reading.shapes[0] === shape ? reading.shapes[1] : reading.shapes[0];

/** The provider's text of a 400 refusal (nothing else is a refusal of the request's shape). */
function refusalText(error: unknown): string | undefined {
	if (!(error instanceof NodeApiError) || String(error.httpCode) !== '400') return undefined;
	return `${error.message} ${error.description ?? ''}`;
}

/** Adds to a refusal what the node did about the disputed points it names. */
function note(error: unknown, text: string): unknown {
	if (error instanceof NodeApiError)
		error.description = `${error.description ?? ''} ${text}`.trim();
	return error;
}

/**
 * Sends a submission in the current shapes; a 400 that names a disputed point sends it once more
 * in the other documented shape (a 400 created nothing, so nothing is paid twice). A call whose
 * answer was lost on an earlier try (`resend`) goes again exactly as it was.
 */
export async function sendInReadings(
	choice: ShapeChoice,
	submit: (call: HttpCall) => Promise<TaskSnapshot>,
	request: ImageRequest,
	resend: HttpCall | undefined,
	build: (shapes: Shapes) => HttpCall,
): Promise<{ snapshot: TaskSnapshot; shapes?: Shapes; call: HttpCall }> {
	if (resend) return { snapshot: await submit(resend), call: resend };
	const tried = choice.current();
	const firstCall = build(tried);
	const first = await submit(firstCall).then(
		(snapshot) => ({ snapshot, shapes: tried, call: firstCall }),
		(error: unknown) => ({ error }),
	);
	if (!('error' in first)) return first;
	const fallback = choice.fallback(first.error, tried, request);
	if (!fallback) throw first.error;
	if ('unfit' in fallback) throw note(first.error, fallback.unfit);
	const { shapes, switched } = fallback;
	const secondCall = build(shapes);
	const second = await submit(secondCall).then(
		(snapshot) => ({ snapshot, shapes, call: secondCall }),
		(error: unknown) => ({ error }),
	);
	if (!('error' in second)) return second;
	const again = switched.filter((r) => r.named.test(refusalText(second.error) ?? '\n'));
	if (again.length === 0) throw second.error;
	const points = again.map((r) => `${r.point} (${r.evidence})`).join('; ');
	throw note(
		second.error,
		`The node sent both documented shapes of ${points}, and the provider refused both. Nothing was created or billed; please report this with the message above.`,
	);
}
