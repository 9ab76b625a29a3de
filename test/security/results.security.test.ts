/**
 * Hostile answers, in simulated time: result URLs the provider names, redirects on the way to
 * them, more images than were asked for, and a request n8n refuses to send. The API is reached
 * at a public https address (an alias the fake stands in for), so the node applies the rules a
 * real deployment gets: https only, no local or private hosts.
 */
import { downloadPoolSize } from '../../nodes/shared/downloadPool';
import { CDN, cdn, clock, evoLink, fake, generate, run } from './hostileProvider';
import { AttackTable } from './table';

const table = new AttackTable('Result URLs and answers');
afterAll(() => table.print());

/** A completed task body whose result URLs are chosen by the attacker. */
function completedWith(results: string[]) {
	return {
		route: 'status' as const,
		status: 200,
		body: { id: 'task-unified-1-abcdefgh', status: 'completed', progress: 100, results },
		times: Infinity,
	};
}

describe('result URLs are fetched by rules', () => {
	it('refuses a result URL on a loopback address (the API is public https)', async () => {
		const { out, fn } = await run([generate()]);
		expect(out[0].json.error).toMatch(
			/was refused \(127\.0\.0\.1 is a local or private address\)|http URLs are not fetched/,
		);
		expect(fn.stats.urls).toEqual([]);
		table.add(
			'Result URL http://127.0.0.1/...',
			'fetched and stored as the image',
			'refused before any request, item fails',
		);
	});

	it('checks every redirect hop: a 302 from the CDN to an internal address is not followed', async () => {
		fake.inject(completedWith([`${CDN}/samples/photo.png`]));
		cdn.inject({
			route: 'any',
			status: 302,
			headers: { location: 'https://169.254.169.254/latest/meta-data' },
			body: {},
			times: Infinity,
		});
		const { out, fn } = await run([generate()]);
		expect(out[0].json.error).toMatch(/169\.254\.169\.254 is a local or private address/);
		// One request, to the CDN's own (checked) address; the hop was never requested.
		expect(fn.stats.urls).toHaveLength(1);
		expect(fn.stats.connected).toEqual(['93.184.215.11']);
		table.add(
			'302 from the result host to an internal address',
			'fetched and stored as the image',
			'hop refused, never requested',
		);
	});

	it('refuses file: URLs at once, without "try again later"', async () => {
		fake.inject(completedWith(['file:///etc/passwd']));
		const { out, fn } = await run([generate()]);
		expect(out[0].json.error).toMatch(/file URLs are not fetched/);
		expect(out[0].json.description).not.toMatch(/try again/i);
		expect(fn.stats.urls).toEqual([]);
		table.add(
			'Result URL file:///etc/passwd',
			'refused, then retried as "try again later"',
			'refused once, permanent error',
		);
	});

	it("uses n8n's egress filter for every hop where n8n has one", async () => {
		fake.inject(completedWith([`${CDN}/samples/photo.png`]));
		const { out, fn } = await run([generate()], { egress: (url) => !url.startsWith(CDN) });
		expect(out[0].json.error).toMatch(/blocked by the egress filter/);
		expect(fn.stats.urls).toEqual([]);
		table.add(
			"Result URL n8n's egress filter refuses",
			'not consulted',
			'refused before any request',
		);
	});

	it('fetches at most the images asked for, even when the answer lists 1,000', async () => {
		const urls = Array.from({ length: 1000 }, (_, i) => `${CDN}/samples/p${i}.png`);
		fake.inject(completedWith(urls));
		const { out, fn } = await run([generate({ options: { output: 'binary' } })]);
		expect(out).toHaveLength(1);
		expect(fn.stats.urls).toHaveLength(1);
		table.add(
			'1 image asked, the answer lists 1,000 URLs',
			'1,000 downloads, 512 at once',
			'1 download, 1 item',
		);
	});

	it('downloads through a pool: 60 images at once become at most 50 connections', async () => {
		const { out, fn } = await run(
			[1, 2, 3, 4, 5, 6].map(() => generate({ model: 'gpt-image-2', numberOfImages: 10 })),
			{
				credentials: {
					[evoLink.adapter.credentialType]: { apiKey: fake.apiKey, baseUrl: fake.baseUrl },
				},
			},
		);
		expect(out.filter((i) => i.binary)).toHaveLength(60);
		expect(downloadPoolSize()).toBe(50);
		expect(fn.stats.peak).toBeLessThanOrEqual(downloadPoolSize());
		table.add(
			'60 result images in one execution',
			'all downloaded at once',
			`at most ${fn.stats.peak} at once`,
		);
	});
});

describe('a request refused before it was sent', () => {
	it("is 'not sent': never retried and never 'may have created a task'", async () => {
		const { out } = await run([generate()], { http: { blockedHosts: ['api.provider.test'] } });
		expect(out[0].json.error).toMatch(/refused before it was sent/);
		expect(out[0].json.description).toMatch(/Nothing was sent, so nothing was billed/);
		expect(out[0].json.description).not.toMatch(/may have created/);
		expect(fake.counts.total).toBe(0);
		table.add(
			"A request n8n's SSRF protection refuses",
			'reported as "may have created (and billed)", retried 5 times',
			'not sent, not retried, says nothing was billed',
		);
	});
});

describe('answers that trickle', () => {
	it('a status answer dripping one byte every 500 ms ends at its total deadline, within Max Wait', async () => {
		fake.inject({ route: 'status', mode: 'drip', dripMs: 500, times: Infinity });
		const started = clock.now();
		const { out } = await run(
			[generate({ options: { requestTimeoutSeconds: 2, maxWaitSeconds: 4 } })],
			{
				credentials: {
					[evoLink.adapter.credentialType]: { apiKey: fake.apiKey, baseUrl: fake.baseUrl },
				},
			},
		);
		expect(out[0].json.error).toMatch(/no complete answer within 2 s|did not finish within 4 s/);
		expect(clock.now() - started).toBeLessThanOrEqual(4000 + 2000 + 1000);
		table.add(
			'Status endpoint dripping 1 byte every 500 ms (timeout 2 s, Max Wait 4 s)',
			'still waiting after 25 s',
			`failed after ${(clock.now() - started) / 1000} s`,
		);
	});
});
