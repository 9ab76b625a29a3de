import { Book } from '../../nodes/shared/ledger';
import {
	accountOf,
	forgetPrices,
	kindOf,
	PRICE_TTL_MS,
	SpendControl,
	usablePrice,
} from '../../nodes/shared/spend';
import type { Admission, Kind, Refusal, SpendLimits } from '../../nodes/shared/spend';
import { apiframeAdapter } from '../../nodes/Apiframe/Apiframe.adapter';
import { creditsPerImage } from '../../nodes/shared/output';

const kind = (images = 1, documented?: number, key = 'k'): Kind => ({ key, images, documented });
const refused = (value: Admission | Refusal): value is Refusal => 'limit' in value;
let now = 0;
const control = (limits: SpendLimits, book = new Book(), account = 'acct', planned: Kind[] = []) =>
	new SpendControl(book.spend, limits, account, apiframeAdapter.cost, () => now, planned);

beforeEach(() => {
	forgetPrices();
	now = 0;
});

describe('usablePrice: unknown means closed', () => {
	it.each([
		[undefined, 1],
		[0, 1],
		[-100, 1],
		['2.5', 1],
		[Number.NaN, 1],
		[Infinity, 1],
		[1e9, 1],
		[5, 0],
	])('%p credits for %p images is no price', (credits, images) => {
		expect(usablePrice(credits, images)).toBeUndefined();
	});

	it('is credits per image otherwise, and what the output shows', () => {
		expect(usablePrice(5, 2)).toBe(2.5);
		const snapshot = { taskId: 'x', status: 'completed' as const, imageUrls: [] };
		expect(creditsPerImage(apiframeAdapter, { ...snapshot, cost: { creditCost: 48 } }, 2)).toBe(24);
		expect(
			creditsPerImage(apiframeAdapter, { ...snapshot, cost: { creditCost: 0 } }, 2),
		).toBeNull();
	});
});

describe('SpendControl', () => {
	it('without a limit admits everything at once and still learns prices for the account', async () => {
		const free = control({});
		expect(free.active).toBe(false);
		((await free.admit(kind())) as Admission).settle(2.5);
		const capped = control({ maxCredits: 5 });
		for (let i = 0; i < 2; i++) ((await capped.admit(kind())) as Admission).settle(undefined);
		expect(refused(await capped.admit(kind()))).toBe(true);
	});

	it('admits in turns: the next admission waits for the last answer to be counted', async () => {
		const spend = control({ maxCredits: 10 });
		const first = (await spend.admit(kind())) as Admission;
		const order: string[] = [];
		const rest = [1, 2, 3, 4, 5].map(async (i) => {
			const result = await spend.admit(kind());
			order.push(refused(result) ? `refused ${i}` : `admitted ${i}`);
			if (!refused(result)) result.settle(2.5);
		});
		await new Promise((resolve) => setImmediate(resolve));
		expect(order).toEqual([]);
		first.settle(2.5);
		await Promise.all(rest);
		expect(order).toEqual(['admitted 1', 'admitted 2', 'admitted 3', 'refused 4', 'refused 5']);
	});

	it('counts every try and run of the node: the state lives in the execution book', async () => {
		const book = new Book();
		for (let attempt = 0; attempt < 3; attempt++) {
			const spend = control({ maxCredits: 5 }, book);
			const admission = await spend.admit(kind());
			if (!refused(admission)) admission.settle(2.5);
		}
		expect(book.spend.spent).toBe(5);
		expect(refused(await control({ maxCredits: 5 }, book).admit(kind()))).toBe(true);
	});

	it('an unknown price: one task goes alone, and an answer without a price stops the rest', async () => {
		const spend = control({ maxCredits: 100 });
		((await spend.admit(kind())) as Admission).settle(0);
		const next = await spend.admit(kind());
		expect(refused(next) && next.limit).toBe('price');
		expect(refused(next) && next.text).toMatch(
			/give no usable price.*Max Credits per Execution cannot be kept/,
		);
		// A kind whose price is documented may still go, at that price.
		const documented = await spend.admit(kind(1, 24, 'other'));
		expect(refused(documented)).toBe(false);
	});

	it('a documented price counts when the answer gives none, and a learned one wins over it', async () => {
		const book = new Book();
		const spend = control({ maxCredits: 50 }, book);
		((await spend.admit(kind(1, 24))) as Admission).settle(undefined);
		expect(book.spend.spent).toBe(24);
		((await spend.admit(kind(1, 24))) as Admission).settle(9);
		((await spend.admit(kind(1, 24))) as Admission).settle(9);
		expect(book.spend.spent).toBe(42);
		// 9 a task now: one more fits under 50 (42 + 9 = 51 does not).
		expect(refused(await spend.admit(kind(1, 24)))).toBe(true);
	});

	it('prices belong to an account and expire', async () => {
		((await control({}, new Book(), 'gateway').admit(kind())) as Admission).settle(0.01);
		((await control({}, new Book(), 'account').admit(kind())) as Admission).settle(2.5);
		const gateway = control({ maxCredits: 0.02 }, new Book(), 'gateway');
		((await gateway.admit(kind())) as Admission).settle(0.01);
		((await gateway.admit(kind())) as Admission).settle(0.01);
		expect(refused(await gateway.admit(kind()))).toBe(true);
		const account = control({ maxCredits: 5 }, new Book(), 'account');
		((await account.admit(kind())) as Admission).settle(undefined);
		((await account.admit(kind())) as Admission).settle(undefined);
		expect(refused(await account.admit(kind()))).toBe(true);
		now = PRICE_TTL_MS + 1;
		// Forgotten: the next task of this account must learn again, alone.
		const relearn = control({ maxCredits: 100 }, new Book(), 'account');
		((await relearn.admit(kind())) as Admission).settle(undefined);
		expect(refused(await relearn.admit(kind()))).toBe(true);
		expect(accountOf('key', 'https://a')).not.toBe(accountOf('key', 'https://b'));
	});

	it('Check Balance First refuses a batch its balance cannot cover at a known price, before anything', async () => {
		const planned = [kind(2, 24), kind(2, 24)];
		const spend = control({ balance: { credits: 90, spentBefore: 0 } }, new Book(), 'a', planned);
		spend.checkBalance();
		const result = await spend.admit(kind(2, 24));
		expect(refused(result) && result.text).toMatch(
			/^Check Balance First: the balance of 90 .* would take about 96/,
		);
	});

	it('Check Balance First with an unknown price: the learner teaches it, then the rest must fit', async () => {
		const planned = [kind(), kind(), kind(), kind()];
		const spend = control({ balance: { credits: 6, spentBefore: 0 } }, new Book(), 'a', planned);
		spend.checkBalance();
		((await spend.admit(kind())) as Admission).settle(2.5);
		expect(refused(await spend.admit(kind()))).toBe(true);
	});

	it('the image limit counts images, priced or not', async () => {
		const spend = control({ maxImages: 3 });
		((await spend.admit(kind(2))) as Admission).settle(undefined);
		const over = await spend.admit(kind(2));
		expect(refused(over) && over.limit).toBe('images');
		((await spend.admit(kind(1))) as Admission).release();
		((await spend.admit(kind(1))) as Admission).settle(undefined);
		expect(refused(await spend.admit(kind(1)))).toBe(true);
	});
});

describe('SpendControl, exactly', () => {
	const texts = async (spend: SpendControl, k: Kind) => {
		const result = await spend.admit(k);
		return refused(result) ? result : undefined;
	};

	it('takes a price of exactly the most believed per image, not more; per image, over the images', () => {
		expect(usablePrice(100_000, 1)).toBe(100_000);
		expect(usablePrice(100_001, 1)).toBeUndefined();
		expect(usablePrice(200_000, 2)).toBe(100_000);
		expect(usablePrice(Number.NaN, 2)).toBeUndefined();
		expect(usablePrice(3, 1)).toBe(3);
	});

	it('an account is the key and the Base URL, hashed to 32 hex characters', () => {
		expect(accountOf('key', 'https://a')).toMatch(/^[0-9a-f]{32}$/);
		expect(accountOf('key', 'https://a')).toBe(accountOf('key', 'https://a'));
		expect(accountOf('key', 'https://a')).not.toBe(accountOf('other', 'https://a'));
		expect(accountOf(undefined, 'https://a')).toBe(accountOf('', 'https://a'));
	});

	it('a kind of task is the provider, model and priced fields; callback fields never price it', () => {
		const request = (options: Record<string, unknown>) => ({
			operation: 'generate' as const,
			model: 'gpt-image-1.5',
			prompt: 'p',
			imageCount: 1,
			imageUrls: [],
			options: options as never,
		});
		const unified = { ...apiframeAdapter, displayName: 'EvoLink', cost: undefined };
		const a = kindOf(
			unified,
			request({ size: '1:1', callbackUrl: 'https://x', webhookEvents: ['a'] }),
			2,
		);
		const b = kindOf(unified, request({ size: '1:1' }), 2);
		expect(a).toEqual({
			key: 'EvoLink:gpt-image-1.5:{"size":"1:1"}',
			images: 2,
			documented: undefined,
		});
		expect(b.key).toBe(a.key);
		expect(kindOf(unified, request({ size: '2:3' }), 1).key).not.toBe(a.key);
		// Apiframe prices by quality only, with its published table.
		const priced = kindOf(apiframeAdapter, request({ quality: 'low', aspectRatio: '3:2' }), 1);
		expect(priced).toEqual({
			key: 'Apiframe:gpt-image-1.5:{"quality":"low"}',
			images: 1,
			documented: 4,
		});
	});

	it('a learned price lasts exactly an hour, on the wall clock', async () => {
		const HOUR = 3_600_000;
		expect(PRICE_TTL_MS).toBe(HOUR);
		const start = Date.UTC(2026, 11, 6);
		now = start;
		((await control({}).admit(kind())) as Admission).settle(2.5);
		now = start + HOUR - 1;
		const within = control({ maxCredits: 2.5 });
		((await within.admit(kind())) as Admission).settle(undefined);
		expect((await texts(within, kind()))?.limit).toBe('cap');
		now = start + HOUR;
		const after = control({ maxCredits: 100 });
		((await after.admit(kind())) as Admission).settle(undefined);
		// Forgotten: the answer gave no price, so the next task of unknown price is refused.
		expect((await texts(after, kind()))?.limit).toBe('price');
	});

	it('keeps at most 1,000 learned prices, the oldest going first', async () => {
		for (let i = 0; i <= 1000; i++)
			((await control({}).admit(kind(1, undefined, `k${i}`))) as Admission).settle(1);
		const oldest = control({ maxCredits: 1 });
		((await oldest.admit(kind(1, undefined, 'k0'))) as Admission).settle(undefined);
		expect((await texts(oldest, kind(1, undefined, 'k0')))?.limit).toBe('price');
		// Exactly one went: the second oldest is still known.
		for (const key of ['k1', 'k1000']) {
			const known = control({ maxCredits: 1 });
			((await known.admit(kind(1, undefined, key))) as Admission).settle(undefined);
			expect((await texts(known, kind(1, undefined, key)))?.limit).toBe('cap');
		}
	});

	it('says exactly why, in the unit of the provider', async () => {
		const capped = control({ maxCredits: 5 });
		((await capped.admit(kind(2, 2))) as Admission).settle(4);
		expect(await texts(capped, kind(1, 2))).toEqual({
			limit: 'cap',
			text: 'Max Credits per Execution: 4 of 5 Apiframe credits are used in this execution, and this task would take about 2 more. Raise the cap in Options, or run fewer items.',
		});
		const learner = control({ maxCredits: 4 }, new Book(), 'fresh');
		((await learner.admit(kind(1, undefined, 'u'))) as Admission).settle(4);
		expect((await texts(learner, kind(1, undefined, 'v')))?.text).toBe(
			'Max Credits per Execution: 4 of 4 Apiframe credits are used in this execution. Raise the cap in Options, or run fewer items.',
		);
		const images = control({ maxImages: 2 });
		((await images.admit(kind(2))) as Admission).settle(undefined);
		expect(await texts(images, kind(1))).toEqual({
			limit: 'images',
			text: 'Max Images per Execution: 2 of 2 images are asked for in this execution, and this task would pass the limit. Raise it in Options (0 = no limit).',
		});
		const unpriced = control({ maxCredits: 10 });
		const never = kind(1, undefined, 'never');
		((await unpriced.admit(never)) as Admission).settle(undefined);
		expect(await texts(unpriced, never)).toEqual({
			limit: 'price',
			text: "Not submitted: the provider's answers give no usable price for this kind of task, so Max Credits per Execution cannot be kept. Switch that option off to run without it.",
		});
		const balanceOnly = control({ balance: { credits: 10, spentBefore: 0 } });
		((await balanceOnly.admit(never)) as Admission).settle(undefined);
		expect((await texts(balanceOnly, never))?.text).toBe(
			"Not submitted: the provider's answers give no usable price for this kind of task, so Check Balance First cannot be kept. Switch that option off to run without it.",
		);
	});

	it('Check Balance First counts what was spent since it read the balance, to the credit', async () => {
		const book = new Book();
		book.spend.spent = 100;
		const planned = [kind(1, 3), kind(1, 3), kind(1, 3)];
		const exact = control({ balance: { credits: 9, spentBefore: 100 } }, book, 'a', planned);
		exact.checkBalance();
		for (let i = 0; i < 3; i++) ((await exact.admit(kind(1, 3))) as Admission).settle(3);
		expect(await texts(exact, kind(1, 3))).toEqual({
			limit: 'balance',
			text: 'Check Balance First: 0 Apiframe credits of the balance are left, not enough for this task. Top up, or run fewer items.',
		});
		const short = control({ balance: { credits: 8.99, spentBefore: 100 } }, book, 'a', planned);
		short.checkBalance();
		expect(await texts(short, kind(1, 3))).toEqual({
			limit: 'balance',
			text: 'Check Balance First: the balance of -0.01 Apiframe credits cannot cover this batch; the 3 task(s) to send would take about 9. Nothing more was submitted: top up, or run fewer items.',
		});
	});

	it('an empty or spent balance refuses a task of unknown price; a positive one lets one learn', async () => {
		const empty = control({ balance: { credits: 0, spentBefore: 0 } }, new Book(), 'a', [kind()]);
		empty.checkBalance();
		expect((await texts(empty, kind()))?.text).toBe(
			'Check Balance First: the balance of 0 Apiframe credits cannot cover this batch. Nothing more was submitted: top up, or run fewer items.',
		);
		// Task by task (no batch checked first): nothing left refuses a task of unknown price.
		const spent = control({ balance: { credits: 0, spentBefore: 0 } });
		expect(await texts(spent, kind())).toEqual({
			limit: 'balance',
			text: 'Check Balance First: 0 Apiframe credits of the balance are left, not enough for this task. Top up, or run fewer items.',
		});
		const some = control({ balance: { credits: 1, spentBefore: 0 } });
		expect(await texts(some, kind())).toBeUndefined();
	});

	it('after the learner, the rest of the batch must fit what is left, at the learned price', async () => {
		const planned = [kind(), kind(), kind()];
		const fits = control({ balance: { credits: 7.5, spentBefore: 0 } }, new Book(), 'b', planned);
		fits.checkBalance();
		((await fits.admit(kind())) as Admission).settle(2.5);
		expect(await texts(fits, kind())).toBeUndefined();
		const tight = control({ balance: { credits: 7.4, spentBefore: 0 } }, new Book(), 'c', planned);
		tight.checkBalance();
		((await tight.admit(kind())) as Admission).settle(2.5);
		expect((await texts(tight, kind()))?.text).toMatch(
			/^Check Balance First: the balance of 4\.9 /,
		);
	});

	it('the waiting list forgets only the kind admitted: another kind left over still counts', async () => {
		const planned = [kind(1, undefined, 'a'), kind(2, undefined, 'b')];
		const spend = control({ balance: { credits: 7, spentBefore: 0 } }, new Book(), 'd', planned);
		spend.checkBalance();
		((await spend.admit(kind(1, undefined, 'a'))) as Admission).settle(2.5);
		// Kind b (2 images, same price per image once learned? no: its own kind, still unknown).
		expect(await texts(spend, kind(2, undefined, 'b'))).toBeUndefined();
	});

	it('settling or releasing twice counts once and frees the turn once', async () => {
		const book = new Book();
		const spend = control({ maxCredits: 100 }, book);
		const first = (await spend.admit(kind(2, 3))) as Admission;
		first.settle(6);
		first.settle(6);
		first.release();
		expect(book.spend).toMatchObject({ spent: 6, images: 2 });
		const second = (await spend.admit(kind(1, 3))) as Admission;
		second.release();
		second.settle(3);
		expect(book.spend).toMatchObject({ spent: 6, images: 2 });
	});

	it('counts a known price times the images when the answer gives none', async () => {
		const book = new Book();
		const spend = control({ maxCredits: 100 }, book);
		((await spend.admit(kind(3, 2))) as Admission).settle(undefined);
		expect(book.spend.spent).toBe(6);
	});

	it('without a limit nothing takes turns: admissions do not wait for answers', async () => {
		const free = control({});
		const first = (await free.admit(kind())) as Admission;
		const second = (await free.admit(kind())) as Admission;
		first.settle(2.5);
		second.settle(2.5);
		expect(refused(first) || refused(second)).toBe(false);
	});

	it('a known price is counted over the images of the task, in the cap text too', async () => {
		const capped = control({ maxCredits: 5 });
		((await capped.admit(kind(1, 2))) as Admission).settle(2);
		expect((await texts(capped, kind(2, 2)))?.text).toBe(
			'Max Credits per Execution: 2 of 5 Apiframe credits are used in this execution, and this task would take about 4 more. Raise the cap in Options, or run fewer items.',
		);
	});

	it('Check Balance First, task by task: a known price must fit what is left, and the text says what is', async () => {
		const spend = control({ balance: { credits: 4, spentBefore: 0 } });
		((await spend.admit(kind(1, 3))) as Admission).settle(3);
		expect(await texts(spend, kind(1, 3))).toEqual({
			limit: 'balance',
			text: 'Check Balance First: 1 Apiframe credits of the balance are left, not enough for this task. Top up, or run fewer items.',
		});
	});

	it('Check Balance First forgets from the batch exactly the task admitted, whatever the order', async () => {
		const batch = (credits: number, account: string, planned: Kind[]) => {
			const spend = control({ balance: { credits, spentBefore: 0 } }, new Book(), account, planned);
			spend.checkBalance();
			return spend;
		};
		const cannotCover =
			/^Check Balance First: the balance of 7 Apiframe credits cannot cover this batch; the 1 task\(s\) to send would take about 10\./;
		// Admitted second in the plan: the first (another kind) still waits and must still fit.
		const second = batch(12, 'a', [kind(1, 10, 'b'), kind(1, undefined, 'a')]);
		((await second.admit(kind(1, undefined, 'a'))) as Admission).settle(5);
		expect((await texts(second, kind(1, 10, 'b')))?.text).toMatch(cannotCover);
		// Same kind, other image count: the 2-image task still waits, at the learned 5 per image.
		const images = batch(12, 'c', [kind(2, undefined, 'a'), kind(1, undefined, 'a')]);
		((await images.admit(kind(1, undefined, 'a'))) as Admission).settle(5);
		expect((await texts(images, kind(2, undefined, 'a')))?.text).toMatch(cannotCover);
		// A task that was not in the plan takes nothing off it.
		const unplanned = batch(12, 'd', [kind(1, 10, 'b')]);
		((await unplanned.admit(kind(1, undefined, 'x'))) as Admission).settle(5);
		expect((await texts(unplanned, kind(1, 10, 'b')))?.text).toMatch(cannotCover);
		// The only task of the plan, once admitted, is no longer waiting: another may still fit.
		const only = batch(8, 'e', [kind(1, undefined, 'a')]);
		((await only.admit(kind(1, undefined, 'a'))) as Admission).settle(5);
		expect(await texts(only, kind(1, 2, 'z'))).toBeUndefined();
	});
});
