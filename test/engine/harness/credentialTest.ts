/**
 * What n8n's "Test credential" button does for a credential with a `test.request`: the request
 * is built from the credential's data (expressions resolved), authenticated, and sent; 2xx is
 * OK, anything else an error whose message a `responseCode` rule may set.
 */
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { applyAuthentication, resolveCredentialValue, withDefaults } from './credentials';
import { loadPackage } from './package';

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	httpStatus?: number;
	message: string;
}

function resolveDeep(value: unknown, data: ICredentialDataDecryptedObject): unknown {
	if (Array.isArray(value)) return value.map((v) => resolveDeep(v, data));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, data)]));
	}
	return resolveCredentialValue(value, data);
}

export async function testCredential(
	typeName: string,
	data: ICredentialDataDecryptedObject,
	timeoutMs = 10000,
): Promise<CredentialTestResult> {
	const type = loadPackage().credentialTypes[typeName];
	if (!type?.test) throw new Error(`engine harness: credential "${typeName}" has no test request`);
	const credentials = withDefaults(type, data);
	const request = resolveDeep(
		structuredClone(type.test.request),
		credentials,
	) as IHttpRequestOptions;
	const options = applyAuthentication(type, credentials, {
		...request,
		method: request.method ?? 'GET',
		headers: { ...(request.headers ?? {}) },
	});
	const url = `${String(options.baseURL ?? '').replace(/\/+$/, '')}/${String(options.url ?? '').replace(/^\/+/, '')}`;
	let response: Response;
	try {
		response = await fetch(url, {
			method: options.method,
			headers: options.headers as Record<string, string>,
			signal: AbortSignal.timeout(timeoutMs),
		});
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause;
		return { status: 'Error', message: cause?.code ?? (error as Error).message };
	}
	await response.text();
	if (response.status >= 200 && response.status < 300) {
		return { status: 'OK', httpStatus: response.status, message: 'Connection successful!' };
	}
	const rule = (type.test.rules ?? []).find(
		(r) => r.type === 'responseCode' && r.properties.value === response.status,
	);
	const message = rule?.type === 'responseCode' ? rule.properties.message : response.statusText;
	return { status: 'Error', httpStatus: response.status, message };
}
