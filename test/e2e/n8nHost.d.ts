/** Types for n8nHost.js (drives a real n8n 2.41 for the end-to-end tests). */
export declare const HOST_DIR: string;
export declare const NODE24: string;
export declare const N8N_BIN: string;
export declare const REPO: string;
export declare function freePort(): Promise<number>;
export declare function packProject(destination: string): Promise<string>;
export declare function installTarball(userFolder: string, tarball: string): Promise<string>;
export declare function n8nEnv(userFolder: string, port: number, brokerPort: number, extra?: Record<string, string>): NodeJS.ProcessEnv;
export declare function n8nCli(env: NodeJS.ProcessEnv, args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
/** Credentials with the examples' IDs, pointing at the given fake providers. */
export declare function importCredentials(env: NodeJS.ProcessEnv, fakes: { starMagic?: { apiKey: string; baseUrl: string }; evoLink?: { apiKey: string; baseUrl: string }; apiframe?: { apiKey: string; baseUrl: string } }): Promise<void>;
/** Every example workflow, the public sample photo pointed at `samplesBaseUrl`/samples/photo.png. */
export declare function importExamples(env: NodeJS.ProcessEnv, samplesBaseUrl: string): Promise<void>;
/** The owner account through the REST API; resolves to the `n8n-auth=...` cookie. */
export declare function setupOwner(base: string): Promise<string>;
export interface N8nServer {
	pid: number;
	base: string;
	stop(): Promise<void>;
}
export declare function startN8n(env: NodeJS.ProcessEnv, logFile: string): Promise<N8nServer>;
export declare function startN8nProcess(args: string[], env: NodeJS.ProcessEnv, logFile: string, readyUrl: string): Promise<N8nServer>;
export declare function tempUserFolder(): string;
export declare function run(command: string, args: string[], options?: object): Promise<{ stdout: string; stderr: string }>;
export declare function stopwatch(): { timings: Record<string, number>; timed<T>(name: string, work: () => Promise<T>): Promise<T> };
