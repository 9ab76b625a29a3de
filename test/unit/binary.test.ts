import { DownloadLimitError, limitedChunks, multipartBody } from '../../nodes/shared/binary';
import type { BinaryStream } from '../../nodes/shared/types';

/** A stand-in for a response stream: async-iterable chunks and a destroy() the limit calls. */
function source(chunks: Buffer[]): BinaryStream & { destroyed: boolean } {
	const stream = {
		destroyed: false,
		destroy() {
			stream.destroyed = true;
		},
		async *[Symbol.asyncIterator]() {
			for (const chunk of chunks) yield chunk;
		},
	};
	return stream as unknown as BinaryStream & { destroyed: boolean };
}

async function drain(iterable: AsyncIterable<Buffer>): Promise<number> {
	let total = 0;
	for await (const chunk of iterable) total += chunk.length;
	return total;
}

const far = () => Date.now() + 60000;

describe('download limits', () => {
	it('passes chunks through within the limits', async () => {
		expect(
			await drain(
				limitedChunks(
					source([Buffer.alloc(10), Buffer.alloc(5)]),
					{ maxBytes: 15, timeoutMs: 60000, deadline: far(), now: Date.now },
					15,
				),
			),
		).toBe(15);
	});

	it('stops an oversized download as soon as it passes the limit (fatal)', async () => {
		const body = source([Buffer.alloc(10), Buffer.alloc(10), Buffer.alloc(10)]);
		const error = await drain(
			limitedChunks(body, { maxBytes: 15, timeoutMs: 60000, deadline: far(), now: Date.now }),
		).catch((e) => e);
		expect(error).toBeInstanceOf(DownloadLimitError);
		expect(error).toMatchObject({ fatal: true, fix: expect.stringMatching(/Max Download Size/) });
		expect(body.destroyed).toBe(true);
	});

	it('stops a download that runs past its deadline (fatal)', async () => {
		const body = source([Buffer.alloc(1), Buffer.alloc(1)]);
		const error = await drain(
			limitedChunks(body, {
				maxBytes: 100,
				timeoutMs: 5000,
				deadline: Date.now() - 1,
				now: Date.now,
			}),
		).catch((e) => e);
		expect(error).toMatchObject({ fatal: true, message: 'the download took longer than 5 s' });
		expect(body.destroyed).toBe(true);
	});

	it('reports a body shorter than announced as retryable', async () => {
		const error = await drain(
			limitedChunks(
				source([Buffer.alloc(4)]),
				{ maxBytes: 100, timeoutMs: 5000, deadline: far(), now: Date.now },
				10,
			),
		).catch((e) => e);
		expect(error).toMatchObject({
			fatal: false,
			message: 'the download ended after 4 of 10 bytes',
		});
	});
});

describe('multipart body', () => {
	it('frames one file part with its name and type, with the exact length', () => {
		const { body, contentType, contentLength } = multipartBody({
			field: 'file',
			fileName: 'a"b.png',
			mimeType: 'image/png',
			content: Buffer.from('PNGDATA'),
		});
		const boundary = /boundary=(.+)$/.exec(contentType)![1];
		const text = (body as Buffer).toString('latin1');
		expect(
			text.startsWith(
				`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a_b.png"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--${boundary}--\r\n`,
			),
		).toBe(true);
		expect(contentLength).toBe((body as Buffer).length);
	});
});
