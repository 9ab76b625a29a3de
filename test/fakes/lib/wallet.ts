/**
 * The account a fake bills: what a task costs is fixed when it is created, failed tasks give their
 * credits back (Apiframe refunds failed jobs; EvoLink bills failed tasks "normally not"), and a
 * submission that costs more than what is left is refused with the provider's 402.
 */
import type { Ctx } from './provider';
import type { FakeTask } from '../types';

/** Credits a task holds: the unified task API's credits_reserved, or Apiframe's creditCost. */
export function taskCredits(task: FakeTask): number {
	return task.usage?.credits_reserved ?? task.creditCost ?? 0;
}

/** Credits held by the tasks created since the last reset (failed ones are refunded). */
export function spentCredits(ctx: Ctx): number {
	let spent = 0;
	for (const task of ctx.tasks.values()) {
		if (ctx.phase(task).phase !== 'failed') spent += taskCredits(task);
	}
	return spent;
}

/** What the account has left: `balance` minus what its tasks hold. */
export function accountLeft(ctx: Ctx, defaultBalance: number): number {
	return (ctx.options.balance ?? defaultBalance) - spentCredits(ctx);
}
