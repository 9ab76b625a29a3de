import { forOperation } from '../../descriptions/common';
import type { OperationModule } from '../context';
import { countAndCompletion, promptAndModel } from './fields';
import { prepareSubmit } from './submit';

/** Generate: text to image. */
export const generate: OperationModule = {
	description: (provider) =>
		forOperation('generate', [
			...promptAndModel(provider),
			...provider.fields.modelFields,
			...countAndCompletion(provider),
		]),
	prepare: async (ctx, itemIndex) => await prepareSubmit(ctx, itemIndex, 'generate'),
};
