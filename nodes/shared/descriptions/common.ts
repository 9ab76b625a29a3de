import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { ModelInfo } from '../types';

/** What a provider adds to the shared node description. */
export interface ProviderFields {
	/** The Model dropdown (each provider words the option descriptions itself). */
	models: INodePropertyOptions[];
	/**
	 * Size, quality and model extras, shown for Generate and Edit; each carries its own
	 * displayOptions by model (the operation is set by each operation's module).
	 */
	modelFields: INodeProperties[];
	/** Callback URL and its settings, shown for Completion = Callback (the name callbackUrl is read by the operation). */
	callbackFields: INodeProperties[];
	taskIdPlaceholder: string;
	/** Said under Number of Images: how the provider makes and bills several images. */
	imageCountHint: string;
}

type PromptModel = Pick<ModelInfo, 'value' | 'promptMaxLength' | 'promptUnit'>;

/** A limit in the words of the hint: "2,000 characters", "2,000 tokens". */
function limitWords(model: PromptModel): string {
	const n = model.promptMaxLength.toLocaleString('en-US');
	return model.promptUnit === 'tokens' ? `${n} tokens` : `${n} characters`;
}

/**
 * "Up to 2,000 characters (gpt-image-2: 32,000)", from the models' limits, the common limit first.
 * A limit in tokens, which only the provider can count, is said with what it means in characters.
 */
export function promptLengthHint(models: PromptModel[]): string {
	const count = (words: string) => models.filter((m) => limitWords(m) === words).length;
	const limits = [...new Set(models.map(limitWords))].sort(
		(a, b) => count(b) - count(a) || parseInt(a.replace(/,/g, '')) - parseInt(b.replace(/,/g, '')),
	);
	const units = new Set(models.map((m) => m.promptUnit ?? 'characters'));
	const others = limits.slice(1).map((limit) => {
		const names = models.filter((m) => limitWords(m) === limit).map((m) => m.value);
		return `${names.join(', ')}: ${units.size > 1 ? limit : limit.replace(/ \w+$/, '')}`;
	});
	const hint = `Up to ${limits[0]}${others.length ? ` (${others.join('; ')})` : ''}`;
	if (!units.has('tokens')) return hint;
	return `${hint}. A token is about 4 characters of English, fewer in other languages; the provider counts them and refuses a longer prompt, which costs nothing.`;
}

export const SUBMIT_OPERATIONS = ['generate', 'edit'];

export function onOperations(...operations: string[]) {
	return { show: { operation: operations } };
}

/**
 * The fields shown for one operation only: fields limited to other operations are left out, and
 * each remaining `show.operation` becomes `[operation]`. Operations share field builders this way
 * and still own their fields, as n8n's own vendor nodes do.
 */
export function forOperation(operation: string, properties: INodeProperties[]): INodeProperties[] {
	return properties
		.filter((property) => property.displayOptions?.show?.operation?.includes(operation) ?? true)
		.map((property) => ({
			...property,
			displayOptions: {
				...property.displayOptions,
				show: { ...property.displayOptions?.show, operation: [operation] },
			},
		}));
}

/** An Options collection (the same shape on every node of the package). */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
	};
}

/** Where images go; the trigger adds how further images of one task are named. */
export function binaryPropertyOption(description: string): INodeProperties {
	return {
		displayName: 'Put Output Images in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		placeholder: 'e.g. data',
		description,
	};
}

const OPERATION_TITLES =
	'{"generate":"Generate","edit":"Edit","waitForTask":"Wait for Task","getCredits":"Get Credits"}';

/** Under the node on the canvas: "Generate: gpt-image-1.5", or "Wait for Task" alone. */
export const IMAGE_NODE_SUBTITLE = `={{${OPERATION_TITLES}[$parameter["operation"]] + (["generate", "edit"].includes($parameter["operation"]) ? ": " + $parameter["model"] : "")}}`;
