import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { ResponseShapeError } from './schema';
import type { FieldProblem, ProviderError } from './types';

/** A bad parameter: the message names the field, the description says what to do. */
export function fieldError(node: INode, problem: FieldProblem, itemIndex: number): NodeOperationError {
	return new NodeOperationError(node, `${problem.field}: ${problem.message}`, {
		itemIndex,
		description: problem.fix,
	});
}

/** A provider HTTP failure, carrying the provider's own message and nothing from the request. */
export function providerError(
	node: INode,
	provider: string,
	statusCode: number | undefined,
	error: ProviderError,
	itemIndex: number,
): NodeApiError {
	const payload: JsonObject = { message: error.message };
	if (error.code !== undefined) payload.code = error.code;
	return new NodeApiError(node, payload, {
		itemIndex,
		httpCode: statusCode === undefined ? undefined : String(statusCode),
		message: `${provider}: ${error.message}`,
		description: error.description,
	});
}

export function shapeError(node: INode, provider: string, error: ResponseShapeError, itemIndex: number): NodeApiError {
	return providerError(
		node,
		provider,
		undefined,
		{
			message: error.message,
			description: `The provider's response changed shape (field "${error.field}"). Check for a newer version of this node, or report it with the task ID.`,
		},
		itemIndex,
	);
}

/** Reads the network error code (ECONNREFUSED, ECONNRESET, ...) from an error and its causes. */
export function networkCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

/** The message of an error without anything that could hold request headers. */
export function plainMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	return String(error);
}

const TASK_ADVICE: Array<[RegExp, string]> = [
	[/content.?policy|safety|moderation/i, 'The provider\'s safety filter blocked it: rephrase the prompt or use other input images'],
	[/invalid.?param|dimension|image.?processing/i, 'Check the size, the input images (type, size, reachable URL) and the mask'],
	[/quota|credit|insufficient/i, 'Top up your provider balance, then run the item again'],
	[/cancel/i, 'The task was cancelled at the provider'],
	[/timeout|unavailable|service|resource|upstream|rate|no.?content|unknown|generation/i, 'A temporary provider problem: run the item again; failed tasks are normally not billed'],
];

/** One sentence a user can act on, for a provider's task failure code or text. */
export function taskFailureAdvice(codeOrMessage: string): string {
	const match = TASK_ADVICE.find(([pattern]) => pattern.test(codeOrMessage));
	return match ? match[1] : 'See the provider\'s message above';
}
