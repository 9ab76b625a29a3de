import type {
	CallbackCapability,
	FieldProblem,
	ImageRequest,
	ModelInfo,
	ProviderAdapter,
} from './types';
import { internalHost } from './addresses';
import { article, count } from './errors';

export const MAX_INPUT_IMAGES = 16;
export const MAX_IMAGES_PER_ITEM = 10;
export const MAX_URL_LENGTH = 2048;

/** Prompt limits are documented in Unicode code points, not UTF-16 units. */
export function codePointLength(text: string): number {
	return Array.from(text).length;
}

/** The value as a URL when it parses and is http(s). */
export function parseHttpUrl(value: string): URL | undefined {
	try {
		const url = new URL(value);
		return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Loopback, private, link-local, reserved and other internal addresses, and names that are local
 * by their spelling (nodes/shared/addresses.ts), as the URL parser gives the host.
 */
export function isPrivateHost(hostname: string): boolean {
	return internalHost(hostname) !== undefined;
}

function extensionOf(url: URL): string | undefined {
	const last = url.pathname.split('/').pop() ?? '';
	const dot = last.lastIndexOf('.');
	return dot > 0 ? last.slice(dot + 1).toLowerCase() : undefined;
}

/** Names that would reach an object's prototype instead of a field of its own. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** A binary field name given by the user: a plain name, never one of the prototype's. */
export function checkFieldName(name: string, field: string): FieldProblem | undefined {
	if (RESERVED_NAMES.has(name)) {
		return {
			field,
			message: `"${name}" cannot be used as a field name`,
			fix: 'Choose another name, such as data',
		};
	}
	return undefined;
}

function kindOf(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Where a parameter's value came from, to say in its error: the expression the user wrote and the
 * fields the input item has (so a misspelt `{{ $json.title }}` is found at once).
 */
export interface ValueSource {
	/** The parameter as written, e.g. `={{ $json.title }}`; an expression starts with `=`. */
	written?: unknown;
	/** The field names of the input item. */
	fields?: string[];
}

/**
 * The expression a value came from; none for an AI Agent's argument (`$fromAI(…)`): the agent, not
 * the input item, is then what must change, so its error reads like a field the user typed.
 */
function fromExpression(source: ValueSource | undefined): string | undefined {
	const written = source?.written;
	if (typeof written !== 'string' || !written.startsWith('=')) return undefined;
	return /\$fromAI\s*\(/.test(written) ? undefined : written.slice(1).trim();
}

function inputFields(source: ValueSource | undefined): string {
	const fields = source?.fields ?? [];
	if (fields.length === 0) return 'The input item has no fields.';
	const shown = fields.slice(0, 12).join(', ');
	return `The input item has the fields ${shown}${fields.length > 12 ? ', …' : ''}.`;
}

/** "is empty: the expression {{ $json.title }} gave nothing", or what else the value was. */
function notWhatWasMeant(value: unknown, wanted: string, source?: ValueSource) {
	const expression = fromExpression(source);
	const empty = value === undefined || value === null || String(value).trim() === '';
	if (empty && expression) {
		return {
			message: `is empty: the expression ${expression} gave nothing`,
			fix: `${inputFields(source)} Check the field name in the expression.`,
		};
	}
	if (empty) return { message: 'is empty', fix: `Enter ${wanted}` };
	const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : kindOf(value);
	const from = expression ? ` (from the expression ${expression})` : '';
	return {
		message: `is ${shown}${from}, not ${wanted}`,
		fix: expression
			? `${inputFields(source)} Make the expression give ${wanted}.`
			: `Enter ${wanted}`,
	};
}

/** Text from a parameter: text as it is, a number as its digits; anything else is refused. */
export function textValue(
	value: unknown,
	field: string,
	source?: ValueSource,
): { value: string; problem?: FieldProblem } {
	// Blank text from an expression is an expression that found nothing.
	const blank = typeof value === 'string' && value.trim() === '' && fromExpression(source);
	if (typeof value === 'string' && !blank) return { value };
	if (typeof value === 'number' && Number.isFinite(value)) return { value: String(value) };
	return { value: '', problem: { field, ...notWhatWasMeant(value, 'text', source) } };
}

/** A whole number from a parameter: a number, or a string of decimal digits; nothing else. */
export function wholeNumber(
	value: unknown,
	field: string,
	source?: ValueSource,
): { value: number; problem?: FieldProblem } {
	if (typeof value === 'number') return { value };
	if (typeof value === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value))
		return { value: Number(value) };
	const wanted = 'a whole number such as 1 or 4';
	return { value: NaN, problem: { field, ...notWhatWasMeant(value, wanted, source) } };
}

/** The options collection's own field names. */
export function settingsProblem(settings: {
	binaryPropertyName: string;
	spendProblem?: { name: 'maxCredits' | 'maxImages'; text: string };
}): FieldProblem | undefined {
	const problem = settings.spendProblem;
	if (problem !== undefined) {
		const credits = problem.name === 'maxCredits';
		return {
			field: credits ? 'Max Credits per Execution' : 'Max Images per Execution',
			message: problem.text,
			fix: `Enter a number of ${credits ? 'credits' : 'images'}, or 0 for no limit`,
		};
	}
	return checkFieldName(settings.binaryPropertyName, 'Put Output Images in Field');
}

export function checkPrompt(prompt: string, model: ModelInfo): FieldProblem | undefined {
	if (prompt.trim() === '') {
		return {
			field: 'Prompt',
			message: 'is empty',
			fix: 'Describe the image to create or the change to make',
		};
	}
	const length = codePointLength(prompt);
	if (model.promptUnit === 'tokens') {
		// Only the provider can count its tokens: refused here is only what no reading allows.
		const ceiling = model.promptCeiling ?? Infinity;
		if (length <= ceiling) return undefined;
		return {
			field: 'Prompt',
			message: `has ${count(length)} characters; no GPT Image model takes more than ${count(ceiling)}`,
			fix: `Shorten the prompt: ${model.name} takes up to ${count(model.promptMaxLength)} tokens, about ${count(model.promptMaxLength * 4)} characters of English`,
		};
	}
	if (length > model.promptMaxLength) {
		return {
			field: 'Prompt',
			message: `has ${count(length)} characters; ${model.name} takes at most ${count(model.promptMaxLength)}`,
			fix: 'Shorten the prompt, or choose a model with a longer limit',
		};
	}
	return undefined;
}

export function checkImageCount(count: number): FieldProblem | undefined {
	if (!Number.isInteger(count) || count < 1 || count > MAX_IMAGES_PER_ITEM) {
		return {
			field: 'Number of Images',
			message: `is ${count}`,
			fix: `Use a whole number from 1 to ${MAX_IMAGES_PER_ITEM}`,
		};
	}
	return undefined;
}

/** Checks one input image URL: http(s), and an image type the provider reads when the path shows one. */
export function checkImageUrl(
	value: string,
	field: string,
	extensions: string[],
): FieldProblem | undefined {
	const url = parseHttpUrl(value);
	if (!url) {
		return {
			field,
			message: `"${value.slice(0, 80)}" is not an http(s) URL`,
			fix: 'Give a public http:// or https:// link to the image, or use Input Binary Fields for files from earlier nodes',
		};
	}
	if (value.length > MAX_URL_LENGTH) {
		return {
			field,
			message: `a URL is ${value.length} characters long`,
			fix: `Use URLs of at most ${MAX_URL_LENGTH} characters`,
		};
	}
	const extension = extensionOf(url);
	if (
		extension !== undefined &&
		/^[a-z0-9]{2,5}$/.test(extension) &&
		!extensions.includes(extension)
	) {
		return {
			field,
			message: `"${url.pathname.split('/').pop()}" is a .${extension} file`,
			fix: `Use an image of type ${extensions.map((e) => `.${e}`).join(', ')}`,
		};
	}
	return undefined;
}

type CallbackRules = Pick<CallbackCapability, 'httpsOnly' | 'blockPrivateHosts' | 'maxLength'>;

export function checkCallbackUrl(
	value: string,
	field: string,
	rules: CallbackRules,
): FieldProblem | undefined {
	const url = parseHttpUrl(value);
	if (!url)
		return {
			field,
			message: `"${value.slice(0, 80)}" is not a URL`,
			fix: 'Give the full https:// URL that should receive the notification',
		};
	if (value.length > rules.maxLength) {
		return {
			field,
			message: `is ${value.length} characters long`,
			fix: `Use a URL of at most ${rules.maxLength} characters`,
		};
	}
	if (rules.httpsOnly && url.protocol !== 'https:') {
		return {
			field,
			message: 'must use https',
			fix: 'The provider only calls https:// URLs; put n8n behind TLS or use a tunnel',
		};
	}
	if (rules.blockPrivateHosts && isPrivateHost(url.hostname)) {
		return {
			field,
			message: `points to a private or local address (${url.hostname})`,
			fix: "The provider refuses internal addresses; use n8n's public webhook URL",
		};
	}
	return undefined;
}

function callbackProblem(url: string, adapter: ProviderAdapter): FieldProblem | undefined {
	if (!adapter.callback) {
		return {
			field: 'Completion',
			message: `${adapter.displayName} has no callbacks`,
			fix: 'Choose Wait for Images or Return Task IDs',
		};
	}
	return checkCallbackUrl(url, adapter.callback.field, adapter.callback);
}

export function checkTaskId(value: string, adapter: ProviderAdapter): FieldProblem | undefined {
	if (!adapter.taskId.pattern.test(value)) {
		return {
			field: 'Task ID',
			message:
				value.trim() === ''
					? 'is empty'
					: `"${value.slice(0, 80)}" is not ${article(adapter.displayName)} ${adapter.displayName} task ID`,
			fix: `Use the taskId from an earlier Generate or Edit run, e.g. ${adapter.taskId.example}`,
		};
	}
	return undefined;
}

/** Every check shared by all providers, then the adapter's own; returns the first problem. */
export function checkRequest(
	request: ImageRequest,
	adapter: ProviderAdapter,
	inputImageCount: number,
	maskBinary = false,
): FieldProblem | undefined {
	const model = adapter.models.find((m) => m.value === request.model);
	if (!model) {
		return {
			field: 'Model',
			message: `"${request.model}" is not offered by ${adapter.displayName}`,
			fix: `Choose one of ${adapter.models.map((m) => m.value).join(', ')}`,
		};
	}
	const problems: Array<FieldProblem | undefined> = [
		checkPrompt(request.prompt, model),
		checkImageCount(request.imageCount),
	];
	if (request.operation === 'edit' && inputImageCount === 0) {
		problems.push({
			field: 'Image URLs',
			message: 'is empty, and so is Input Binary Fields: Edit needs at least one image',
			fix: 'Give a public image URL in Image URLs, or the name of a binary field of the input item (such as data) in Input Binary Fields',
		});
	}
	if (inputImageCount > MAX_INPUT_IMAGES) {
		problems.push({
			field: 'Image URLs',
			message: `and Input Binary Fields have ${inputImageCount} images together; at most ${MAX_INPUT_IMAGES} are taken`,
			fix: `Remove ${inputImageCount - MAX_INPUT_IMAGES} of them (URLs and binary fields count together)`,
		});
	}
	for (const url of request.imageUrls)
		problems.push(checkImageUrl(url, 'Image URLs', adapter.imageUrlExtensions));
	const takesMask = adapter.mask?.models.includes(model.value) ?? false;
	if ((request.maskUrl !== undefined || maskBinary) && !takesMask) {
		problems.push({
			field: 'Mask',
			message: `${model.name} takes no mask on ${adapter.displayName}`,
			fix: 'Remove the mask, or choose a model that supports one',
		});
	}
	if (request.maskUrl !== undefined)
		problems.push(checkImageUrl(request.maskUrl, 'Mask URL', ['png']));
	if (request.callbackUrl !== undefined)
		problems.push(callbackProblem(request.callbackUrl, adapter));
	problems.push(...adapter.validate(request));
	return problems.find((p): p is FieldProblem => p !== undefined);
}
