/**
 * How many result images one execution downloads at once, sized by `npm run bench` (P1-4MB: 50
 * tasks finishing together with 4 MB results, each with a 200 ms first byte). Five runs on 2
 * cores, ratio to one item's time: 8 at once 1.74-1.79, 16 at once 1.34-1.51, 32 1.31-1.38, 50
 * 1.25-1.36. Below 50 the downloads wait in turns of the first byte; at 50 they are bound by
 * bytes per second only. Each download streams (64 KB at a time), so 50 at once add about 20 MB.
 */
const SHIPPED = 50;
let size = SHIPPED;

export function downloadPoolSize(): number {
	return size;
}

/**
 * Only the benchmark changes it, to measure other sizes side by side; n8n never calls it, so
 * nodes in n8n always use the size above.
 */
export function useDownloadPool(value = SHIPPED): void {
	size = value;
}
