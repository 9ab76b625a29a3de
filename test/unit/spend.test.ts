import { priceBook, SpendGuard, SpendRefusal } from '../../nodes/shared/spend';
import type { Admission, PlannedTask } from '../../nodes/shared/spend';

const task = (key = 'k', images = 1, listPrice?: number): PlannedTask => ({
	key,
	images,
	listPrice,
});
const isRefusal = (value: unknown): value is SpendRefusal => value instanceof SpendRefusal;

beforeEach(() => priceBook.clear());

describe('SpendGuard', () => {
	it('does nothing without a cap or a balance', async () => {
		const guard = new SpendGuard({});
		expect(guard.active).toBe(false);
		const admitted = (await guard.admit(task(), 0)) as Admission;
		admitted.settle(1000);
		expect(guard.spentCredits).toBe(0);
	});

	it('lets one task learn an unknown price while the others wait, then admits by that price', async () => {
		const guard = new SpendGuard({ maxCredits: 10 });
		const learner = (await guard.admit(task(), 0)) as Admission;
		const order: string[] = [];
		const waiting = [1, 2, 3, 4, 5].map(async (i) => {
			const result = await guard.admit(task(), i);
			order.push(isRefusal(result) ? `refused ${i}` : `admitted ${i}`);
			if (!isRefusal(result)) result.settle(2.5);
		});
		await new Promise((resolve) => setImmediate(resolve));
		expect(order).toEqual([]);
		learner.settle(2.5);
		await Promise.all(waiting);
		// 2.5 spent by the learner; 3 more fit under 10, the fifth would pass it.
		expect(order.filter((o) => o.startsWith('admitted'))).toHaveLength(3);
		expect(order.filter((o) => o.startsWith('refused'))).toHaveLength(2);
		expect(guard.spentCredits).toBe(10);
		expect(priceBook.get('k')).toBe(2.5);
	});

	it('a learner that fails hands the lesson to the next task', async () => {
		const guard = new SpendGuard({ maxCredits: 10 });
		const first = (await guard.admit(task(), 0)) as Admission;
		const second = guard.admit(task(), 1);
		first.release();
		const next = (await second) as Admission;
		expect(isRefusal(next)).toBe(false);
		next.settle(4);
		expect(guard.spentCredits).toBe(4);
	});

	it('uses a published price at once and counts reserved credits against the cap', async () => {
		const guard = new SpendGuard({ maxCredits: 50 });
		const a = await guard.admit(task('k', 1, 24), 0);
		const b = await guard.admit(task('k', 1, 24), 1);
		const c = await guard.admit(task('k', 1, 24), 2);
		expect([a, b].every((x) => !isRefusal(x))).toBe(true);
		expect(isRefusal(c)).toBe(true);
		expect((c as SpendRefusal).message).toMatch(/cap of 50/);
		expect((c as SpendRefusal).description).toMatch(/48 .* spent or reserved .* about 24 more/);
		// An answer without a cost is counted at the estimate.
		(a as Admission).settle(undefined);
		expect(guard.spentCredits).toBe(24);
	});

	it('a price the answers taught wins over the published one', async () => {
		priceBook.set('k', 14);
		const guard = new SpendGuard({ maxCredits: 30 });
		expect(guard.priceOf(task('k', 1, 24))).toBe(14);
		expect(isRefusal(await guard.admit(task('k', 2, 24), 0))).toBe(false);
	});

	it('Check Balance First refuses a batch whose known price exceeds the balance, before anything', () => {
		const planned = [task('k', 1, 24), task('k', 1, 24), task('k', 1, 24)];
		expect(new SpendGuard({ balance: 72 }, planned).checkBatch()).toBeUndefined();
		const short = new SpendGuard({ balance: 50 }, planned).checkBatch();
		expect(short?.message).toMatch(/^Check Balance First/);
		expect(short?.description).toMatch(/balance is 50 .* 3 task\(s\) .* about 72/);
		expect(new SpendGuard({ balance: 0 }, [task()]).checkBatch()?.description).toMatch(
			/balance is 0 credits\. Top up/,
		);
	});

	it('with an unknown price, the rest of the batch is checked once the first answer tells it', async () => {
		const planned = [task(), task(), task(), task()];
		const guard = new SpendGuard({ balance: 6 }, planned);
		expect(guard.checkBatch()).toBeUndefined();
		const learner = (await guard.admit(task(), 0)) as Admission;
		learner.settle(2.5);
		// 3.5 left; 3 more tasks would take 7.5.
		const next = await guard.admit(task(), 1);
		expect(isRefusal(next)).toBe(true);
		expect((next as SpendRefusal).reason).toBe('balance');
		expect(guard.refusedItems).toEqual(new Set([1]));
	});
});
