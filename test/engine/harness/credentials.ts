/**
 * Credentials as n8n's CredentialsHelper serves them to a node: test data by credential type,
 * the type's defaults filled in, and its declarative `authenticate` applied to each request.
 * This package's credentials use `generic` authentication with `={{$credentials.x}}`
 * expressions only, so that is all this resolves.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	ICredentials,
	IHttpRequestOptions,
	INodeCredentialsDetails,
	INodeProperties,
} from 'n8n-workflow';
import { ICredentialsHelper } from 'n8n-workflow';

type CredentialData = ICredentialDataDecryptedObject;

/** `{{ $credentials.a.b }}` is read directly; any other `{{ ... }}` is evaluated as JavaScript. */
function evaluate(expression: string, credentials: CredentialData): unknown {
	const text = expression.trim();
	const path = /^\$credentials((?:\.[A-Za-z_$][\w$]*)+)$/.exec(text);
	if (path) {
		return path[1]
			.slice(1)
			.split('.')
			.reduce<unknown>(
				(value, key) => (value as Record<string, unknown> | undefined)?.[key],
				credentials,
			);
	}
	// A test-only stand-in for n8n's expression engine.
	return new Function('$credentials', `"use strict"; return (${text});`)(credentials) as unknown;
}

/** Resolves `=...{{ expression }}...` against credential data; other values pass through. */
export function resolveCredentialValue(value: unknown, credentials: CredentialData): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const template = value.slice(1);
	const whole = /^\s*\{\{([\s\S]*?)\}\}\s*$/.exec(template);
	if (whole) return evaluate(whole[1], credentials);
	return template.replace(/\{\{([\s\S]*?)\}\}/g, (_match, expression: string) => {
		const result = evaluate(expression, credentials);
		return result === undefined || result === null ? '' : String(result);
	});
}

/** Applies a credential type's `generic` authenticate (headers, qs, body) to a request. */
export function applyAuthentication(
	type: ICredentialType,
	credentials: CredentialData,
	request: IHttpRequestOptions,
): IHttpRequestOptions {
	const authenticate = type.authenticate;
	if (!authenticate || typeof authenticate === 'function' || authenticate.type !== 'generic')
		return request;
	const targets = authenticate.properties as Record<string, Record<string, unknown> | undefined>;
	const options = request as unknown as Record<string, Record<string, unknown> | undefined>;
	for (const [target, entries] of Object.entries(targets)) {
		if (!entries) continue;
		const merged: Record<string, unknown> = { ...(options[target] ?? {}) };
		for (const [key, raw] of Object.entries(entries))
			merged[key] = resolveCredentialValue(raw, credentials);
		options[target] = merged;
	}
	return request;
}

/** The credential's data with the defaults of its fields filled in. */
export function withDefaults(type: ICredentialType, data: CredentialData = {}): CredentialData {
	const defaults: CredentialData = {};
	for (const property of type.properties as INodeProperties[]) {
		if (property.type !== 'notice' && property.default !== undefined) {
			defaults[property.name] = structuredClone(property.default) as CredentialData[string];
		}
	}
	return { ...defaults, ...structuredClone(data) };
}

export class HarnessCredentialsHelper extends ICredentialsHelper {
	/** One entry per authenticate() call: which credential, for which URL. */
	readonly authenticated: Array<{ typeName: string; url?: string }> = [];

	constructor(
		private readonly types: Record<string, ICredentialType>,
		private readonly data: Record<string, CredentialData>,
	) {
		super();
	}

	private type(name: string): ICredentialType {
		const type = this.types[name];
		if (!type) throw new Error(`engine harness: unknown credential type "${name}"`);
		return type;
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(credentials: CredentialData, typeName: string, request: IHttpRequestOptions) {
		this.authenticated.push({ typeName, url: request.url });
		return applyAuthentication(this.type(typeName), credentials, request);
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication(): Promise<CredentialData | undefined> {
		return undefined;
	}

	async getCredentials(details: INodeCredentialsDetails, type: string): Promise<ICredentials> {
		const data = this.data[type] ?? {};
		return {
			id: details.id ?? '1',
			name: details.name,
			type,
			getData: () => structuredClone(data),
			getDataToSave: () => ({ id: details.id, name: type, type, data: '' }),
			setData: () => undefined,
			updateData: () => undefined,
		} as unknown as ICredentials;
	}

	async getDecrypted(
		_additional: unknown,
		_details: unknown,
		type: string,
	): Promise<CredentialData> {
		if (!Object.prototype.hasOwnProperty.call(this.data, type)) {
			throw new Error(`engine harness: no test data for credential type "${type}"`);
		}
		return withDefaults(this.type(type), this.data[type]);
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.type(type).properties;
	}
}
