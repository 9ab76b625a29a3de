/**
 * The owner's REST API of a running n8n, as the editor uses it: owner setup, workflows run by
 * hand, executions (decoded from n8n's "flatted" encoding) and Data Tables.
 */
import * as path from 'node:path';

import { HOST_DIR } from './n8nProcess';

/** Creates the owner account through the REST API, as the setup screen does; returns the auth cookie. */
export async function setupOwner(base: string): Promise<string> {
	const owner = {
		email: 'owner@example.com',
		firstName: 'Test',
		lastName: 'Owner',
		password: 'E2e-Passw0rd-long',
	};
	const response = await fetch(`${base}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(owner),
	});
	const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
	if (response.status !== 200 || !cookie.startsWith('n8n-auth='))
		throw new Error(`owner setup answered ${response.status} without an n8n-auth cookie`);
	return cookie;
}
/** The owner's REST API, the one the editor uses, with the cookie `setupOwner` returned. */
export function restClient(base: string, cookie: string) {
	async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
		const response = await fetch(`${base}/rest${url}`, {
			method,
			headers: { cookie, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (response.status !== 200)
			throw new Error(`${method} /rest${url} answered ${response.status}: ${text}`);
		return (JSON.parse(text) as { data: T }).data;
	}
	return {
		get: async <T>(url: string) => await call<T>('GET', url),
		post: async <T>(url: string, body: unknown = {}) => await call<T>('POST', url, body),
		/** The owner's personal project, where the editor creates workflows and Data Tables. */
		async personalProjectId(): Promise<string> {
			return (await call<{ id: string }>('GET', '/projects/personal')).id;
		},
		/** Creates a Data Table as the editor's "Create data table" dialog does; returns its ID. */
		async createDataTable(
			projectId: string,
			name: string,
			columns: Array<{ name: string; type: 'string' | 'number' | 'boolean' | 'date' }>,
		): Promise<string> {
			const table = await call<{ id: string }>('POST', `/projects/${projectId}/data-tables`, {
				name,
				columns,
			});
			return table.id;
		},
		async dataTableRows(projectId: string, tableId: string): Promise<DataTableRow[]> {
			const page = await call<{ data: DataTableRow[] }>(
				'GET',
				`/projects/${projectId}/data-tables/${tableId}/rows?take=1000`,
			);
			return page.data;
		},
		/** Starts a saved workflow as the editor's "Execute workflow" button does; returns the execution ID. */
		async runManually(workflowId: string, triggerName: string): Promise<string> {
			const started = await call<{ executionId: string }>('POST', `/workflows/${workflowId}/run`, {
				triggerToStartFrom: { name: triggerName },
			});
			return started.executionId;
		},
		/** Up to 100 executions of a workflow, newest first, as the executions list shows them. */
		async executions(workflowId: string, startedAfter?: Date): Promise<ExecutionSummary[]> {
			const filter = {
				workflowId,
				...(startedAfter ? { startedAfter: startedAfter.toISOString() } : {}),
			};
			const page = await call<{ results: ExecutionSummary[] }>(
				'GET',
				`/executions?limit=100&filter=${encodeURIComponent(JSON.stringify(filter))}`,
			);
			return page.results;
		},
		/** One execution as the editor opens it: its fields, custom data and the decoded run data. */
		async execution(id: string): Promise<ExecutionDetail> {
			const { data, ...fields } = await call<ExecutionSummary & { data: string }>(
				'GET',
				`/executions/${id}`,
			);
			return { ...fields, data: flatted().parse(data) as ExecutionDetail['data'] };
		},
	};
}

export type DataTableRow = Record<string, unknown> & { id: number; createdAt: string };

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	mode: string;
	status: string;
	startedAt: string | null;
	stoppedAt: string | null;
	customData?: Record<string, string>;
}

export interface ExecutionItem {
	json: Record<string, unknown>;
	binary?: Record<string, { mimeType: string; fileName?: string; id?: string; bytes?: number }>;
	pairedItem?: unknown;
}

export interface ExecutionDetail extends ExecutionSummary {
	data: {
		resultData: {
			error?: { message: string; description?: string; name?: string };
			runData: Record<
				string,
				Array<{
					executionStatus?: string;
					error?: { message: string; name?: string };
					data?: { main: ExecutionItem[][] };
				}>
			>;
			metadata?: Record<string, string>;
		};
	};
}

/** Execution data comes in n8n's "flatted" encoding; n8n's own copy of flatted reads it. */
export function flatted(): { parse(text: string): unknown } {
	return require(
		require.resolve('flatted', { paths: [path.join(HOST_DIR, 'node_modules', 'n8n')] }),
	) as { parse(text: string): unknown };
}
