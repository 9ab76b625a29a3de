import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { canonical } from './ledger';
import type { CostCapability, ImageRequest, ProviderAdapter, TaskSnapshot } from './types';

/**
 * Spend control of one execution: Max Credits per Execution and Check Balance First.
 *
 * Every task is admitted before it is submitted. Its price comes from the provider's own answers
 * (a price learned from an earlier task of the same kind, in this process), else from the
 * provider's published table, else it is learned: the first task of that kind goes alone and
 * the others wait for its answer instead of being submitted blind. A task admitted holds its
 * estimate until its answer says what it really took.
 */

/**
 * Credits per image as the provider reported them for a task (null where it does not say): the
 * one figure to add up across providers, beside their own cost fields.
 */
export function creditsPerImage(
	adapter: ProviderAdapter,
	snapshot: TaskSnapshot,
	images: number,
): number | null {
	const credits = adapter.cost?.creditsOf(snapshot);
	if (credits === undefined || images < 1) return null;
	return Math.round((credits / images) * 10000) / 10000;
}

/** Tasks of one kind cost the same: same provider, model and priced fields. */
export function priceKey(adapter: ProviderAdapter, request: ImageRequest): string {
	const priced: IDataObject = {};
	const names =
		adapter.cost?.pricedBy ??
		Object.keys(request.options).filter((name) => !/callback|webhook/i.test(name));
	for (const name of names) priced[name] = request.options[name];
	return `${adapter.displayName}:${request.model}:${canonical(priced)}`;
}

/** Credits per image last seen in a provider's answers, by price key (bounded, this process). */
class PriceBook {
	private readonly prices = new Map<string, number>();

	constructor(private readonly max = 1000) {}

	get(key: string): number | undefined {
		return this.prices.get(key);
	}

	/** Forgets every price (tests start from a process that has seen no answer). */
	clear(): void {
		this.prices.clear();
	}

	set(key: string, perImage: number): void {
		this.prices.delete(key);
		this.prices.set(key, perImage);
		if (this.prices.size > this.max) this.prices.delete(this.prices.keys().next().value!);
	}
}

export const priceBook = new PriceBook();

/** One task the router plans to submit: what kind it is and how many images it asks for. */
export interface PlannedTask {
	key: string;
	images: number;
	listPrice?: number;
}

/** Why a task was not submitted: the node's error names it, per item. */
export class SpendRefusal extends Error {
	constructor(
		message: string,
		readonly description: string,
		readonly reason: 'cap' | 'balance',
	) {
		super(message);
		this.name = 'SpendRefusal';
	}
}

const spendErrors = new WeakSet<Error>();

/** Errors of items that spend control left out (the router counts them). */
export function markSpendError(error: Error): void {
	spendErrors.add(error);
}

export function isSpendError(error: unknown): boolean {
	return error instanceof Error && spendErrors.has(error);
}

/** A refusal as the error of one item. */
export function spendError(
	node: INode,
	refusal: SpendRefusal,
	itemIndex: number,
): NodeOperationError {
	const error = new NodeOperationError(node, refusal.message, {
		description: refusal.description,
		itemIndex,
	});
	markSpendError(error);
	return error;
}

/** An admitted task: settle it with what the provider says it took, or release it. */
export interface Admission {
	settle(credits: number | undefined): void;
	release(): void;
}

const NO_ADMISSION: Admission = { settle: () => undefined, release: () => undefined };

const fmt = (n: number): string => String(Math.round(n * 100) / 100);

export interface SpendOptions {
	/** Max Credits per Execution; undefined = no cap. */
	maxCredits?: number;
	/** The balance read by Check Balance First; undefined = not checked. */
	balance?: number;
	cost?: CostCapability;
}

export class SpendGuard {
	private spent = 0;
	private reserved = 0;
	/** Prices learned in this execution (also written to the process's price book). */
	private readonly learned = new Map<string, number>();
	/** The task learning a price, by price key: others of that kind wait for it. */
	private readonly learning = new Map<string, Promise<void>>();
	/** Set when the balance cannot cover what is left of the batch: nothing more is submitted. */
	private shortBalance?: SpendRefusal;
	/** Tasks planned but not admitted yet, for the balance check after a price is learned. */
	private readonly waiting: PlannedTask[];
	refusedItems = new Set<number>();

	constructor(
		private readonly options: SpendOptions,
		planned: PlannedTask[] = [],
	) {
		this.waiting = [...planned];
	}

	get active(): boolean {
		return this.options.maxCredits !== undefined || this.options.balance !== undefined;
	}

	get spentCredits(): number {
		return this.spent;
	}

	/** A price from the answers (this execution, then earlier ones), else the published table. */
	priceOf(task: PlannedTask): number | undefined {
		return this.learned.get(task.key) ?? priceBook.get(task.key) ?? task.listPrice;
	}

	/**
	 * Check Balance First, before anything is submitted: refuses the whole batch when its known
	 * price exceeds the balance. Tasks of unknown price are checked once one of them has taught it.
	 */
	checkBatch(): SpendRefusal | undefined {
		const { balance } = this.options;
		if (balance === undefined) return undefined;
		const priced = this.waiting.filter((t) => this.priceOf(t) !== undefined);
		const total = priced.reduce((sum, t) => sum + this.priceOf(t)! * t.images, 0);
		if (balance <= 0 || total > balance) return this.balanceRefusal(balance, priced, total);
		return undefined;
	}

	/** Waits for the task's turn, then admits it or says why not. */
	async admit(task: PlannedTask, itemIndex: number): Promise<Admission | SpendRefusal> {
		if (!this.active) return NO_ADMISSION;
		for (;;) {
			if (this.shortBalance) return this.refuse(task, itemIndex, this.shortBalance);
			const price = this.priceOf(task);
			if (price === undefined) {
				const pending = this.learning.get(task.key);
				if (pending) {
					await pending;
					continue;
				}
				return this.admitLearner(task, itemIndex);
			}
			const need = price * task.images;
			const cap = this.options.maxCredits;
			if (cap !== undefined && this.spent + this.reserved + need > cap) {
				return this.refuse(task, itemIndex, this.capRefusal(cap, need));
			}
			return this.hold(task, need);
		}
	}

	/** The first task of a kind goes alone (if the cap has room at all) and teaches its price. */
	private admitLearner(task: PlannedTask, itemIndex: number): Admission | SpendRefusal {
		const cap = this.options.maxCredits;
		if (cap !== undefined && this.spent + this.reserved >= cap) {
			return this.refuse(task, itemIndex, this.capRefusal(cap, undefined));
		}
		let done!: () => void;
		this.learning.set(task.key, new Promise<void>((resolve) => (done = resolve)));
		const admission = this.hold(task, 0);
		const finish = () => {
			this.learning.delete(task.key);
			done();
		};
		return {
			settle: (credits) => {
				if (credits !== undefined && task.images > 0) this.learn(task.key, credits / task.images);
				admission.settle(credits);
				this.recheckBalance();
				finish();
			},
			release: () => {
				admission.release();
				finish();
			},
		};
	}

	private hold(task: PlannedTask, estimate: number): Admission {
		this.reserved += estimate;
		this.take(task);
		let open = true;
		return {
			settle: (credits) => {
				if (!open) return;
				open = false;
				this.reserved -= estimate;
				// An answer without a cost is counted at the estimate: spending is never undercounted.
				this.spent += credits ?? estimate;
			},
			release: () => {
				if (!open) return;
				open = false;
				this.reserved -= estimate;
				this.waiting.push(task);
			},
		};
	}

	private learn(key: string, perImage: number): void {
		this.learned.set(key, perImage);
		priceBook.set(key, perImage);
	}

	/** After a price is learned, the rest of the batch must fit what is left of the balance. */
	private recheckBalance(): void {
		const { balance } = this.options;
		if (balance === undefined || this.shortBalance) return;
		const left = balance - this.spent - this.reserved;
		const priced = this.waiting.filter((t) => this.priceOf(t) !== undefined);
		const total = priced.reduce((sum, t) => sum + this.priceOf(t)! * t.images, 0);
		if (total > left) this.shortBalance = this.balanceRefusal(left, priced, total);
	}

	/** A refused task is out of the batch: it no longer counts against the balance. */
	private refuse(task: PlannedTask, itemIndex: number, refusal: SpendRefusal): SpendRefusal {
		this.take(task);
		this.refusedItems.add(itemIndex);
		return refusal;
	}

	private take(task: PlannedTask): void {
		const index = this.waiting.findIndex((t) => t.key === task.key && t.images === task.images);
		if (index >= 0) this.waiting.splice(index, 1);
	}

	private capRefusal(cap: number, need: number | undefined): SpendRefusal {
		const unit = this.options.cost?.unit ?? 'credits';
		const more =
			need === undefined ? '' : ` and this item's task would take about ${fmt(need)} more`;
		return new SpendRefusal(
			`Max Credits per Execution: not submitted, the cap of ${fmt(cap)} ${unit} is reached`,
			`${fmt(this.spent + this.reserved)} ${unit} are spent or reserved in this execution${more}. Raise Max Credits per Execution in Options, or run fewer items.`,
			'cap',
		);
	}

	private balanceRefusal(left: number, priced: PlannedTask[], total: number): SpendRefusal {
		const unit = this.options.cost?.unit ?? 'credits';
		const need =
			priced.length > 0
				? `; the ${priced.length} task(s) still to submit would take about ${fmt(total)}`
				: '';
		return new SpendRefusal(
			`Check Balance First: the balance cannot cover this batch, nothing more was submitted`,
			`The balance is ${fmt(left)} ${unit}${need}. Top up, or run fewer items.`,
			'balance',
		);
	}
}
