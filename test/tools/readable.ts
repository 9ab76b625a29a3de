/**
 * What every message the nodes can show a person must be: a sentence, not a template that
 * leaked (no "a undefined", "[object Object]", "NaN", doubled words or a dangling colon).
 */
const LEAKS: Array<[RegExp, string]> = [
	[/\bundefined\b/, 'the word undefined'],
	[/\[object \w+\]/, 'an object printed as [object …]'],
	[/\bNaN\b/, 'NaN'],
	[/\b(a|an|the|is|of|to) \1\b/i, 'a doubled word'],
	[/\ba (object|array|integer|element|empty|image)\b/, '"a" before a vowel sound'],
	[/\s{2,}/, 'a run of spaces'],
	[/[:,;]\s*$/, 'a dangling colon or comma at the end'],
	[/\$\{/, 'an unfilled template'],
];

/** Why `text` is not a readable sentence, or undefined when it is. */
export function unreadable(text: string | null | undefined): string | undefined {
	if (!text) return undefined;
	for (const [pattern, what] of LEAKS) if (pattern.test(text)) return `${what}: "${text}"`;
	return /^[A-Z0-9"'`({*]/.test(text) ? undefined : `does not start like a sentence: "${text}"`;
}
