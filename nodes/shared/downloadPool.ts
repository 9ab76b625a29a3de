/**
 * How many result images one execution downloads at once, sized by `npm run bench` (P1-4MB: 50
 * tasks finishing together with 4 MB results; in three runs on 2 cores, 16 at once took 1.50-1.72x
 * one item's time, 8 at once 2.00-2.39x, 32 and 50 no better than 16 and with more memory).
 */
let size = 16;

export function downloadPoolSize(): number {
	return size;
}

/**
 * Only the benchmark changes it, to measure other sizes side by side; n8n never calls it, so
 * nodes in n8n always use the size above.
 */
export function useDownloadPool(value = 16): void {
	size = value;
}
