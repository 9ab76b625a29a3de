import type { IDataObject } from 'n8n-workflow';

/**
 * The one masking step for text from outside (a provider's answers, a caller's callback body, a
 * network error): whatever it repeats of the credential's secrets, the trigger's shared secret or
 * a signed URL's tokens is replaced by "***", and control characters (which would split a log
 * line or hide part of it) by a space. Texts are masked before anything is cut from them, so no
 * part of a secret survives a shortened message.
 */

const HIDDEN = '***';

/** Query parameters that carry a signature, a token or a key (S3, GCS, Azure SAS, CDNs, OAuth). */
const TOKEN_PARAMETER =
	/([?&;][\w.-]*(?:sig|signature|token|credential|secret|password|passwd|key|auth|session|policy|jwt|code)[\w.-]*=)[^&#\s"'<>]*/gi;
/** The trigger's webhook path with a shared secret: …/gpt-image/<secret>. */
const TRIGGER_SECRET_PATH = /(\/gpt-image\/)[A-Za-z0-9_-]{16,128}/g;
/** A user name and password inside a URL. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@"'<>]+@/gi;
const BEARER = /(\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;

/** C0 and C1 control characters and the Unicode line and paragraph separators. */
function isControl(code: number): boolean {
	return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/** The text with each run of control characters replaced by one space. */
export function withoutControls(text: string): string {
	let out = '';
	let inRun = false;
	for (const char of text) {
		const control = isControl(char.codePointAt(0)!);
		if (!control) out += char;
		else if (!inRun) out += ' ';
		inRun = control;
	}
	return out;
}

/** The credential's secret values (API keys, tokens, passwords), by their field names. */
export function secretsOf(credentials: IDataObject): string[] {
	return Object.entries(credentials)
		.filter(([name, value]) => typeof value === 'string' && /key|secret|token|password/i.test(name))
		.map(([, value]) => value as string);
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces every secret, also URL-encoded and in any letter case, with "***". */
export function maskSecrets(text: string, secrets: readonly string[]): string {
	let masked = text;
	for (const secret of secrets) {
		if (secret.length < 4) continue;
		for (const form of new Set([secret, encodeURIComponent(secret)]))
			masked = masked.replace(new RegExp(escapeRegExp(form), 'gi'), HIDDEN);
	}
	return masked;
}

/** How deep a provider's object (usage, cost, details) is followed; deeper parts are dropped. */
const MAX_DEPTH = 8;

export class Masker {
	constructor(private readonly secrets: readonly string[] = []) {}

	/** The same masking with more secrets (the trigger's shared secret, a callback URL's). */
	with(more: ReadonlyArray<string | undefined>): Masker {
		const added = more.filter((s): s is string => typeof s === 'string' && s !== '');
		return added.length === 0 ? this : new Masker([...this.secrets, ...added]);
	}

	/** Secrets only, for a value that must stay usable (a result URL keeps its own signature). */
	secretsIn(text: string): string {
		return maskSecrets(text, this.secrets);
	}

	/** Any text from outside, as it may be shown, logged or stored. */
	text(text: string): string {
		const masked = maskSecrets(text, this.secrets)
			.replace(TOKEN_PARAMETER, `$1${HIDDEN}`)
			.replace(TRIGGER_SECRET_PATH, `$1${HIDDEN}`)
			.replace(URL_USERINFO, `$1${HIDDEN}@`)
			.replace(BEARER, `$1${HIDDEN}`);
		return withoutControls(masked);
	}

	/** A provider's object (usage, cost, details): every string and every key masked, arrays kept. */
	value<T>(value: T, depth = 0): T {
		if (typeof value === 'string') return this.text(value) as T;
		if (value === null || typeof value !== 'object') return value;
		if (depth >= MAX_DEPTH) return undefined as T;
		if (Array.isArray(value)) return value.map((v) => this.value(v, depth + 1)) as T;
		const masked: IDataObject = {};
		for (const [key, inner] of Object.entries(value as IDataObject)) {
			masked[this.text(key)] = this.value(inner, depth + 1) as IDataObject[string];
		}
		return masked as T;
	}
}
