/**
 * What n8n's "Test" button does for one of this package's credentials (n8n 2.41,
 * CredentialsTester.testCredentials and getCredentialTestFunction):
 * - a credential type with its own declarative `test` is tested by that request and never by a
 *   node. Ours have none; the harness refuses one, so a `test` added back fails the tests
 *   instead of silently replacing the node's function;
 * - otherwise the first node type listing the credential with a string `testedBy` supplies
 *   `methods.credentialTest[testedBy]`;
 * - the credential's data gets its fields' defaults (n8n's applyDefaultsAndOverwrites), and the
 *   function is called with `this` = `new CredentialTestContext(additionalData)` from n8n-core.
 *
 * The context is n8n-core's own class, not a stand-in: it can be built here because the harness
 * already sets up n8n-core's DI container (./n8n) for the workflow runs, and its
 * `helpers.request` resolves n8n's OutboundHttp from that container as n8n does. So the request,
 * its redirect and timeout handling and the way errors surface are n8n's real ones, against the
 * fakes over real sockets. The additionalData is the harness's (./workflow); n8n passes the
 * one from WorkflowExecuteAdditionalData.getBase, of which the context reads only `hooks`
 * (absent in both).
 */
import './n8n';

import { CredentialTestContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	INodeType,
} from 'n8n-workflow';

import { HarnessCredentialsHelper, withDefaults } from './credentials';
import { loadPackage } from './package';
import { additionalData } from './workflow';

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	/** The HTTP status the message names ("... (HTTP 401) ..."), when it names one. */
	httpStatus?: number;
	message: string;
}

/** The node type n8n would take the credential's test from, and the function's name. */
function testingNode(typeName: string): { node: INodeType; testedBy: string } {
	for (const node of Object.values(loadPackage().nodeTypesByName)) {
		for (const { name, testedBy } of node.description.credentials ?? []) {
			if (name === typeName && typeof testedBy === 'string') return { node, testedBy };
		}
	}
	throw new Error(`engine harness: no node lists credential "${typeName}" with testedBy`);
}

export async function testCredential(
	typeName: string,
	data: ICredentialDataDecryptedObject,
	timeoutMs = 10000,
): Promise<CredentialTestResult> {
	const type = loadPackage().credentialTypes[typeName];
	if (!type) throw new Error(`engine harness: unknown credential type "${typeName}"`);
	if (type.test) {
		throw new Error(
			`engine harness: credential "${typeName}" has a declarative test, which n8n runs instead of the nodes' testedBy function`,
		);
	}
	const { node, testedBy } = testingNode(typeName);
	const fn = node.methods?.credentialTest?.[testedBy];
	if (!fn) {
		throw new Error(
			`engine harness: node "${node.description.name}" names testedBy "${testedBy}" but has no such methods.credentialTest`,
		);
	}
	const credential: ICredentialsDecrypted = {
		id: '1',
		name: `${type.displayName} account`,
		type: typeName,
		data: withDefaults(type, data),
	};
	const context = new CredentialTestContext(
		additionalData(new HarnessCredentialsHelper(loadPackage().credentialTypes, {})),
	);
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(
			() => reject(new Error(`engine harness: the credential test took over ${timeoutMs} ms`)),
			timeoutMs,
		);
	});
	try {
		const result = await Promise.race([fn.call(context, credential), timeout]);
		const status = /\bHTTP (\d{3})\b/.exec(result.message);
		return {
			status: result.status,
			message: result.message,
			...(status ? { httpStatus: Number(status[1]) } : {}),
		};
	} finally {
		clearTimeout(timer);
	}
}
