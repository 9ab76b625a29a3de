/** The engine harness: this package's compiled nodes inside n8n-core, in-process. */
export { readBinary } from './binary';
export type { BinaryInput, BinaryMode } from './binary';
export { testCredential } from './credentialTest';
export type { CredentialTestResult } from './credentialTest';
export { cleanup } from './env';
export { loadPackage, REPO_ROOT } from './package';
export { REPEAT_TYPE } from './repeat';
export { createTrigger } from './trigger';
export type { TriggerCall, TriggerHandle, TriggerRequest } from './trigger';
export { runNode, runWorkflow, startWorkflow } from './workflow';
export type {
	ExecutionHandle,
	InputItem,
	NodeInput,
	RunResult,
	RunWorkflowOptions,
} from './workflow';
