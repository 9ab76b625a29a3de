/**
 * This package's compiled nodes and credentials (package.json `n8n.nodes` / `n8n.credentials`,
 * so `npm run build` first), loaded the way n8n loads a community package, plus the `<name>Tool`
 * twin n8n registers for every node that is usable as an AI Agent tool.
 */
import './env';

import type {
	ICredentialType,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	IVersionedNodeType,
} from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Repeat, REPEAT_TYPE } from './repeat';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface LoadedPackage {
	/** package.json `name`, the prefix of every node type key. */
	name: string;
	nodeTypes: INodeTypes;
	/** Node types keyed `<package>.<description.name>` (and `...Tool`). */
	nodeTypesByName: Record<string, INodeType>;
	/** Credential classes keyed by their `name`. */
	credentialTypes: Record<string, ICredentialType>;
	/** 'evoLink' -> 'n8n-nodes-gpt-image.evoLink'; full names pass through. */
	resolveType(type: string): string;
}

type Constructor<T> = new () => T;

function instances<T>(file: string): T[] {
	if (!fs.existsSync(file)) {
		throw new Error(
			`engine harness: ${path.relative(REPO_ROOT, file)} is missing (run npm run build)`,
		);
	}
	const exported = require(file) as Record<string, unknown>;
	return Object.values(exported)
		.filter((value): value is Constructor<T> => typeof value === 'function' && 'prototype' in value)
		.map((Class) => new Class());
}

/**
 * The tool twin, as n8n 2.41 builds it: the usableAsTool replacements applied, no main input, one
 * ai_tool output, and, unless the node declares its own `toolDescription`, a Tool Description
 * pair whose manual default is the node's description.
 * The same execute() runs when an agent calls the tool.
 */
function asAgentTool(node: INodeType): INodeType {
	const base = structuredClone(node.description);
	const usable = base.usableAsTool;
	const replacements = typeof usable === 'object' ? (usable.replacements ?? {}) : {};
	const description = { ...base, ...replacements } as INodeTypeDescription;
	delete description.usableAsTool;
	description.name += 'Tool';
	description.displayName += ' Tool';
	description.inputs = [];
	description.outputs = ['ai_tool'] as INodeTypeDescription['outputs'];
	const toolDescription: INodeProperties[] = [
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
		{
			displayName: 'Description',
			name: 'toolDescription',
			type: 'string',
			default: description.description,
			required: true,
			displayOptions: { show: { descriptionType: ['manual'] } },
		},
	];
	const declared = description.properties.some((p) => p.name === 'toolDescription');
	description.properties = declared
		? description.properties
		: [...toolDescription, ...description.properties];
	return Object.assign(Object.create(Object.getPrototypeOf(node)), node, { description });
}

let cached: LoadedPackage | undefined;

export function loadPackage(): LoadedPackage {
	if (cached) return cached;
	const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
		name: string;
		n8n: { nodes: string[]; credentials: string[] };
	};
	const nodeTypesByName: Record<string, INodeType> = {};
	const credentialTypes: Record<string, ICredentialType> = {};
	for (const file of manifest.n8n.credentials) {
		for (const credential of instances<ICredentialType>(path.join(REPO_ROOT, file))) {
			credentialTypes[credential.name] = credential;
		}
	}
	for (const file of manifest.n8n.nodes) {
		for (const node of instances<INodeType>(path.join(REPO_ROOT, file))) {
			const type = `${manifest.name}.${node.description.name}`;
			nodeTypesByName[type] = node;
			if (node.description.usableAsTool) nodeTypesByName[`${type}Tool`] = asAgentTool(node);
		}
	}
	// Test-only helpers that n8n itself would provide (a loop), keyed outside the package's names.
	nodeTypesByName[REPEAT_TYPE] = new Repeat();
	const get = (type: string): INodeType => {
		const node = nodeTypesByName[type];
		if (!node) throw new Error(`engine harness: unknown node type "${type}"`);
		return node;
	};
	const nodeTypes: INodeTypes = {
		getByName: (type) => get(type),
		getByNameAndVersion: (type, version) =>
			NodeHelpers.getVersionedNodeType(get(type) as INodeType | IVersionedNodeType, version),
		getKnownTypes: () =>
			Object.fromEntries(
				Object.keys(nodeTypesByName).map((type) => [type, { className: type, sourcePath: '' }]),
			),
	};
	cached = {
		name: manifest.name,
		nodeTypes,
		nodeTypesByName,
		credentialTypes,
		resolveType(type) {
			if (nodeTypesByName[type]) return type;
			const full = `${manifest.name}.${type}`;
			if (nodeTypesByName[full]) return full;
			throw new Error(`engine harness: unknown node type "${type}"`);
		},
	};
	return cached;
}
