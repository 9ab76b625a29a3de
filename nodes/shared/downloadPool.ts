/**
 * How many result images one execution downloads at once, sized by `npm run bench` (P1-4MB: 50
 * tasks finishing together with 4 MB results; in four runs on 2 cores, 8 at once took 1.98-2.39x
 * one item's time, 16 at once 1.50-1.72x, 32 and 50 1.44-1.81x: 16 is the smallest size that
 * removes most of what 8 lost).
 */
const SHIPPED = 16;
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
