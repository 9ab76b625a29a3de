import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunction,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
	INodeProperties,
} from 'n8n-workflow';

import { currentClock } from './clock';
import { fixFor, routeOf } from './guesses';
import type { MissingRoute } from './guesses';
import type { HttpCall, ProviderAdapter } from './types';
import { credentialHeaders } from './credentialAuth';
import { count, plainMessage } from './errors';
import { Masker, secretsOf } from './mask';
import type { ProviderDefinition } from './provider';
import { exchangeJson } from './exchange';
import { legacySender } from './transport';
import type { LegacyRequest, NetworkFailure } from './transport';
import { parseHttpUrl } from './validation';

/**
 * n8n's "Test" button on a provider credential: one free read of the provider's balance route,
 * with the header the credential's own `authenticate` describes, and a sentence that says what
 * to check when it fails. Every node that uses a credential names this function in `testedBy`
 * (a credential's declarative `test` would win over it, so the credentials have none).
 *
 * A credential test context offers only n8n's legacy `helpers.request` (no httpRequest, which
 * the community lint asks for elsewhere): it is one more sender of the package's one HTTP door
 * (transport.ts), which applies the same rules as to every other request: no redirect followed
 * (the key never leaves the API's origin), the answer read as a stream, capped in size and time,
 * every text masked.
 */

const TIMEOUT_MS = 15_000;
/** A balance is a few hundred bytes; more is not the API. */
const MAX_ANSWER_BYTES = 64 * 1024;

type TestHelpers = Pick<ICredentialTestFunctions['helpers'], 'request'>;

interface FullResponse {
	statusCode: number;
	location?: string;
}

/** Where the credential class says keys come from (a static field, next to its form). */
interface KeyInfo {
	keyPageUrl?: string;
}

const ok = (message: string): INodeCredentialTestResult => ({ status: 'OK', message });
const failed = (message: string): INodeCredentialTestResult => ({ status: 'Error', message });

/** The `testedBy` name of a provider's credential test: `evoLinkApiTest`. */
export function credentialTestName(provider: ProviderDefinition): string {
	return `${provider.credential.name}Test`;
}

/** A node's `methods.credentialTest`: one function per provider credential it uses. */
export function credentialTests(
	providers: readonly ProviderDefinition[],
): Record<string, ICredentialTestFunction> {
	return Object.fromEntries(
		providers.map((provider) => [
			credentialTestName(provider),
			async function (this: ICredentialTestFunctions, credential: ICredentialsDecrypted) {
				return await checkCredential(this.helpers, provider, credential.data ?? {});
			},
		]),
	);
}

function withDefaults(
	properties: INodeProperties[],
	data: ICredentialDataDecryptedObject,
): IDataObject {
	const defaults = properties
		.filter((p) => p.type !== 'notice' && p.default !== undefined)
		.map((p) => [p.name, p.default]);
	return { ...Object.fromEntries(defaults), ...data } as IDataObject;
}

/** Tests one provider credential; never throws, never puts the key in its message. */
export async function checkCredential(
	helpers: TestHelpers,
	provider: ProviderDefinition,
	data: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
	const { adapter, credential } = provider;
	const credentials = withDefaults(credential.properties, data);
	const masker = new Masker(secretsOf(credentials));
	// Masked before any cut, so no part of a key survives a shortened text.
	const mask = (text: string) => masker.text(text);
	const fail = (message: string) => failed(mask(message));
	const baseField = credential.properties.find((p) => p.name === 'baseUrl');
	const defaultUrl = String(baseField?.default ?? '');

	const api = adapter.baseUrls(credentials).api;
	if (!isHttpUrl(api)) {
		const shown = api === '' ? 'is empty' : `"${mask(api).slice(0, 80)}" is not an http(s) URL`;
		return fail(
			`${baseField?.displayName ?? 'Base URL'} ${shown}: enter the API's full address, starting with https:// (the default is ${defaultUrl})`,
		);
	}
	const apiKey = String(credentials.apiKey ?? '');
	if (apiKey !== apiKey.trim()) {
		return fail('API Key has spaces or line breaks around it: paste the key again without them');
	}
	const cost = adapter.cost;
	if (!cost) return fail(`${adapter.displayName} has no balance route to test the key with`);

	let headers: Record<string, string>;
	try {
		headers = credentialHeaders(credential, credentials);
	} catch (error) {
		return fail(plainMessage(error));
	}
	const read = async (call: HttpCall) => {
		const url = new URL(`${api}${call.path}`);
		const answer = await exchangeJson(
			{
				send: legacySender(helpers.request as unknown as LegacyRequest),
				clock: currentClock(),
				masker,
				maxBytes: MAX_ANSWER_BYTES,
			},
			{
				method: call.method,
				url: url.toString(),
				qs: call.qs,
				headers,
				timeoutMs: TIMEOUT_MS,
				redirects: 'none',
			},
		);
		return { url, answer };
	};
	const balanceCall = cost.balance.build();
	const { url, answer } = await read(balanceCall);
	const response: FullResponse = { statusCode: answer.statusCode ?? 0 };
	if (!answer.ok) {
		if (answer.failure.networkCode !== 'EREDIRECT') return fail(unreachable(url.origin, answer));
		response.location = answer.location;
	}
	const facts: Answer = { provider, apiKey, url, defaultUrl, response };
	if (answer.ok && routeMissing(adapter, answer.statusCode, answer.parsed?.value)) {
		// The balance route is not there: a status read of a task no one has tells whether the key works.
		const { answer: status } = await read(adapter.buildStatus(adapter.taskId.madeUp));
		const verdict = keyByStatusRoute(facts, routeOf(adapter, balanceCall), status);
		return { ...verdict, message: mask(verdict.message) };
	}
	if (!answer.ok || response.statusCode < 200 || response.statusCode >= 300) {
		return fail(notOk(facts));
	}
	// An empty answer parses to no value: not the API's JSON either.
	if (!answer.parsed || answer.parsed.value === undefined)
		return fail(`${apiAnswered(facts)}, but not with the API's JSON: ${checkBase(facts)}`);
	try {
		const balance = cost.balance.parse(answer.parsed.value);
		return ok(`Connected: ${count(balance.credits)} ${cost.unit} left`);
	} catch {
		// The key works; only the balance's shape is not what the adapter reads.
		return ok('Connected');
	}
}

/** A 404 or 405 that says nothing about a task: the route is not there (guesses.ts). */
function routeMissing(adapter: ProviderAdapter, statusCode: number, body: unknown): boolean {
	if (statusCode !== 404 && statusCode !== 405) return false;
	return adapter.parseError(statusCode, body).missing !== 'task';
}

/**
 * The balance route is missing; the status route's answer to a made-up task ID decides: refused
 * means the key is refused, "no such task" (or a refusal of the ID) means the key works, and a
 * second missing route means the Base URL (or the package's guess) is wrong, never the key.
 */
function keyByStatusRoute(
	facts: Answer,
	balance: MissingRoute,
	status: Awaited<ReturnType<typeof exchangeJson>>,
): INodeCredentialTestResult {
	const { adapter } = facts.provider;
	const name = adapter.displayName;
	const statusRoute = routeOf(adapter, adapter.buildStatus(adapter.taskId.madeUp));
	const code = status.statusCode ?? 0;
	if (code === 401 || code === 403) {
		return failed(notOk({ ...facts, response: { statusCode: code } }));
	}
	const body = status.ok ? status.parsed?.value : undefined;
	const answered = status.ok && (code < 300 || code === 400 || !routeMissing(adapter, code, body));
	if (answered) {
		const guess =
			balance.fact && balance.fact.confidence !== 'documented' ? ', a guess of this package' : '';
		return ok(
			`Connected: ${name} accepted the key (its ${statusRoute.route} answered), but it has no ${balance.route}, where this package reads the balance${guess}. Get Credits and Check Balance First cannot be used; everything else works. ${fixFor(adapter, balance)}`,
		);
	}
	if (!status.ok) {
		return failed(
			`${apiAnswered(facts)}, and the key could not be checked another way (${statusRoute.route}: ${status.cause.slice(0, 80)}). This says nothing against the key: try again`,
		);
	}
	return failed(
		`${apiAnswered(facts)}, and HTTP ${code} at its ${statusRoute.route}: neither route is there, so the key could not be checked (this says nothing against the key). ${fixFor(adapter, balance)}`,
	);
}

interface Answer {
	provider: ProviderDefinition;
	apiKey: string;
	url: URL;
	defaultUrl: string;
	response: FullResponse;
}

/** "EvoLink answered HTTP 404 at https://host/v1/credits" */
function apiAnswered({ provider, url, response }: Answer): string {
	return `${provider.adapter.displayName} answered HTTP ${response.statusCode} at ${url.origin}${url.pathname}`;
}

function checkBase({ defaultUrl }: Answer): string {
	return `check the Base URL (the default is ${defaultUrl})`;
}

/** What a non-2xx answer means: a refused key, a redirect not followed, or a wrong Base URL. */
function notOk(answer: Answer): string {
	const { provider, apiKey, response } = answer;
	const name = provider.adapter.displayName;
	const { statusCode } = response;
	if (statusCode === 401 || statusCode === 403) {
		const { keyPageUrl } = provider.credential.constructor as KeyInfo;
		const prefixFact = provider.adapter.facts.keyPrefix?.value;
		const keyPrefix = typeof prefixFact === 'string' ? prefixFact : undefined;
		const page = keyPageUrl ? `. Check the key at ${keyPageUrl.replace(/^https?:\/\//, '')}` : '';
		const prefix =
			keyPrefix && !apiKey.startsWith(keyPrefix)
				? `; ${name} keys start with ${keyPrefix}, and this one does not`
				: '';
		return `${name} refused the API key (HTTP ${statusCode})${page}${prefix}`;
	}
	if (statusCode >= 300 && statusCode < 400) {
		const target = response.location ?? 'an unknown address';
		return `${apiAnswered(answer)} with a redirect to ${target}, which is not followed: ${checkBase(answer)}`;
	}
	return `${apiAnswered(answer)}: ${checkBase(answer)}`;
}

/** A full http(s) address with a host right after `//` (the URL parser alone accepts `https:host`). */
function isHttpUrl(value: string): boolean {
	return /^https?:\/\/[^/]/i.test(value) && parseHttpUrl(value) !== undefined;
}

/** Why the API could not be reached: n8n refused to send, a timeout, or the network's code. */
function unreachable(origin: string, failure: NetworkFailure): string {
	const { networkCode } = failure.failure;
	if (networkCode === 'ENOTSENT') {
		return `n8n did not send the request to ${origin} (${failure.cause.slice(0, 120)}): check the Base URL, and n8n's N8N_SSRF_* settings for a private address`;
	}
	const code = networkCode === 'ENETWORK' ? failure.cause.slice(0, 120) : networkCode;
	return `Could not reach ${origin} (${code}): check the Base URL, and that n8n can reach it (network, proxy, firewall)`;
}
