'use strict';
/**
 * Engine harness: runs this package's compiled nodes inside n8n-core's real
 * WorkflowExecute, in-process and offline (see /work/shared/n8n.md §5.3).
 *
 * Plain CommonJS on purpose: it is loaded untransformed by jest and can also be
 * required from plain node scripts (demo, debugging).
 *
 *   const { runNode, runWorkflow, readBinary } = require('./harness');
 *   const res = await runNode('evoLink', { operation: 'generate' }, {
 *     credentials: { evoLinkApi: { apiKey: 'k', baseUrl: server.url } },
 *   });
 *   expect(res.status).toBe('success');
 *   expect(res.output()[0].json).toEqual(...);
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { AsyncLocalStorage } = require('node:async_hooks');

// ---------------------------------------------------------------------------
// Process setup. Must happen before n8n-core is first required: InstanceSettings
// otherwise creates ~/.n8n/config with a generated encryption key.
// ---------------------------------------------------------------------------

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TEMP_PREFIX = 'n8n-engine-harness-';

/** Remove temp folders left behind by harness processes that no longer exist. */
function pruneStaleTempDirs() {
	let entries = [];
	try {
		entries = fs.readdirSync(os.tmpdir());
	} catch {
		return;
	}
	for (const entry of entries) {
		const match = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(entry);
		if (!match) continue;
		const pid = Number(match[1]);
		if (pid === process.pid) continue;
		try {
			process.kill(pid, 0);
			continue; // still running
		} catch (error) {
			if (error.code !== 'ESRCH') continue;
		}
		fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
	}
}
pruneStaleTempDirs();

const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
const userFolder = path.join(tempRoot, 'user');
fs.mkdirSync(userFolder, { recursive: true });
process.env.N8N_USER_FOLDER = userFolder;
if (process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS === undefined) {
	process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS = 'false';
}
// A fixed key so InstanceSettings does not generate (and announce) one.
if (!process.env.N8N_ENCRYPTION_KEY) process.env.N8N_ENCRYPTION_KEY = 'engine-harness-test-encryption-key';

require('reflect-metadata');
const workflowLib = require('n8n-workflow');
const core = require('n8n-core');
// Resolve @n8n/di from n8n-core's location so we share its Container instance.
const { Container } = require(require.resolve('@n8n/di', { paths: [path.dirname(require.resolve('n8n-core'))] }));

const { Workflow, NodeHelpers, ICredentialsHelper, createRunExecutionData, BINARY_ENCODING } = workflowLib;
const { WorkflowExecute, ExecutionLifecycleHooks, BinaryDataService, ErrorReporter, WebhookContext, HookContext } = core;

/**
 * n8n-core sends node errors to its ErrorReporter, whose default report logs
 * the full stack to stdout. Tests expect errors, so collect them instead
 * (set N8N_ENGINE_HARNESS_VERBOSE=1 to print them as well).
 */
const reportedErrors = [];
const quietErrorReporter = {
	error(error, options) {
		reportedErrors.push({ level: (options && options.level) || 'error', error, options });
		if (process.env.N8N_ENGINE_HARNESS_VERBOSE) console.error('[engine harness] reported:', error);
	},
	warn(warning, options) {
		this.error(warning, { ...options, level: 'warning' });
	},
	info(message, options) {
		reportedErrors.push({ level: 'info', error: message, options });
	},
};
Container.set(ErrorReporter, quietErrorReporter);

const DEFAULT_TIMEOUT_MS = 60000;
const INSTANCE_URL = 'http://127.0.0.1:5678';

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------

function isPlainObject(value) {
	return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function deepClone(value) {
	if (Buffer.isBuffer(value)) return Buffer.from(value);
	if (Array.isArray(value)) return value.map(deepClone);
	if (isPlainObject(value)) {
		const out = {};
		for (const [k, v] of Object.entries(value)) out[k] = deepClone(v);
		return out;
	}
	return value;
}

function getPath(obj, dotted) {
	return String(dotted)
		.split('.')
		.reduce((acc, key) => (acc === undefined || acc === null ? undefined : acc[key]), obj);
}

function deferred() {
	let resolve;
	let reject;
	const promise = new Promise((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

// ---------------------------------------------------------------------------
// Credential expression resolver: enough of n8n's `={{ ... }}` syntax for
// declarative credentials. `{{$credentials.x}}` / `{{ $credentials.x }}` are
// looked up directly; anything else inside `{{ }}` is evaluated as a JS
// expression with `$credentials` in scope (e.g. `.replace(/\/$/, '')`).
// ---------------------------------------------------------------------------

const SIMPLE_CREDENTIAL_PATH = /^\$credentials((?:\.[A-Za-z_$][\w$]*|\[\s*(['"])[^'"]*\2\s*\])+)$/;

function evaluateCredentialExpression(expression, credentials) {
	const expr = expression.trim();
	const simple = SIMPLE_CREDENTIAL_PATH.exec(expr);
	if (simple) {
		const keys = [];
		simple[1].replace(/\.([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"]*)\2\s*\]/g, (_m, dotKey, _q, bracketKey) => {
			keys.push(dotKey !== undefined ? dotKey : bracketKey);
			return '';
		});
		return keys.reduce((acc, key) => (acc === undefined || acc === null ? undefined : acc[key]), credentials);
	}
	try {
		// eslint-disable-next-line no-new-func
		return new Function('$credentials', `"use strict"; return (${expr});`)(credentials);
	} catch (error) {
		throw new Error(`engine harness: cannot resolve credential expression {{ ${expr} }}: ${error.message}`);
	}
}

/** Resolve one value the way n8n resolves credential-bound parameters. */
function resolveCredentialValue(value, credentials) {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const template = value.slice(1);
	const whole = /^\s*\{\{([\s\S]*?)\}\}\s*$/.exec(template);
	if (whole && !whole[1].includes('}}')) return evaluateCredentialExpression(whole[1], credentials);
	return template.replace(/\{\{([\s\S]*?)\}\}/g, (_m, expr) => {
		const result = evaluateCredentialExpression(expr, credentials);
		if (result === undefined || result === null) return '';
		return typeof result === 'object' ? JSON.stringify(result) : String(result);
	});
}

function resolveCredentialDeep(value, credentials) {
	if (Array.isArray(value)) return value.map((v) => resolveCredentialDeep(v, credentials));
	if (isPlainObject(value)) {
		const out = {};
		for (const [k, v] of Object.entries(value)) out[k] = resolveCredentialDeep(v, credentials);
		return out;
	}
	return resolveCredentialValue(value, credentials);
}

/**
 * Apply a credential type's `authenticate` to request options, like n8n's
 * CredentialsHelper.authenticate: a function is called, a `generic` object
 * merges each of headers / qs / body / auth into the request.
 */
async function applyAuthentication(credentialType, credentials, requestOptions) {
	const authenticate = credentialType && credentialType.authenticate;
	if (!authenticate) return requestOptions;
	if (typeof authenticate === 'function') {
		return await authenticate(credentials, requestOptions);
	}
	if (authenticate.type === 'generic') {
		if (requestOptions.headers === undefined) requestOptions.headers = {};
		for (const [target, entries] of Object.entries(authenticate.properties || {})) {
			if (!entries) continue;
			if (!requestOptions[target] || typeof requestOptions[target] !== 'object') requestOptions[target] = {};
			for (const [key, raw] of Object.entries(entries)) {
				const resolvedKey = resolveCredentialValue(key, credentials);
				requestOptions[target][resolvedKey] = resolveCredentialValue(raw, credentials);
			}
		}
	}
	return requestOptions;
}

// ---------------------------------------------------------------------------
// Package loading
// ---------------------------------------------------------------------------

const packageCache = new Map();

function instantiateExports(moduleExports, file) {
	const found = [];
	for (const value of Object.values(moduleExports)) {
		if (typeof value !== 'function' || !value.prototype) continue;
		let instance;
		try {
			instance = new value();
		} catch (error) {
			throw new Error(`engine harness: cannot instantiate ${value.name} from ${file}: ${error.message}`);
		}
		found.push({ className: value.name, instance });
	}
	return found;
}

function maxVersion(version) {
	return Array.isArray(version) ? Math.max(...version) : version;
}

/**
 * The `<name>Tool` twin n8n registers for a node with `usableAsTool` (n8n 2.41, cli
 * tool-generation/ai-tools): the usableAsTool replacements applied, no main input, one ai_tool
 * output, and a Tool Description pair (Set Automatically / Set Manually, whose default is the
 * node's description). The same execute() runs when an agent calls the tool.
 */
function asAgentTool(instance) {
	const base = deepClone(instance.description);
	const replacements = typeof base.usableAsTool === 'object' ? base.usableAsTool.replacements || {} : {};
	const description = { ...base, ...replacements };
	delete description.usableAsTool;
	description.name += 'Tool';
	description.displayName += ' Tool';
	description.inputs = [];
	description.outputs = ['ai_tool'];
	description.properties = [
		{
			displayName: 'Tool Description',
			name: 'descriptionType',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Set Automatically', value: 'auto' },
				{ name: 'Set Manually', value: 'manual' },
			],
			default: 'auto',
		},
		{ displayName: 'Description', name: 'toolDescription', type: 'string', default: description.description, required: true, displayOptions: { show: { descriptionType: ['manual'] } } },
		...description.properties,
	];
	const tool = Object.create(Object.getPrototypeOf(instance));
	Object.assign(tool, instance, { description });
	return tool;
}

/**
 * Load an n8n community package from its compiled files: package.json
 * `n8n.nodes` / `n8n.credentials` (paths relative to rootDir, usually dist/...).
 */
function loadPackage(rootDir = REPO_ROOT, { reload = false } = {}) {
	const root = path.resolve(rootDir);
	if (!reload && packageCache.has(root)) return packageCache.get(root);

	const pkgJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const n8nField = pkgJson.n8n || {};
	const packageName = pkgJson.name;
	const nodeTypesByName = {};
	const knownNodes = {};
	const credentialTypes = {};

	for (const rel of n8nField.credentials || []) {
		const file = path.resolve(root, rel);
		if (!fs.existsSync(file)) {
			throw new Error(`engine harness: credential file ${rel} is missing under ${root} (run the build first?)`);
		}
		if (reload) delete require.cache[require.resolve(file)];
		for (const { instance } of instantiateExports(require(file), file)) {
			if (instance && typeof instance.name === 'string' && Array.isArray(instance.properties)) {
				credentialTypes[instance.name] = instance;
			}
		}
	}

	for (const rel of n8nField.nodes || []) {
		const file = path.resolve(root, rel);
		if (!fs.existsSync(file)) {
			throw new Error(`engine harness: node file ${rel} is missing under ${root} (run the build first?)`);
		}
		if (reload) delete require.cache[require.resolve(file)];
		for (const { className, instance } of instantiateExports(require(file), file)) {
			const description = instance && instance.description;
			if (!description || typeof description.name !== 'string') continue;
			const fullName = `${packageName}.${description.name}`;
			nodeTypesByName[fullName] = instance;
			knownNodes[fullName] = { className, sourcePath: file };
			if (description.usableAsTool) {
				nodeTypesByName[`${fullName}Tool`] = asAgentTool(instance);
				knownNodes[`${fullName}Tool`] = { className, sourcePath: file };
			}
		}
	}

	const nodeTypes = {
		getByName(type) {
			const nodeType = nodeTypesByName[type];
			if (!nodeType) throw new Error(`engine harness: unknown node type "${type}"`);
			return nodeType;
		},
		getByNameAndVersion(type, version) {
			const nodeType = nodeTypesByName[type];
			if (!nodeType) throw new Error(`engine harness: unknown node type "${type}"`);
			return NodeHelpers.getVersionedNodeType(nodeType, version);
		},
		getKnownTypes() {
			return knownNodes;
		},
	};

	const pkg = {
		name: packageName,
		rootDir: root,
		nodeTypes,
		nodeTypesByName,
		credentialTypes,
		/** 'evoLink' -> '<package>.evoLink'; full names pass through. */
		resolveType(type) {
			if (nodeTypesByName[type]) return type;
			const full = `${packageName}.${type}`;
			if (nodeTypesByName[full]) return full;
			throw new Error(
				`engine harness: unknown node type "${type}" (known: ${Object.keys(nodeTypesByName).join(', ') || 'none'})`,
			);
		},
		/** Default typeVersion for a node type: defaultVersion or the highest version. */
		defaultVersion(type) {
			const nodeType = nodeTypesByName[pkg.resolveType(type)];
			const d = nodeType.description;
			if (d.defaultVersion !== undefined) return d.defaultVersion;
			if (nodeType.nodeVersions) return Math.max(...Object.keys(nodeType.nodeVersions).map(Number));
			return maxVersion(d.version);
		},
	};
	packageCache.set(root, pkg);
	return pkg;
}

function pickPackage(opts) {
	if (opts && opts.pkg) return opts.pkg;
	return loadPackage(opts && opts.rootDir ? opts.rootDir : REPO_ROOT);
}

// ---------------------------------------------------------------------------
// Credentials helper
// ---------------------------------------------------------------------------

function credentialProperties(credentialTypes, typeName, seen = new Set()) {
	const type = credentialTypes[typeName];
	if (!type || seen.has(typeName)) return [];
	seen.add(typeName);
	const inherited = (type.extends || []).flatMap((parent) => credentialProperties(credentialTypes, parent, seen));
	const own = type.properties || [];
	const ownNames = new Set(own.map((p) => p.name));
	return [...inherited.filter((p) => !ownNames.has(p.name)), ...own];
}

function withCredentialDefaults(credentialTypes, typeName, data) {
	const out = {};
	for (const prop of credentialProperties(credentialTypes, typeName)) {
		if (prop.default !== undefined && prop.type !== 'notice') out[prop.name] = deepClone(prop.default);
	}
	return Object.assign(out, deepClone(data || {}));
}

class HarnessCredentialsHelper extends ICredentialsHelper {
	/**
	 * @param {Record<string, object>} credentialTypes credential class instances by name
	 * @param {Record<string, object>} credentialData test data by credential type name
	 */
	constructor(credentialTypes, credentialData = {}) {
		super();
		this.credentialTypes = credentialTypes;
		this.credentialData = deepClone(credentialData);
		/** Every authenticate() call, for assertions: { typeName, url } */
		this.authenticated = [];
	}

	setCredentials(typeName, data) {
		this.credentialData[typeName] = deepClone(data);
	}

	getParentTypes(name) {
		const parents = [];
		const visit = (typeName) => {
			const type = this.credentialTypes[typeName];
			for (const parent of (type && type.extends) || []) {
				if (parents.includes(parent)) continue;
				parents.push(parent);
				visit(parent);
			}
		};
		visit(name);
		return parents;
	}

	isCredentialUsableByNode(credentialType, nodeType) {
		const type = this.credentialTypes[credentialType];
		if (!type || !type.restrictToSupportedNodes) return true;
		return (type.supportedNodes || []).includes(nodeType);
	}

	async authenticate(credentials, typeName, requestOptions) {
		this.authenticated.push({ typeName, url: requestOptions && requestOptions.url });
		const type = this.credentialTypes[typeName];
		if (!type) throw new Error(`engine harness: unknown credential type "${typeName}"`);
		return await applyAuthentication(type, credentials, requestOptions);
	}

	async preAuthentication(helpers, credentials, typeName, _node, credentialsExpired) {
		const type = this.credentialTypes[typeName];
		if (!type || typeof type.preAuthentication !== 'function') return undefined;
		const expirable = (type.properties || []).find((p) => p.type === 'hidden' && p.typeOptions && p.typeOptions.expirable);
		if (!expirable) return undefined;
		if (credentials[expirable.name] && !credentialsExpired) return undefined;
		const output = await type.preAuthentication.call(helpers, credentials);
		this.credentialData[typeName] = { ...(this.credentialData[typeName] || {}), ...output };
		return output;
	}

	async runPreAuthentication(helpers, credentials, typeName) {
		const type = this.credentialTypes[typeName];
		if (!type || typeof type.preAuthentication !== 'function') return undefined;
		return await type.preAuthentication.call(helpers, credentials);
	}

	async getCredentials(nodeCredentials, type) {
		const data = this.credentialData[type] || {};
		return {
			id: (nodeCredentials && nodeCredentials.id) || '1',
			name: (nodeCredentials && nodeCredentials.name) || type,
			type,
			getData: () => deepClone(data),
			getDataToSave: () => ({ id: nodeCredentials && nodeCredentials.id, name: type, type, data: '' }),
			setData: (next) => this.setCredentials(type, next),
			updateData: (next) => this.setCredentials(type, { ...data, ...next }),
		};
	}

	async getDecrypted(_additionalData, _nodeCredentials, type) {
		if (!Object.prototype.hasOwnProperty.call(this.credentialData, type)) {
			throw new Error(`engine harness: no test data for credential type "${type}" (pass credentials: { ${type}: {...} })`);
		}
		return withCredentialDefaults(this.credentialTypes, type, this.credentialData[type]);
	}

	async updateCredentials(_nodeCredentials, type, data) {
		this.setCredentials(type, data);
	}

	async updateCredentialsOauthTokenData(_nodeCredentials, type, data) {
		this.setCredentials(type, { ...(this.credentialData[type] || {}), ...data });
	}

	getCredentialsProperties(type) {
		return credentialProperties(this.credentialTypes, type);
	}
}

// ---------------------------------------------------------------------------
// Credential test (what n8n's "Test credential" button does for test.request)
// ---------------------------------------------------------------------------

function joinUrl(baseURL, url) {
	if (!baseURL || /^[a-z][a-z\d+.-]*:\/\//i.test(url || '')) return url || baseURL || '';
	if (!url) return baseURL;
	return `${String(baseURL).replace(/\/+$/, '')}/${String(url).replace(/^\/+/, '')}`;
}

function appendQuery(url, qs) {
	if (!qs || Object.keys(qs).length === 0) return url;
	const u = new URL(url);
	for (const [k, v] of Object.entries(qs)) {
		if (v === undefined || v === null) continue;
		if (Array.isArray(v)) v.forEach((x) => u.searchParams.append(k, String(x)));
		else u.searchParams.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
	}
	return u.toString();
}

/**
 * Run a credential class's `test.request` against a server: resolve its
 * expressions with the data, apply `authenticate`, send it and judge like n8n:
 * 2xx is OK (unless a responseSuccessBody rule matches), anything else is Error
 * (a responseCode rule supplies the message).
 *
 * @returns {Promise<{status: 'OK'|'Error', httpStatus?: number, message: string}>}
 */
async function testCredential(typeName, data, opts = {}) {
	const pkg = pickPackage(opts);
	const type = pkg.credentialTypes[typeName];
	if (!type) throw new Error(`engine harness: unknown credential type "${typeName}"`);
	if (!type.test || !type.test.request) throw new Error(`engine harness: credential "${typeName}" has no test.request`);

	const credentials = withCredentialDefaults(pkg.credentialTypes, typeName, data);
	const request = resolveCredentialDeep(deepClone(type.test.request), credentials);
	let options = {
		method: (request.method || 'GET').toUpperCase(),
		baseURL: request.baseURL,
		url: request.url || '',
		headers: { ...(request.headers || {}) },
		qs: { ...(request.qs || {}) },
		body: request.body,
	};
	options = await applyAuthentication(type, credentials, options);

	const headers = { ...(options.headers || {}) };
	if (options.auth && options.auth.username !== undefined) {
		const token = Buffer.from(`${options.auth.username}:${options.auth.password || ''}`).toString('base64');
		headers.Authorization = `Basic ${token}`;
	}
	let body;
	if (options.body !== undefined && options.method !== 'GET' && options.method !== 'HEAD') {
		if (isPlainObject(options.body) || Array.isArray(options.body)) {
			body = JSON.stringify(options.body);
			if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
		} else {
			body = options.body;
		}
	}

	let url;
	try {
		url = appendQuery(joinUrl(options.baseURL, options.url), options.qs);
	} catch (error) {
		return { status: 'Error', message: `Invalid URL: ${error.message}` };
	}

	const rules = type.test.rules || [];
	let response;
	try {
		response = await fetch(url, {
			method: options.method,
			headers,
			body,
			signal: AbortSignal.timeout(opts.timeoutMs || 10000),
		});
	} catch (error) {
		const code = error && error.cause && error.cause.code;
		return { status: 'Error', message: code || (error && error.message) || String(error) };
	}

	const text = await response.text();
	if (response.status < 200 || response.status > 299) {
		for (const rule of rules) {
			if (rule.type === 'responseCode' && rule.properties.value === response.status) {
				return { status: 'Error', httpStatus: response.status, message: rule.properties.message };
			}
		}
		return {
			status: 'Error',
			httpStatus: response.status,
			message: response.statusText || `Received HTTP status code: ${response.status}`,
		};
	}
	let parsed = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// not JSON; rules on the body simply will not match
	}
	for (const rule of rules) {
		if (rule.type === 'responseSuccessBody' && getPath(parsed, rule.properties.key) === rule.properties.value) {
			return { status: 'Error', httpStatus: response.status, message: rule.properties.message };
		}
	}
	return { status: 'OK', httpStatus: response.status, message: 'Connection successful!' };
}

// ---------------------------------------------------------------------------
// Binary data. One BinaryDataService replaces n8n-core's DI singleton. It has
// a filesystem manager (temp dir), and its "current mode" comes from the run
// that is calling it (AsyncLocalStorage): 'default' runs keep data inline as
// base64 (n8n-core's no-manager path), 'filesystem' runs write files and get
// `id`s. Stored ids stay readable from any run and from readBinary().
// ---------------------------------------------------------------------------

const runContext = new AsyncLocalStorage();
let binaryServicePromise;
const binaryStoragePath = path.join(tempRoot, 'binary-data');

function modeForCurrentRun() {
	const ctx = runContext.getStore();
	return ctx && ctx.binaryMode === 'filesystem' ? 'filesystem-v2' : 'default';
}

async function getBinaryDataService() {
	if (!binaryServicePromise) {
		binaryServicePromise = (async () => {
			fs.mkdirSync(binaryStoragePath, { recursive: true });
			const config = {
				mode: 'filesystem',
				localStoragePath: binaryStoragePath,
				signingSecret: 'engine-harness-signing-secret',
				availableModes: ['filesystem'],
			};
			const logger = { info() {}, warn() {}, error() {}, debug() {} };
			const service = new BinaryDataService(config, quietErrorReporter, logger);
			await service.init();
			// The service picks its manager from `this.mode`; make that per run.
			Object.defineProperty(service, 'mode', {
				configurable: true,
				get: modeForCurrentRun,
				set() {},
			});
			Container.set(BinaryDataService, service);
			return service;
		})();
	}
	return await binaryServicePromise;
}

function fileTypeFromMime(mimeType) {
	if (!mimeType) return undefined;
	if (mimeType.startsWith('application/json')) return 'json';
	if (mimeType.startsWith('text/html')) return 'html';
	if (mimeType === 'application/pdf') return 'pdf';
	const top = mimeType.split('/')[0];
	return ['image', 'video', 'audio', 'text'].includes(top) ? top : undefined;
}

async function normaliseBinary(binary, location) {
	if (!binary) return binary;
	const service = await getBinaryDataService();
	const out = {};
	for (const [prop, value] of Object.entries(binary)) {
		if (value && Buffer.isBuffer(value.buffer)) {
			const { buffer, ...meta } = value;
			const mimeType = meta.mimeType || 'application/octet-stream';
			const fileName = meta.fileName;
			const fileExtension = meta.fileExtension || (fileName && fileName.includes('.') ? fileName.split('.').pop() : undefined);
			const data = {
				mimeType,
				fileType: fileTypeFromMime(mimeType),
				fileName,
				fileExtension,
				data: '',
				...meta,
			};
			for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
			out[prop] = await service.store(location, buffer, data);
		} else {
			out[prop] = value;
		}
	}
	return out;
}

/**
 * Bytes of an IBinaryData, inline (base64 `data`) or stored (`id`).
 * @returns {Promise<Buffer>}
 */
async function readBinary(binaryData) {
	if (!binaryData) throw new Error('engine harness: readBinary() got no binary data');
	if (binaryData.id) {
		const service = await getBinaryDataService();
		return await service.getAsBuffer(binaryData);
	}
	return Buffer.from(binaryData.data, BINARY_ENCODING || 'base64');
}

// ---------------------------------------------------------------------------
// Running workflows
// ---------------------------------------------------------------------------

let executionCounter = 0;

function buildNodes(pkg, nodes) {
	const names = new Set();
	return nodes.map((input, index) => {
		const type = pkg.resolveType(input.type);
		const typeVersion = input.typeVersion !== undefined ? input.typeVersion : pkg.defaultVersion(type);
		const nodeType = pkg.nodeTypes.getByNameAndVersion(type, typeVersion);
		const name = input.name || (nodeType.description.defaults && nodeType.description.defaults.name) || nodeType.description.displayName;
		if (names.has(name)) throw new Error(`engine harness: duplicate node name "${name}"`);
		names.add(name);
		const node = {
			...deepClone(input),
			id: input.id || randomUUID(),
			name,
			type,
			typeVersion,
			position: input.position || [index * 240, 0],
			parameters: deepClone(input.parameters || {}),
		};
		if (!node.credentials && Array.isArray(nodeType.description.credentials)) {
			const creds = {};
			for (const c of nodeType.description.credentials) creds[c.name] = { id: '1', name: c.name };
			if (Object.keys(creds).length > 0) node.credentials = creds;
		}
		return node;
	});
}

function buildAdditionalData({ credentialsHelper, hooks, executionId, workflowId, overrides }) {
	const unsupported = (what) => async () => {
		throw new Error(`engine harness: ${what} is not supported`);
	};
	return {
		credentialsHelper,
		hooks,
		executionId,
		workflowId,
		currentNodeExecutionIndex: 0,
		currentNodeParameters: undefined,
		executionTimeoutTimestamp: undefined,
		restartExecutionId: undefined,
		variables: {},
		restApiUrl: `${INSTANCE_URL}/rest`,
		instanceBaseUrl: `${INSTANCE_URL}/`,
		formBaseUrl: `${INSTANCE_URL}/form`,
		formWaitingBaseUrl: `${INSTANCE_URL}/form-waiting`,
		formTestBaseUrl: `${INSTANCE_URL}/form-test`,
		webhookBaseUrl: `${INSTANCE_URL}/webhook`,
		webhookWaitingBaseUrl: `${INSTANCE_URL}/webhook-waiting`,
		webhookTestBaseUrl: `${INSTANCE_URL}/webhook-test`,
		mcpBaseUrl: `${INSTANCE_URL}/mcp`,
		mcpTestBaseUrl: `${INSTANCE_URL}/mcp-test`,
		executeWorkflow: unsupported('executeWorkflow (sub-workflows)'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: unsupported('startRunnerTask (Code node task runners)'),
		logAiEvent: () => {},
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
		...(overrides || {}),
	};
}

function makeResult(run, ctx) {
	const runData = (run && run.data && run.data.resultData && run.data.resultData.runData) || {};
	const defaultNode = () =>
		(run && run.data && run.data.resultData && run.data.resultData.lastNodeExecuted) || ctx.nodes[ctx.nodes.length - 1].name;
	const task = (nodeName = defaultNode(), runIndex) => {
		const tasks = runData[nodeName];
		if (!tasks || tasks.length === 0) return undefined;
		return tasks[runIndex === undefined ? tasks.length - 1 : runIndex];
	};
	return {
		run,
		status: run && run.status,
		error: run && run.data && run.data.resultData && run.data.resultData.error,
		runData,
		executionId: ctx.executionId,
		workflow: ctx.workflow,
		credentialsHelper: ctx.credentialsHelper,
		task,
		outputs(nodeName = defaultNode(), runIndex) {
			const t = task(nodeName, runIndex);
			return (t && t.data && t.data.main) || [];
		},
		output(nodeName = defaultNode(), runIndex) {
			const t = task(nodeName, runIndex);
			return (t && t.data && t.data.main && t.data.main[0]) || [];
		},
	};
}

/**
 * Start a workflow and return a handle once WorkflowExecute is running.
 * `handle.result` settles with the result object (see runWorkflow).
 */
async function startWorkflow(opts = {}) {
	const pkg = pickPackage(opts);
	if (!Array.isArray(opts.nodes) || opts.nodes.length === 0) {
		throw new Error('engine harness: runWorkflow needs at least one node');
	}
	const binaryMode = opts.binaryMode || 'default';
	if (binaryMode !== 'default' && binaryMode !== 'filesystem') {
		throw new Error(`engine harness: binaryMode must be 'default' or 'filesystem', got ${binaryMode}`);
	}
	const timeoutMs = opts.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : opts.timeoutMs;

	await getBinaryDataService();

	executionCounter += 1;
	const executionId = String(opts.executionId || executionCounter);
	const workflowId = String(opts.workflowId || `engine-harness-wf-${executionCounter}`);
	const nodes = buildNodes(pkg, opts.nodes);
	const connections = deepClone(opts.connections || {});
	const startName = opts.startNode || nodes[0].name;

	const workflow = new Workflow({
		id: workflowId,
		name: opts.workflowName || 'Engine harness workflow',
		nodes,
		connections,
		active: false,
		nodeTypes: pkg.nodeTypes,
		staticData: deepClone(opts.staticData || {}),
		settings: { executionOrder: 'v1', ...(opts.settings || {}) },
		pinData: opts.pinData,
	});
	const startNode = workflow.getNode(startName);
	if (!startNode) throw new Error(`engine harness: start node "${startName}" is not in the workflow`);

	const ctx = { binaryMode, executionId, workflowId };
	const location = { type: 'execution', workflowId, executionId };
	const inputItems = await runContext.run(ctx, async () =>
		Promise.all(
			(opts.inputItems || [{ json: {} }]).map(async (item) => {
				const copy = { ...item, json: deepClone(item.json || {}) };
				if (item.binary) copy.binary = await normaliseBinary(item.binary, location);
				return copy;
			}),
		),
	);

	const credentialsHelper = new HarnessCredentialsHelper(pkg.credentialTypes, opts.credentials || {});
	const workflowData = {
		id: workflowId,
		name: workflow.name,
		active: false,
		isArchived: false,
		nodes,
		connections,
		settings: workflow.settings,
		createdAt: new Date(),
		updatedAt: new Date(),
	};
	const hooks = new ExecutionLifecycleHooks(opts.mode || 'manual', executionId, workflowData);
	const additionalData = buildAdditionalData({
		credentialsHelper,
		hooks,
		executionId,
		workflowId,
		overrides: opts.additionalData,
	});

	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: [inputItems] }, source: null }],
		},
	});

	const resultCtx = { nodes, executionId, workflow, credentialsHelper };
	const done = deferred();
	let settled = false;
	let timer;
	const settle = (fn) => {
		if (settled) return;
		settled = true;
		if (timer) clearTimeout(timer);
		fn();
	};

	hooks.addHandler('workflowExecuteAfter', (run) => {
		settle(() => done.resolve(makeResult(run, resultCtx)));
	});
	if (typeof opts.onNodeExecuteBefore === 'function') {
		hooks.addHandler('nodeExecuteBefore', (nodeName) => opts.onNodeExecuteBefore(nodeName));
	}
	if (typeof opts.onNodeExecuteAfter === 'function') {
		hooks.addHandler('nodeExecuteAfter', (nodeName, taskData) => opts.onNodeExecuteAfter(nodeName, taskData));
	}

	const workflowExecute = new WorkflowExecute(additionalData, opts.mode || 'manual', runExecutionData);
	let execution;
	try {
		execution = runContext.run(ctx, () => workflowExecute.processRunExecutionData(workflow));
	} catch (error) {
		settle(() => done.reject(error));
		throw error;
	}

	// The engine's own promise. After a cancel it only settles once the node
	// that was running returns (PCancelable with shouldReject = false).
	const finished = Promise.resolve(execution).then(
		(run) => {
			// Fallback if workflowExecuteAfter never fired (should not happen).
			settle(() => done.resolve(makeResult(run, resultCtx)));
			return run;
		},
		(error) => {
			settle(() => done.reject(error));
			return undefined;
		},
	);

	const handle = {
		executionId,
		workflow,
		additionalData,
		credentialsHelper,
		workflowExecute,
		/** Settles with the result object when the run ends (or is cancelled). */
		result: done.promise,
		/** Settles when WorkflowExecute's own promise settles. */
		finished,
		/** Stop the execution the way n8n does when a user presses "Stop". */
		cancel(reason) {
			if (typeof execution.cancel === 'function') execution.cancel(reason);
		},
		get isCancelled() {
			return workflowExecute.isCancelled;
		},
	};

	if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
		timer = setTimeout(() => {
			settle(() => {
				done.reject(new Error(`engine harness: workflow did not finish within ${timeoutMs} ms`));
			});
			handle.cancel('timeout');
		}, timeoutMs);
	}

	return handle;
}

/**
 * Run nodes inside n8n-core's WorkflowExecute.
 * @returns {Promise<object>} { run, status, error, runData, output(), outputs(), task(), ... }
 */
async function runWorkflow(opts = {}) {
	const handle = await startWorkflow(opts);
	if (typeof opts.onStarted === 'function') {
		try {
			await opts.onStarted(handle);
		} catch (error) {
			handle.cancel('onStarted failed');
			throw error;
		}
	}
	return await handle.result;
}

/** Run a single node (named after its type unless opts.name is given). */
async function runNode(nodeType, parameters = {}, opts = {}) {
	const { name, typeVersion, nodeCredentials, continueOnFail, onError, nodeOptions, ...rest } = opts;
	const node = {
		name: name || String(nodeType).split('.').pop(),
		type: nodeType,
		parameters,
		...(typeVersion !== undefined ? { typeVersion } : {}),
		...(nodeCredentials ? { credentials: nodeCredentials } : {}),
		...(continueOnFail !== undefined ? { continueOnFail } : {}),
		...(onError !== undefined ? { onError } : {}),
		...(nodeOptions || {}),
	};
	return await runWorkflow({ ...rest, nodes: [node] });
}

/** Remove the harness's temp folders (user folder, binary storage). */

// ---------------------------------------------------------------------------
// Trigger nodes: webhook() and webhookMethods, in n8n-core's real contexts
// ---------------------------------------------------------------------------

/** A minimal express-like response that records what the node answered. */
function recordingResponse() {
	const response = { statusCode: 200, body: undefined, headers: {}, ended: false };
	const res = {
		status(code) {
			response.statusCode = code;
			return res;
		},
		setHeader(name, value) {
			response.headers[String(name).toLowerCase()] = value;
			return res;
		},
		json(body) {
			response.body = body;
			response.ended = true;
			return res;
		},
		send(body) {
			response.body = body;
			response.ended = true;
			return res;
		},
		end(body) {
			if (body !== undefined) response.body = body;
			response.ended = true;
			return res;
		},
	};
	return { res, response };
}

/**
 * A trigger node and the state n8n keeps for it between calls (static data), so several webhook
 * calls can be made in a row the way n8n would make them.
 */
async function createTrigger(opts) {
	const pkg = pickPackage(opts);
	await getBinaryDataService();
	executionCounter += 1;
	const workflowId = String(opts.workflowId || `engine-harness-wf-${executionCounter}`);
	const [node] = buildNodes(pkg, [opts.node]);
	const workflow = new Workflow({
		id: workflowId,
		name: 'Engine harness trigger workflow',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: pkg.nodeTypes,
		staticData: deepClone(opts.staticData || {}),
		settings: { executionOrder: 'v1' },
	});
	const credentialsHelper = new HarnessCredentialsHelper(pkg.credentialTypes, opts.credentials || {});
	const nodeType = pkg.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const webhookData = (name = 'default', isTest = false) => ({
		httpMethod: 'POST',
		node: node.name,
		webhookDescription: (nodeType.description.webhooks || []).find((w) => w.name === name) || {},
		workflowId,
		path: 'gpt-image',
		isTest,
	});
	const additional = (extra = {}) =>
		buildAdditionalData({ credentialsHelper, hooks: undefined, executionId: undefined, workflowId, overrides: extra });
	return {
		workflow,
		node,
		staticData: () => workflow.staticData,
		/** Calls webhook() with a request; returns what n8n would do with it. */
		async call(request, { isTest = false } = {}) {
			const raw = request.rawBody !== undefined ? Buffer.from(request.rawBody) : Buffer.from(JSON.stringify(request.body ?? {}));
			const req = {
				body: request.body !== undefined ? request.body : JSON.parse(raw.toString('utf8')),
				rawBody: raw,
				headers: Object.fromEntries(Object.entries(request.headers || {}).map(([k, v]) => [k.toLowerCase(), v])),
				query: request.query || {},
				params: {},
				method: 'POST',
			};
			const { res, response } = recordingResponse();
			const ctxData = { binaryMode: opts.binaryMode || 'default', executionId: `webhook-${executionCounter}`, workflowId };
			const context = new WebhookContext(workflow, node, additional({ httpRequest: req, httpResponse: res }), 'webhook', webhookData('default', isTest), [], null);
			const result = await runContext.run(ctxData, async () => await nodeType.webhook.call(context));
			workflow.staticData.__dataChanged = false;
			return { result, response, items: result && result.workflowData ? result.workflowData[0] : undefined };
		},
		/** Runs webhookMethods[name][method] (checkExists, create, delete) as n8n does on (de)activation. */
		async lifecycle(method, name = 'default') {
			const context = new HookContext(workflow, node, additional(), 'trigger', 'activate', webhookData(name));
			return await nodeType.webhookMethods[name][method].call(context);
		},
	};
}

function cleanup() {
	fs.rmSync(tempRoot, { recursive: true, force: true });
}

module.exports = {
	createTrigger,
	REPO_ROOT,
	tempRoot,
	loadPackage,
	runWorkflow,
	startWorkflow,
	runNode,
	readBinary,
	testCredential,
	applyAuthentication,
	resolveCredentialValue,
	HarnessCredentialsHelper,
	getBinaryDataService,
	reportedErrors,
	cleanup,
};
