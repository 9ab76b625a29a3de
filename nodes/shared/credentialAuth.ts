import type { ICredentialType, IDataObject } from 'n8n-workflow';

/**
 * The headers a credential's own `authenticate` adds, for the one place n8n does not apply it
 * for us: a credential test function only gets `helpers.request`, which knows no credential.
 * Reading them from the credential class keeps the header in one place. Our credentials use
 * `generic` authentication with `{{$credentials.<field>}}` references only; anything else is
 * refused here rather than sent half-resolved.
 */

const REFERENCE = /\{\{\s*\$credentials\.([A-Za-z_$][\w$]*)\s*\}\}/g;

/** `=Bearer {{$credentials.apiKey}}` -> `Bearer <apiKey>`; a value without `=` is literal. */
export function resolveCredentialText(value: string, credentials: IDataObject): string {
	if (!value.startsWith('=')) return value;
	const resolved = value.slice(1).replace(REFERENCE, (_match, field: string) => {
		const data = credentials[field];
		return data === undefined || data === null ? '' : String(data);
	});
	if (resolved.includes('{{')) {
		throw new Error(
			`Only {{$credentials.<field>}} can be resolved in a credential test, not "${value}"`,
		);
	}
	return resolved;
}

/** The request headers of a credential's generic `authenticate`, resolved against its data. */
export function credentialHeaders(
	type: ICredentialType,
	credentials: IDataObject,
): Record<string, string> {
	const authenticate = type.authenticate;
	if (!authenticate || typeof authenticate === 'function' || authenticate.type !== 'generic') {
		throw new Error(`Credential "${type.name}" has no generic authenticate to test with`);
	}
	const { headers, ...others } = authenticate.properties;
	const unsupported = Object.entries(others)
		.filter(([, value]) => value !== undefined)
		.map(([key]) => key);
	if (unsupported.length > 0) {
		throw new Error(
			`Credential "${type.name}" authenticates with ${unsupported.join(', ')}; only headers are supported`,
		);
	}
	return Object.fromEntries(
		Object.entries(headers ?? {}).map(([name, value]) => [
			name,
			resolveCredentialText(String(value), credentials),
		]),
	);
}
