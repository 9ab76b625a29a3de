/**
 * Makes the engine's copy of the nodes (dist) forget the prices it learned, as a new n8n process
 * would, so one test's answers do not teach the next.
 */
import * as path from 'node:path';

import { REPO_ROOT } from '../engine/harness';

export function forgetPrices(): void {
	const spend = require(path.join(REPO_ROOT, 'dist/nodes/shared/spend')) as {
		priceBook?: { clear(): void };
		forgetPrices?: () => void;
	};
	if (spend.forgetPrices) spend.forgetPrices();
	else spend.priceBook?.clear();
}
