import { fieldError } from '../../errors';
import { planTasks, runJob } from '../../pipeline';
import type { EditInputs } from '../../pipeline';
import { readSettings } from '../../settings';
import { kindOf } from '../../spend';
import type { ImageRequest } from '../../types';
import { checkRequest, settingsProblem, textValue, wholeNumber } from '../../validation';
import { valueSource } from '../context';
import type { OperationContext, PreparedItem } from '../context';
import { optionProblem, readProviderOptions } from './fields';

/**
 * Generate and Edit: reads the item's request and checks it without any request; its run hands
 * the item to the pipeline, which submits, waits and downloads.
 */
export async function prepareSubmit(
	ctx: OperationContext,
	itemIndex: number,
	operation: 'generate' | 'edit',
	inputs: EditInputs = { imageUrls: [], binaries: [] },
): Promise<PreparedItem> {
	const { fn, adapter } = ctx;
	const settings = readSettings(fn, itemIndex);
	const prompt = textValue(
		fn.getNodeParameter('prompt', itemIndex, ''),
		'Prompt',
		valueSource(fn, itemIndex, 'prompt'),
	);
	const imageCount = wholeNumber(
		fn.getNodeParameter('numberOfImages', itemIndex, 1),
		'Number of Images',
		valueSource(fn, itemIndex, 'numberOfImages'),
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
			'Paste the Production URL of a GPT Image Callback Trigger node, or choose another Completion';
		throw fieldError(fn.getNode(), { field, message: 'is empty', fix }, itemIndex);
	}
	const model = adapter.models.find((m) => m.value === request.model);
	const inputCount = inputs.imageUrls.length + inputs.binaries.length;
	const problem =
		checkRequest(request, adapter, inputCount, inputs.maskBinary !== undefined) ??
		optionProblem(ctx, request.options, model?.name ?? request.model);
	if (problem) throw fieldError(fn.getNode(), problem, itemIndex);
	const plan = planTasks(request.imageCount, model!.maxImagesPerTask);
	const job = {
		itemIndex,
		request,
		inputs,
		plan,
		completion: completion === 'submit' || completion === 'callback' ? completion : 'wait',
		settings,
	} as const;
	return {
		settings,
		weight: plan.length,
		planned: plan.map((images) => kindOf(adapter, request, images)),
		run: async (tasksOver) => await runJob(ctx, job, tasksOver),
	};
}
