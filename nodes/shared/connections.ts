import { NodeConnectionTypes } from 'n8n-workflow';
import type { NodeConnectionType } from 'n8n-workflow';

/**
 * The main input/output of a node. n8n-workflow 1.81 and older (n8n 1.83 and older) have no
 * NodeConnectionTypes object, only the older NodeConnectionType enum, and reading
 * `NodeConnectionTypes.Main` there throws while n8n loads the node. The value has been
 * 'main' in every version, so the nodes fall back to it rather than fail to load.
 */
export const MAIN_CONNECTION: NodeConnectionType =
	(NodeConnectionTypes as Partial<typeof NodeConnectionTypes> | undefined)?.Main ?? 'main';
