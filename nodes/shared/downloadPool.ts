/**
 * How many result images one execution downloads at once (sized by `npm run bench`, figure
 * P1-4MB: 50 tasks finishing together with 4 MB results).
 */
let size = 8;

export function downloadPoolSize(): number {
	return size;
}

/**
 * Only the benchmark changes it, to measure other sizes side by side; n8n never calls it, so
 * nodes in n8n always use the size above.
 */
export function useDownloadPool(value = 8): void {
	size = value;
}
