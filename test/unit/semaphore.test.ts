import { Semaphore } from '../../nodes/shared/concurrency';

/** Lets pending promise callbacks run. */
const flush = async () => await new Promise((resolve) => setImmediate(resolve));

describe('Semaphore (Max Concurrent Tasks)', () => {
	it('grants up to its capacity at once and queues the rest in arrival order', async () => {
		const limit = new Semaphore(3);
		const started: string[] = [];
		const take = (name: string, weight: number) =>
			limit.acquire(weight).then((granted) => started.push(name) && granted);
		const a = take('a', 2);
		const b = take('b', 2);
		const c = take('c', 1);
		await flush();
		// b does not fit next to a; c would, but it must not overtake b.
		expect(started).toEqual(['a']);
		limit.release(await a);
		await flush();
		expect(started).toEqual(['a', 'b', 'c']);
		limit.release(await b);
		limit.release(await c);
	});

	it('clamps a weight to 1..capacity, so one large item cannot block forever', async () => {
		const limit = new Semaphore(2);
		expect(await limit.acquire(5)).toBe(2);
		limit.release(2);
		expect(await limit.acquire(0)).toBe(1);
	});
});
