import type { InputBinary } from '../../binary';
import { describeInputBinary } from '../../binary';
import { forOperation } from '../../descriptions/common';
import { fieldError } from '../../errors';
import { firstBytes, sniffImage } from '../../sniff';
import type { FieldProblem } from '../../types';
import { checkFieldName } from '../../validation';
import type { OperationContext, OperationModule } from '../context';
import { countAndCompletion, inputImages, promptAndModel } from './fields';
import type { EditInputs } from '../../pipeline';
import { prepareSubmit } from './submit';

/** Splits a list parameter given as text (commas or new lines) or as an expression's array. */
export function splitList(value: unknown, urls: boolean): string[] {
	if (value === null || value === undefined) return [];
	const parts = Array.isArray(value)
		? value.map((v) => String(v))
		: String(value).split(urls ? /[\r\n]+|,(?=\s*[a-z][a-z0-9+.-]*:)/i : /[\r\n,]+/);
	return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function binaryProblem(
	binary: InputBinary,
	field: string,
	mimeTypes: string[],
	maxBytes: number,
	why: string,
): FieldProblem | undefined {
	if (!mimeTypes.includes(binary.mimeType)) {
		return {
			field,
			message: `"${binary.property}" is ${binary.mimeType}`,
			fix: `Convert it to one of ${mimeTypes.join(', ')} first`,
		};
	}
	if (binary.size !== undefined && binary.size > maxBytes) {
		return {
			field,
			message: `"${binary.property}" is ${Math.ceil(binary.size / 1048576)} MB`,
			fix: `Use an image of at most ${Math.floor(maxBytes / 1048576)} MB (${why})`,
		};
	}
	return undefined;
}

/** The label is a claim: the bytes must be the image it names, or nothing is uploaded. */
async function contentProblem(
	binary: InputBinary,
	field: string,
): Promise<FieldProblem | undefined> {
	const actual = sniffImage(await firstBytes(await binary.open()));
	if (actual === binary.mimeType || (actual === 'image/jpeg' && binary.mimeType === 'image/jpg'))
		return undefined;
	return {
		field,
		message: `"${binary.property}" is labelled ${binary.mimeType} but its content is ${actual ?? 'not an image'}`,
		fix: 'Pass the image file itself (for example from an HTTP Request node with Response Format: File)',
	};
}

/** Images given as binary fields: checked against the provider's upload rules before any request. */
async function readBinaries(
	ctx: OperationContext,
	itemIndex: number,
	names: string[],
	field: string,
): Promise<InputBinary[]> {
	if (names.length === 0) return [];
	const { fn, adapter } = ctx;
	const upload = adapter.upload;
	if (!upload) {
		throw fieldError(
			fn.getNode(),
			{
				field,
				message: `${adapter.displayName} has no file upload for binary images`,
				fix: `${adapter.displayName} documents no file upload. Give the images as public URLs in Image URLs instead (for example upload them to your own storage first), or use the node of a provider that uploads binary files`,
			},
			itemIndex,
		);
	}
	// The provider's own per-image limit can be below what its file host takes.
	const inputLimit = Math.min(upload.maxBytes, adapter.inputImageLimit.maxBytes);
	const limitWhy =
		inputLimit === adapter.inputImageLimit.maxBytes
			? `${adapter.displayName}'s limit per input image`
			: `the limit of ${adapter.displayName}'s file upload`;
	const binaries: InputBinary[] = [];
	for (const name of names) {
		const reserved = checkFieldName(name, field);
		if (reserved) throw fieldError(fn.getNode(), reserved, itemIndex);
		let binary: InputBinary;
		try {
			binary = await describeInputBinary(fn, itemIndex, name);
		} catch {
			const fix =
				'Enter the name of a binary field of the incoming item (often "data"), not the file or a base64 string';
			throw fieldError(
				fn.getNode(),
				{ field, message: `the input item has no binary field "${name}"`, fix },
				itemIndex,
			);
		}
		const problem =
			binaryProblem(binary, field, upload.mimeTypes, inputLimit, limitWhy) ??
			(await contentProblem(binary, field));
		if (problem) throw fieldError(fn.getNode(), problem, itemIndex);
		binaries.push(binary);
	}
	return binaries;
}

async function readEditInputs(ctx: OperationContext, itemIndex: number): Promise<EditInputs> {
	const { fn } = ctx;
	const inputs: EditInputs = {
		imageUrls: splitList(fn.getNodeParameter('imageUrls', itemIndex, ''), true),
		binaries: await readBinaries(
			ctx,
			itemIndex,
			splitList(fn.getNodeParameter('binaryFields', itemIndex, ''), false),
			'Input Binary Fields',
		),
	};
	const maskUrl = String(fn.getNodeParameter('maskUrl', itemIndex, '') ?? '').trim();
	const maskField = String(fn.getNodeParameter('maskBinaryField', itemIndex, '') ?? '').trim();
	if (maskUrl !== '') inputs.maskUrl = maskUrl;
	if (maskField !== '') {
		[inputs.maskBinary] = await readBinaries(ctx, itemIndex, [maskField], 'Mask Binary Field');
		if (inputs.maskBinary.mimeType !== 'image/png') {
			const fix = 'The mask must be a PNG with an alpha channel (transparent = area to change)';
			const message = `"${maskField}" is ${inputs.maskBinary.mimeType}`;
			throw fieldError(fn.getNode(), { field: 'Mask Binary Field', message, fix }, itemIndex);
		}
	}
	return inputs;
}

/** Edit: image to image, with input images by URL or binary field, and a mask where a model takes one. */
export const edit: OperationModule = {
	description: (provider) =>
		forOperation('edit', [
			...promptAndModel(provider),
			...inputImages(provider),
			...provider.fields.modelFields,
			...countAndCompletion(provider),
		]),
	prepare: async (ctx, itemIndex) =>
		await prepareSubmit(ctx, itemIndex, 'edit', await readEditInputs(ctx, itemIndex)),
};
