/**
 * A counting semaphore whose waiters are served in arrival order, so items start in input order
 * and a large item cannot be overtaken forever by small ones.
 */
export class Semaphore {
	private available: number;
	private readonly queue: Array<{ weight: number; start: () => void }> = [];

	constructor(private readonly capacity: number) {
		this.available = capacity;
	}

	async acquire(weight: number): Promise<number> {
		const granted = Math.min(Math.max(1, weight), this.capacity);
		if (this.queue.length === 0 && this.available >= granted) {
			this.available -= granted;
			return granted;
		}
		await new Promise<void>((start) => this.queue.push({ weight: granted, start }));
		return granted;
	}

	release(weight: number): void {
		this.available += weight;
		while (this.queue.length > 0 && this.available >= this.queue[0].weight) {
			const next = this.queue.shift()!;
			this.available -= next.weight;
			next.start();
		}
	}
}
