import type { IDataObject, IExecuteFunctions, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { ResponseShapeError } from './schema';
import type { FieldProblem, ProviderError } from './types';

/** A bad parameter: the message names the field, the description says what to do. */
/**
 * "Prompt is empty", "Prompt has 2,050 characters; ...": a message that is the rest of a sentence
 * about the field follows its name; any other is set off with a colon ("Model: "x" is not ...").
 */
export function fieldMessage(problem: FieldProblem): string {
	return /^(is|has|must|takes|points|and)\b/.test(problem.message)
		? `${problem.field} ${problem.message}`
		: `${problem.field}: ${problem.message}`;
}

/** A number as people write it: 2,000. */
export function count(n: number): string {
	return n.toLocaleString('en-US');
}

/** "a" or "an" before a word. */
export function article(word: string): string {
	return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

export function fieldError(
	node: INode,
	problem: FieldProblem,
	itemIndex: number,
): NodeOperationError {
	return new NodeOperationError(node, fieldMessage(problem), {
		itemIndex,
		description: problem.fix,
	});
}

export interface ProviderErrorOptions {
	/** The provider's display name, put in front of the message. */
	provider: string;
	error: ProviderError;
	itemIndex: number;
	/** The HTTP status of the answer, when there was one. */
	statusCode?: number;
}

/** A provider failure, carrying the provider's own message and nothing from the request. */
export function providerError(node: INode, options: ProviderErrorOptions): NodeApiError {
	const { provider, error, itemIndex, statusCode } = options;
	const payload: JsonObject = { message: error.message };
	if (error.code !== undefined) payload.code = error.code;
	return new NodeApiError(node, payload, {
		itemIndex,
		httpCode: statusCode === undefined ? undefined : String(statusCode),
		message: `${provider}: ${error.message}`,
		description: error.description,
	});
}

export function shapeError(
	node: INode,
	provider: string,
	error: ResponseShapeError,
	itemIndex: number,
): NodeApiError {
	return providerError(node, {
		provider,
		itemIndex,
		error: {
			message: error.message,
			description: `The provider's response changed shape (field "${error.field}"). Check for a newer version of this node, or report it with the task ID.`,
		},
	});
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

/** Errors n8n raises for a request it refused to send (SSRF protection) or could not build. */
export function refusedBeforeSending(error: unknown): boolean {
	for (
		let current = error as { name?: unknown; cause?: unknown; message?: unknown } | undefined,
			depth = 0;
		current && depth < 5;
		depth++
	) {
		if (typeof current.name === 'string' && /^SsrfBlocked/.test(current.name)) return true;
		if (
			typeof current.message === 'string' &&
			/unsupported protocol|invalid url/i.test(current.message)
		)
			return true;
		current = current.cause as typeof current;
	}
	return false;
}

/** The message of an error without anything that could hold request headers. */
export function plainMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	return String(error);
}

/** What an adapter says when none of its own advice fits a failed task. */
export const GENERIC_TASK_ADVICE = "See the provider's message above";

/** The first advice whose pattern matches the code or message, else the generic one. */
export function adviceFrom(
	table: Array<[RegExp, string]>,
	error: { code?: string; message: string },
): string {
	const text = `${error.code ?? ''} ${error.message}`;
	const match = table.find(([pattern]) => pattern.test(text));
	return match ? match[1] : GENERIC_TASK_ADVICE;
}

export type NodeError = NodeApiError | NodeOperationError;

/** Any error of an item as n8n's error of that item. */
export function asNodeError(
	fn: Pick<IExecuteFunctions, 'getNode'>,
	error: unknown,
	itemIndex: number,
): NodeError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	if (error instanceof Error && error.name === 'CancelledError') {
		return new NodeOperationError(fn.getNode(), error.message, { itemIndex });
	}
	return new NodeOperationError(fn.getNode(), error as Error, { itemIndex });
}

/**
 * The item a failing input becomes with Continue On Fail: the message and the description in
 * json. Under "Continue (using error output)" the item carries the error itself instead, which is
 * what sends it to the error output (n8n then keeps only the message in json).
 */
export function errorItem(error: NodeError, itemIndex: number, toErrorOutput: boolean) {
	if (toErrorOutput)
		return { json: { error: error.message }, error, pairedItem: { item: itemIndex } };
	const json: IDataObject = { error: error.message };
	if (error.description) json.description = error.description;
	return { json, pairedItem: { item: itemIndex } };
}
