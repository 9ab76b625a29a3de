import { Book } from '../../nodes/shared/ledger';
import {
	accountOf,
	forgetPrices,
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
