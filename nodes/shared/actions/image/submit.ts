import type { IDataObject } from 'n8n-workflow';

import type { InputBinary } from '../../binary';
import { fieldError } from '../../errors';
import { callLimits, readSettings } from '../../settings';
import type { FieldProblem, ImageRequest } from '../../types';
import { checkRequest, settingsProblem, textValue, wholeNumber } from '../../validation';
import type { OperationContext, PreparedItem } from '../context';
import { confirmCallbacks } from './callbackCheck';
import { finishTasks, taskItems } from './results';
import { plannedTask, submitAll } from './submission';

/** The input images of an Edit, read and checked before any request. */
export interface EditInputs {
	imageUrls: string[];
	binaries: InputBinary[];
	maskUrl?: string;
	maskBinary?: InputBinary;
}

/** Splits a list parameter given as text (commas or new lines) or as an expression's array. */
export function splitList(value: unknown, urls: boolean): string[] {
	if (value === null || value === undefined) return [];
	const parts = Array.isArray(value)
		? value.map((v) => String(v))
		: String(value).split(urls ? /[\r\n]+|,(?=\s*[a-z][a-z0-9+.-]*:)/i : /[\r\n,]+/);
	return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The provider's own top-level fields (hidden ones read as null and are skipped). */
function providerFields(ctx: OperationContext) {
	return [...ctx.fields.modelFields, ...ctx.fields.callbackFields];
}

function readProviderOptions(ctx: OperationContext, itemIndex: number): IDataObject {
	const values: IDataObject = {};
	for (const field of providerFields(ctx)) {
		const value = ctx.fn.getNodeParameter(field.name, itemIndex, null) as unknown;
		if (value !== null && value !== '') values[field.name] = value as IDataObject[string];
	}
	return values;
}

/** A value set by an expression must still be one the field offers for this model. */
function optionProblem(
	ctx: OperationContext,
	values: IDataObject,
	modelName: string,
): FieldProblem | undefined {
	for (const field of providerFields(ctx)) {
		if (field.type !== 'options' && field.type !== 'multiOptions') continue;
		const value = values[field.name];
		if (value === undefined) continue;
		const allowed = (field.options ?? []).map((o) => ('value' in o ? o.value : undefined));
		const given =
			field.type === 'multiOptions' && Array.isArray(value) ? (value as unknown[]) : [value];
		const bad = given.find((v) => !allowed.includes(v as string));
		if (bad !== undefined) {
			return {
				field: field.displayName,
				message: `"${String(bad)}" is not offered by ${modelName}`,
				fix: `Choose one of ${allowed.join(', ')}`,
			};
		}
	}
	return undefined;
}

/** How many images each task asks for: natively up to the model's limit, otherwise more tasks. */
export function planTasks(imageCount: number, maxPerTask: number): number[] {
	const plan: number[] = [];
	for (let left = imageCount; left > 0; left -= maxPerTask) plan.push(Math.min(left, maxPerTask));
	return plan;
}

/**
 * Generate and Edit: reads the item's request, checks it without any request, and returns the
 * closure that uploads binary inputs, submits the tasks and (unless told not to) waits for them.
 */
export async function prepareSubmit(
	ctx: OperationContext,
	itemIndex: number,
	operation: 'generate' | 'edit',
	inputs: EditInputs = { imageUrls: [], binaries: [] },
): Promise<PreparedItem> {
	const { fn, adapter } = ctx;
	const settings = readSettings(fn, itemIndex);
	const prompt = textValue(fn.getNodeParameter('prompt', itemIndex, ''), 'Prompt');
	const imageCount = wholeNumber(
		fn.getNodeParameter('numberOfImages', itemIndex, 1),
		'Number of Images',
	);
	const typeProblem = prompt.problem ?? imageCount.problem ?? settingsProblem(settings);
	if (typeProblem) throw fieldError(fn.getNode(), typeProblem, itemIndex);
	const request: ImageRequest = {
		operation,
		model: fn.getNodeParameter('model', itemIndex) as string,
		prompt: prompt.value,
		imageCount: imageCount.value,
		imageUrls: inputs.imageUrls,
		options: readProviderOptions(ctx, itemIndex),
	};
	if (inputs.maskUrl !== undefined) request.maskUrl = inputs.maskUrl;
	const completion = String(fn.getNodeParameter('completion', itemIndex, 'wait'));
	if (typeof request.options.callbackUrl === 'string') {
		request.callbackUrl = request.options.callbackUrl.trim();
	}
	if (completion === 'callback' && !request.callbackUrl) {
		const field = adapter.callback?.field ?? 'Callback URL';
		const fix =
			'Paste the Production URL of a GPT Image Trigger node, or choose another Completion';
		throw fieldError(fn.getNode(), { field, message: 'is empty', fix }, itemIndex);
	}
	const model = adapter.models.find((m) => m.value === request.model);
	const inputCount = inputs.imageUrls.length + inputs.binaries.length;
	const problem =
		checkRequest(request, adapter, inputCount, inputs.maskBinary !== undefined) ??
		optionProblem(ctx, request.options, model?.name ?? request.model);
	if (problem) throw fieldError(fn.getNode(), problem, itemIndex);
	const plan = planTasks(request.imageCount, model!.maxImagesPerTask);
	const wait = completion === 'wait';

	return {
		settings,
		weight: plan.length,
		planned: plan.map((images) => plannedTask(ctx, request, images)),
		run: async () => {
			const limits = callLimits(settings, itemIndex, ctx.clock.now());
			const submitted = await submitAll({ ctx, itemIndex, request, inputs, plan, limits });
			const meta = { model: request.model, prompt: request.prompt };
			if (wait) return await finishTasks(ctx, submitted.snapshots, meta, settings, limits, plan);
			const items = taskItems(ctx, submitted.snapshots, meta, itemIndex, plan);
			if (request.callbackUrl !== undefined) {
				await confirmCallbacks(ctx, submitted, items, limits);
			}
			return items;
		},
	};
}
