/** The pure checks behind the security rules: URLs, sniffed bytes, masked secrets, typed values. */
import { Readable } from 'node:stream';

import { cappedImageUrls, policyFor, resultUrlProblem } from '../../nodes/shared/resultUrls';
import { firstBytes, sniffImage } from '../../nodes/shared/sniff';
import { maskSecrets, secretsOf } from '../../nodes/shared/taskClient';
import { readCapped, refusedBeforeSending } from '../../nodes/shared/transport';
import { checkFieldName, textValue, wholeNumber } from '../../nodes/shared/validation';
import { pngBytes } from '../fakes';

describe('result URL rules', () => {
	const publicApi = policyFor('https://api.evolink.ai');
	it('takes https and public hosts only, unless the API itself is http or local', () => {
		expect(resultUrlProblem('https://cdn.example/a.png', publicApi)).toBeUndefined();
		expect(resultUrlProblem('http://cdn.example/a.png', publicApi)).toMatch(/https only/);
		for (const host of [
			'127.0.0.1',
			'[::1]',
			'10.1.2.3',
			'169.254.169.254',
			'192.168.0.2',
			'localhost',
			'2130706433',
			'0x7f.1',
		]) {
			expect(resultUrlProblem(`https://${host}/a.png`, publicApi)).toMatch(/local or private/);
		}
		expect(resultUrlProblem('https://user:pw@cdn.example/a.png', publicApi)).toMatch(/user name/);
		expect(resultUrlProblem('file:///etc/passwd', publicApi)).toMatch(/file URLs/);
		expect(resultUrlProblem('not a url', publicApi)).toMatch(/not a URL/);
		const localApi = policyFor('http://127.0.0.1:8080');
		expect(resultUrlProblem('http://127.0.0.1:8080/r.png', localApi)).toBeUndefined();
		expect(policyFor('')).toEqual({ allowHttp: false, allowPrivate: false, fromProvider: false });
	});

	it('caps a task at the images asked for, and at 10', () => {
		const urls = Array.from({ length: 50 }, (_, i) => `u${i}`);
		expect(cappedImageUrls(urls, 1)).toEqual(['u0']);
		expect(cappedImageUrls(urls)).toHaveLength(10);
		expect(cappedImageUrls(urls, 40)).toHaveLength(10);
	});
});

describe('bytes, not labels', () => {
	it('recognises PNG, JPEG, GIF and WebP by their first bytes', async () => {
		expect(sniffImage(pngBytes(4, 4))).toBe('image/png');
		expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
		expect(sniffImage(Buffer.from('GIF89a'))).toBe('image/gif');
		expect(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
		expect(sniffImage(Buffer.from('#!/bin/sh'))).toBeUndefined();
		expect(await firstBytes(Readable.from([Buffer.from('ab'), Buffer.from('cdef')]), 3)).toEqual(
			Buffer.from('abc'),
		);
	});
});

describe('answers and errors', () => {
	it('reads at most the cap of an answer', async () => {
		expect(
			await readCapped(Readable.from([Buffer.alloc(10), Buffer.alloc(10)]), 15),
		).toBeUndefined();
		expect((await readCapped(Readable.from([Buffer.from('{}')]), 15))?.toString()).toBe('{}');
	});

	it('tells a request n8n refused to send from a network failure', () => {
		expect(
			refusedBeforeSending(Object.assign(new Error('blocked'), { name: 'SsrfBlockedIpError' })),
		).toBe(true);
		expect(
			refusedBeforeSending({ message: 'wrapped', cause: { name: 'SsrfBlockedHostnameError' } }),
		).toBe(true);
		expect(refusedBeforeSending(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
			false,
		);
	});

	it("masks the credential's secrets, also URL-encoded", () => {
		const secrets = secretsOf({ apiKey: 'sk-a+b/c=SECRET', baseUrl: 'https://x', name: 'sk-a' });
		expect(secrets).toEqual(['sk-a+b/c=SECRET']);
		expect(maskSecrets('key sk-a+b/c=SECRET and sk-a%2Bb%2Fc%3DSECRET', secrets)).toBe(
			'key *** and ***',
		);
	});
});

describe('typed values', () => {
	it('takes text and numbers as text, nothing else', () => {
		expect(textValue('a fox', 'Prompt')).toEqual({ value: 'a fox' });
		expect(textValue(42, 'Prompt')).toEqual({ value: '42' });
		for (const bad of [{}, null, ['a'], true, undefined])
			expect(textValue(bad, 'Prompt').problem?.field).toBe('Prompt');
	});

	it('takes whole numbers from numbers or decimal strings only', () => {
		expect(wholeNumber(3, 'N').value).toBe(3);
		expect(wholeNumber(' 4 ', 'N').value).toBe(4);
		for (const bad of [true, [3], '0x3', '3 images', {}])
			expect(wholeNumber(bad, 'N').problem).toBeDefined();
	});

	it('refuses the prototype names as field names', () => {
		for (const name of ['__proto__', 'constructor', 'prototype'])
			expect(checkFieldName(name, 'F')).toBeDefined();
		expect(checkFieldName('data', 'F')).toBeUndefined();
	});
});
