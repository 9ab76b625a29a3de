import type { IDataObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { randomUUID } from 'crypto';

import { describeInputBinary } from '../binary';
import type { InputBinary } from '../binary';
import { fieldError } from '../errors';
import { callLimits, readSettings } from '../settings';
import type { CallLimits } from '../taskClient';
import type { FieldProblem, ImageRequest, TaskSnapshot } from '../types';
import { checkRequest } from '../validation';
import type { Operation, OperationContext } from './context';
import { finishTasks, taskItems } from './results';

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
function optionProblem(ctx: OperationContext, values: IDataObject, modelName: string): FieldProblem | undefined {
	for (const field of providerFields(ctx)) {
		if (field.type !== 'options' && field.type !== 'multiOptions') continue;
		if (values[field.name] === undefined) continue;
		const allowed = (field.options ?? []).map((o) => ('value' in o ? o.value : undefined));
		const given = field.type === 'multiOptions' && Array.isArray(values[field.name]) ? (values[field.name] as unknown[]) : [values[field.name]];
		const bad = given.find((v) => !allowed.includes(v as string));
		if (bad !== undefined) {
			return { field: field.displayName, message: `"${String(bad)}" is not offered by ${modelName}`, fix: `Choose one of ${allowed.join(', ')}` };
		}
	}
	return undefined;
}

/** Images given as binary fields: checked against the provider's upload rules before any request. */
async function readBinaries(ctx: OperationContext, itemIndex: number, names: string[], field: string): Promise<InputBinary[]> {
	if (names.length === 0) return [];
	const rules = ctx.adapter.upload;
	if (!rules) {
		throw fieldError(ctx.fn.getNode(), { field, message: `${ctx.adapter.displayName} has no file upload for binary images`, fix: ctx.adapter.noUploadHint }, itemIndex);
	}
	const binaries: InputBinary[] = [];
	for (const name of names) {
		let binary: InputBinary;
		try {
			binary = await describeInputBinary(ctx.fn, itemIndex, name);
		} catch {
			throw fieldError(
				ctx.fn.getNode(),
				{ field, message: `the input item has no binary field "${name}"`, fix: 'Enter the name of a binary field of the incoming item (often "data"), not the file or a base64 string' },
				itemIndex,
			);
		}
		const problem = binaryProblem(binary, field, rules.mimeTypes, rules.maxBytes);
		if (problem) throw fieldError(ctx.fn.getNode(), problem, itemIndex);
		binaries.push(binary);
	}
	return binaries;
}

function binaryProblem(binary: InputBinary, field: string, mimeTypes: string[], maxBytes: number): FieldProblem | undefined {
	if (!mimeTypes.includes(binary.mimeType)) {
		return { field, message: `"${binary.property}" is ${binary.mimeType}`, fix: `Convert it to one of ${mimeTypes.join(', ')} first` };
	}
	if (binary.size !== undefined && binary.size > maxBytes) {
		return { field, message: `"${binary.property}" is ${Math.ceil(binary.size / 1048576)} MB`, fix: `Use an image of at most ${Math.floor(maxBytes / 1048576)} MB` };
	}
	return undefined;
}

/** How many images each task asks for: natively up to the model's limit, otherwise more tasks. */
export function planTasks(imageCount: number, maxPerTask: number): number[] {
	const plan: number[] = [];
	for (let left = imageCount; left > 0; left -= maxPerTask) plan.push(Math.min(left, maxPerTask));
	return plan;
}

async function upload(ctx: OperationContext, binary: InputBinary, limits: CallLimits): Promise<string> {
	const build = ctx.adapter.buildUpload!;
	return await ctx.client.upload(
		async () =>
			build.call(ctx.adapter, { field: 'file', fileName: binary.fileName, mimeType: binary.mimeType, size: binary.size, content: await binary.open() }),
		limits,
	);
}

/** Submits every task; if one submission fails, the error lists the tasks that were created. */
async function submitAll(ctx: OperationContext, request: ImageRequest, plan: number[], limits: CallLimits): Promise<TaskSnapshot[]> {
	const results = await Promise.allSettled(
		plan.map(async (count) => await ctx.client.submit(ctx.adapter.buildSubmit(request, count, randomUUID()), limits)),
	);
	const created = results.filter((r): r is PromiseFulfilledResult<TaskSnapshot> => r.status === 'fulfilled').map((r) => r.value);
	const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
	if (!failure) return created;
	const error = failure.reason as Error;
	if (created.length > 0 && error instanceof NodeApiError) {
		error.description = `${error.description ?? ''} Tasks created for this item before the failure: ${created.map((s) => s.taskId).join(', ')}.`.trim();
	}
	throw error;
}

function makeSubmitOperation(operation: 'generate' | 'edit'): Operation {
	return async (ctx, itemIndex) => {
		const { fn, adapter } = ctx;
		const settings = readSettings(fn, itemIndex);
		const request: ImageRequest = {
			operation,
			model: fn.getNodeParameter('model', itemIndex) as string,
			prompt: String(fn.getNodeParameter('prompt', itemIndex, '')),
			imageCount: Number(fn.getNodeParameter('numberOfImages', itemIndex, 1)),
			imageUrls: operation === 'edit' ? splitList(fn.getNodeParameter('imageUrls', itemIndex, ''), true) : [],
			options: readProviderOptions(ctx, itemIndex),
		};
		const completion = String(fn.getNodeParameter('completion', itemIndex, 'wait'));
		if (typeof request.options.callbackUrl === 'string') request.callbackUrl = request.options.callbackUrl.trim();
		if (completion === 'callback' && !request.callbackUrl) {
			const field = adapter.callback.field;
			throw fieldError(fn.getNode(), { field, message: 'is empty', fix: 'Paste the Production URL of a GPT Image Trigger node, or choose another Completion' }, itemIndex);
		}
		let binaries: InputBinary[] = [];
		let maskBinary: InputBinary | undefined;
		if (operation === 'edit') {
			binaries = await readBinaries(ctx, itemIndex, splitList(fn.getNodeParameter('binaryFields', itemIndex, ''), false), 'Input Binary Fields');
			const maskUrl = String(fn.getNodeParameter('maskUrl', itemIndex, '') ?? '').trim();
			const maskField = String(fn.getNodeParameter('maskBinaryField', itemIndex, '') ?? '').trim();
			if (maskUrl !== '') request.maskUrl = maskUrl;
			if (maskField !== '') {
				[maskBinary] = await readBinaries(ctx, itemIndex, [maskField], 'Mask Binary Field');
				if (maskBinary.mimeType !== 'image/png') {
					throw fieldError(fn.getNode(), { field: 'Mask Binary Field', message: `"${maskField}" is ${maskBinary.mimeType}`, fix: 'The mask must be a PNG with an alpha channel (transparent = area to change)' }, itemIndex);
				}
			}
		}
		const modelName = adapter.models.find((m) => m.value === request.model)?.name ?? request.model;
		const problem =
			checkRequest(request, adapter, request.imageUrls.length + binaries.length, maskBinary !== undefined) ??
			optionProblem(ctx, request.options, modelName);
		if (problem) throw fieldError(fn.getNode(), problem, itemIndex);
		const plan = planTasks(request.imageCount, adapter.models.find((m) => m.value === request.model)!.maxImagesPerTask);
		const wait = completion === 'wait';

		return {
			settings,
			weight: plan.length,
			run: async () => {
				const limits = callLimits(settings, itemIndex);
				const uploaded = await Promise.all(binaries.map(async (binary) => await upload(ctx, binary, limits)));
				const ready: ImageRequest = { ...request, imageUrls: [...request.imageUrls, ...uploaded] };
				if (maskBinary) ready.maskUrl = await upload(ctx, maskBinary, limits);
				const submitted = await submitAll(ctx, ready, plan, limits);
				const meta = { model: request.model, prompt: request.prompt };
				if (!wait) return taskItems(ctx, submitted, meta, itemIndex);
				return await finishTasks(ctx, submitted, meta, settings, limits);
			},
		};
	};
}

export const generate = makeSubmitOperation('generate');
export const edit = makeSubmitOperation('edit');
