/**
 * Jest setup for every test file: whatever any test writes to the console or to stdout/stderr is
 * kept, and each file ends by checking that none of it holds one of the test API keys.
 */
import { SECRET } from './engine/setup';

const written: string[] = [];
const originals = {
	out: process.stdout.write.bind(process.stdout),
	err: process.stderr.write.bind(process.stderr),
};

function capture(original: typeof process.stdout.write) {
	return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
		written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
		return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
	}) as typeof process.stdout.write;
}

beforeAll(() => {
	process.stdout.write = capture(originals.out);
	process.stderr.write = capture(originals.err);
	for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
		const original = console[method].bind(console);
		console[method] = (...args: unknown[]) => {
			written.push(
				args.map((a) => (typeof a === 'string' ? a : (JSON.stringify(a) ?? String(a)))).join(' '),
			);
			original(...args);
		};
	}
});

afterAll(() => {
	process.stdout.write = originals.out;
	process.stderr.write = originals.err;
	const text = written.join('\n');
	for (const key of Object.values(SECRET)) expect(text.includes(key)).toBe(false);
});
