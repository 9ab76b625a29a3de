import type { IDataObject } from 'n8n-workflow';

import { canonical, sha256 } from './hash';
import type { SpendState } from './ledger';
import type { CostCapability, ImageRequest, ProviderAdapter } from './types';

/**
 * Spend control: Max Credits per Execution, Check Balance First and Max Images per Execution, on
 * the execution's Book (ledger.ts), so every item, Retry On Fail try and loop run counts against
 * the same limit. While a limit is on, admissions take turns: a task is admitted, sent and its
 * answer's price counted before the next is admitted, so spending passes a cap by at most one
 * task, only when that task's price was unknown (or rose) until its answer came. A price is what
 * the provider's answers said for this account and kind of task (this process, for an hour), else
 * the highest it documents. Missing, zero, negative, non-numeric or absurd is unknown: then one
 * task goes alone, and if its answer still tells none, no more tasks of unknown price are sent.
 */

export const PRICE_TTL_MS = 3600 * 1000;
/** A price above this many credits per image is not believed. */
export const MAX_PRICE_PER_IMAGE = 100_000;
/** As an AI Agent tool, one agent run makes at most this many images unless Options say otherwise. */
export const TOOL_MAX_IMAGES = 10;

/** Credits per image, or undefined when the figure is not a price. */
export function usablePrice(credits: unknown, images: number): number | undefined {
	if (typeof credits !== 'number' || !Number.isFinite(credits) || images < 1) return undefined;
	const perImage = credits / images;
	return perImage > 0 && perImage <= MAX_PRICE_PER_IMAGE ? perImage : undefined;
}

/** The account a credential bills: its key (hashed) and its Base URL. */
export function accountOf(apiKey: unknown, baseUrl: string): string {
	return sha256(`${String(apiKey ?? '')}\n${baseUrl}`).slice(0, 32);
}

/** Credits per image seen in answers, by account and kind of task (bounded). */
const prices = new Map<string, { perImage: number; at: number }>();

/** Forgets every price, as a new process would (tests). */
export function forgetPrices(): void {
	prices.clear();
}

/** One task to admit: its kind (provider, model, priced fields), images, documented price. */
export interface Kind {
	key: string;
	images: number;
	/** Credits per image from the provider's published table (its highest reading). */
	documented?: number;
}

export function kindOf(adapter: ProviderAdapter, request: ImageRequest, images: number): Kind {
	const { cost } = adapter;
	const names =
		cost?.pricedBy ?? Object.keys(request.options).filter((n) => !/callback|webhook/i.test(n));
	const priced: IDataObject = Object.fromEntries(names.map((n) => [n, request.options[n]]));
	const key = `${adapter.displayName}:${request.model}:${canonical(priced)}`;
	return { key, images, documented: usablePrice(cost?.listPrice?.(request), 1) };
}

/** Why a task was not submitted: the item says it in its output (status notSubmitted). */
export interface Refusal {
	limit: 'cap' | 'balance' | 'price' | 'images';
	text: string;
}

export interface Admission {
	/** The answer came (or may have): counts the task at the price it reported, else the estimate. */
	settle(reported: unknown): void;
	/** Nothing was sent: nothing is counted, the turn passes on. */
	release(): void;
}

export interface SpendLimits {
	maxCredits?: number;
	maxImages?: number;
	/** What Check Balance First read, and what had been counted when it read it. */
	balance?: { credits: number; spentBefore: number };
}

const fmt = (n: number): string => String(Math.round(n * 100) / 100);

export class SpendControl {
	/** Set once the balance cannot cover what is left: every later admission is refused. */
	private closed?: Refusal;
	/** Tasks of this run not admitted yet, for Check Balance First once a price is learned. */
	private readonly waiting: Kind[];

	constructor(
		private readonly state: SpendState,
		private readonly limits: SpendLimits,
		private readonly account: string,
		private readonly cost: CostCapability | undefined,
		private readonly now: () => number,
		planned: Kind[] = [],
	) {
		this.waiting = [...planned];
	}

	get active(): boolean {
		const { maxCredits, maxImages, balance } = this.limits;
		return maxCredits !== undefined || maxImages !== undefined || balance !== undefined;
	}

	private priceOf(kind: Kind): number | undefined {
		const learned = prices.get(`${this.account}:${kind.key}`);
		return learned && this.now() - learned.at < PRICE_TTL_MS ? learned.perImage : kind.documented;
	}

	/** Every usable price an answer reports is learned for this account, limits on or off. */
	private learn(kind: Kind, reported: unknown): number | undefined {
		const perImage = usablePrice(reported, kind.images);
		if (perImage === undefined) return undefined;
		const key = `${this.account}:${kind.key}`;
		prices.delete(key);
		prices.set(key, { perImage, at: this.now() });
		if (prices.size > 1000) prices.delete(prices.keys().next().value!);
		return perImage;
	}

	/** Check Balance First: the tasks still to send, at their known price, must fit the balance. */
	checkBalance(): void {
		const balance = this.limits.balance;
		if (!balance || this.closed) return;
		const left = balance.credits - (this.state.spent - balance.spentBefore);
		const priced = this.waiting.filter((kind) => this.priceOf(kind) !== undefined);
		const need = priced.reduce((sum, kind) => sum + this.priceOf(kind)! * kind.images, 0);
		if (left > 0 && need <= left) return;
		const more = priced.length
			? `; the ${priced.length} task(s) to send would take about ${fmt(need)}`
			: '';
		const text = `Check Balance First: the balance of ${fmt(left)} ${this.unit} cannot cover this batch${more}. Nothing more was submitted: top up, or run fewer items.`;
		this.closed = { limit: 'balance', text };
	}

	/** Waits for this task's turn, then admits it or says why not. */
	async admit(kind: Kind): Promise<Admission | Refusal> {
		if (!this.active)
			return { settle: (reported) => this.learn(kind, reported), release: () => {} };
		const previous = this.state.turn;
		let done!: () => void;
		this.state.turn = new Promise<void>((resolve) => (done = resolve));
		await previous;
		const index = this.waiting.findIndex((k) => k.key === kind.key && k.images === kind.images);
		if (index >= 0) this.waiting.splice(index, 1);
		const refusal = this.refusal(kind);
		if (refusal) done();
		if (refusal) return refusal;
		const estimate = this.priceOf(kind);
		const settle = (reported: unknown) => {
			const perImage = this.learn(kind, reported) ?? estimate;
			if (perImage === undefined) this.state.unpriced = true;
			else this.state.spent += perImage * kind.images;
			this.state.images += kind.images;
			if (estimate === undefined) this.checkBalance();
		};
		let open = true;
		const close = (count: () => void) => {
			if (open) count();
			open = false;
			done();
		};
		return { settle: (reported) => close(() => settle(reported)), release: () => close(() => {}) };
	}

	private get unit(): string {
		return this.cost?.unit ?? 'credits';
	}

	private refusal(kind: Kind): Refusal | undefined {
		if (this.closed) return this.closed;
		const { maxCredits: cap, maxImages, balance } = this.limits;
		const { spent, images, unpriced } = this.state;
		if (maxImages !== undefined && images + kind.images > maxImages) {
			const text = `Max Images per Execution: ${images} of ${maxImages} images are asked for in this execution, and this task would pass the limit. Raise it in Options (0 = no limit).`;
			return { limit: 'images', text };
		}
		const price = this.priceOf(kind);
		const need = (price ?? 0) * kind.images;
		if (price === undefined && unpriced && (cap !== undefined || balance)) {
			const option = cap === undefined ? 'Check Balance First' : 'Max Credits per Execution';
			const text = `Not submitted: the provider's answers give no usable price for this kind of task, so ${option} cannot be kept. Switch that option off to run without it.`;
			return { limit: 'price', text };
		}
		// A task of unknown price is admitted only while nothing of the limit is used up.
		if (cap !== undefined && (price === undefined ? spent >= cap : spent + need > cap)) {
			const more = price === undefined ? '' : `, and this task would take about ${fmt(need)} more`;
			const text = `Max Credits per Execution: ${fmt(spent)} of ${fmt(cap)} ${this.unit} are used in this execution${more}. Raise the cap in Options, or run fewer items.`;
			return { limit: 'cap', text };
		}
		const left = balance ? balance.credits - (spent - balance.spentBefore) : Infinity;
		if (price === undefined ? left <= 0 : need > left) {
			const text = `Check Balance First: ${fmt(Math.max(0, left))} ${this.unit} of the balance are left, not enough for this task. Top up, or run fewer items.`;
			return { limit: 'balance', text };
		}
		return undefined;
	}
}
