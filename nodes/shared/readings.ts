import { NodeApiError } from 'n8n-workflow';

import type { ImageRequest, ProviderAdapter, Shapes, WireReading } from './types';

/**
 * Which documented shape of each disputed point this execution sends (see WireReading). One per
 * execution: what a provider answered for one item holds for the next ones.
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
		if (!reading) return;
		this.chosen.set(point, reading.shapes[0] === shape ? reading.shapes[1] : reading.shapes[0]);
	}

	/**
	 * After a submission in `tried` was refused: the shapes to send once more, with the readings
	 * switched; or why it cannot be; or undefined when the refusal is not about a disputed point.
	 */
	fallback(error: unknown, tried: Shapes, request: ImageRequest): Fallback | undefined {
		const text = refusalText(error);
		if (text === undefined) return undefined;
		const named = this.readings.filter((r) => r.named.test(text));
		if (named.length === 0) return undefined;
		const next: Shapes = { ...tried };
		const switched: WireReading[] = [];
		for (const reading of named) {
			const now = shapeOf(reading, tried);
			const other = reading.shapes[0] === now ? reading.shapes[1] : reading.shapes[0];
			const unfit = reading.unfit?.(request, other);
			if (unfit !== undefined) return { unfit: `${reading.evidence} ${unfit}` };
			next[reading.point] = other;
			switched.push(reading);
		}
		return { shapes: next, switched };
	}
}

export type Fallback = { shapes: Shapes; switched: WireReading[] } | { unfit: string };

export function shapeOf(reading: WireReading, shapes: Shapes | undefined): string {
	return shapes?.[reading.point] ?? reading.shapes[0];
}

/** Whether `shapes` differ from the first shape of every reading. */
export function isDefaultShape(adapter: ProviderAdapter, shapes: Shapes): boolean {
	return (adapter.readings ?? []).every((r) => shapeOf(r, shapes) === r.shapes[0]);
}

/** The provider's text of a 400 refusal (nothing else is a refusal of the request's shape). */
function refusalText(error: unknown): string | undefined {
	if (!(error instanceof NodeApiError) || String(error.httpCode) !== '400') return undefined;
	return `${error.message} ${error.description ?? ''}`;
}

/** Adds to a refusal that both documented shapes were tried. */
export function bothRefused(error: unknown, switched: WireReading[]): unknown {
	if (!(error instanceof NodeApiError) || refusalText(error) === undefined) return error;
	const again = switched.filter((r) => r.named.test(refusalText(error)!));
	if (again.length === 0) return error;
	const points = again.map((r) => `${r.point} (${r.evidence})`).join('; ');
	const note = `The node sent both documented shapes of ${points}, and the provider refused both. Nothing was created or billed; please report this with the message above.`;
	error.description = error.description ? `${error.description} ${note}` : note;
	return error;
}
