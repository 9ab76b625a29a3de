/**
 * Process setup for running n8n-core in tests. Imported first by every harness module: n8n-core
 * reads these variables when it is first loaded (InstanceSettings would otherwise write a
 * generated key to ~/.n8n/config), and its ErrorReporter would print every expected node error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TEMP_PREFIX = 'n8n-engine-harness-';

/** Removes temp folders left behind by harness processes that no longer exist. */
function pruneStaleTempDirs(): void {
	for (const entry of fs.readdirSync(os.tmpdir())) {
		const match = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(entry);
		if (!match || Number(match[1]) === process.pid) continue;
		try {
			process.kill(Number(match[1]), 0);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
				fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
			}
		}
	}
}

pruneStaleTempDirs();

/** This process's temp folder: n8n's user folder and the binary store live under it. */
export const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
const userFolder = path.join(tempRoot, 'user');
fs.mkdirSync(userFolder, { recursive: true });
process.env.N8N_USER_FOLDER = userFolder;
process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'false';
process.env.N8N_ENCRYPTION_KEY ||= 'engine-harness-test-encryption-key';

/** Deletes this process's temp folders; no runs afterwards. */
export function cleanup(): void {
	fs.rmSync(tempRoot, { recursive: true, force: true });
}
