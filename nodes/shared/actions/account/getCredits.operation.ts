import { callLimits, readSettings } from '../../settings';
import { missingRouteOf } from '../../taskClient';
import type { OperationModule } from '../context';

/**
 * Account > Get Credits: the balance in one item, for alerts (Schedule > Get Credits > If > Slack)
 * or a check before a big batch. One request per execution of the node, whatever the number of
 * input items (the item is paired to all of them); nothing is billed.
 */
export const getCredits: OperationModule = {
	description: () => [],
	once: true,

	prepare: async (ctx, itemIndex) => {
		const settings = readSettings(ctx.fn, itemIndex);
		return {
			settings,
			weight: 1,
			run: async () => {
				const limits = callLimits(settings, itemIndex, ctx.clock.now());
				const balance = await ctx.client.balance(limits).catch((error: Error) => {
					// The route is not where the package assumed: say that, not that the key is wrong.
					const missing = missingRouteOf(error);
					const name = ctx.adapter.displayName;
					if (missing)
						error.message = `${name}: Get Credits cannot read the balance: ${name} has no ${missing.route}, where this package assumed it`;
					throw error;
				});
				return [
					{
						json: {
							provider: ctx.adapter.displayName,
							credits: balance.credits,
							unit: ctx.adapter.cost!.unit,
							...balance.details,
						},
						pairedItem: { item: itemIndex },
					},
				];
			},
		};
	},
};
