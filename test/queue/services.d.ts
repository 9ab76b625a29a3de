export interface Service {
	port: number;
	pid: number;
	stop(): Promise<void>;
}
export declare function startPostgres(logFile: string): Promise<Service & { psql(sql: string): string }>;
export declare function startRedis(dir: string, logFile: string): Promise<Service>;
export declare function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
