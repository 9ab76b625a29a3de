import { fact } from '../shared/facts';
import type { Fact, FactTable } from '../shared/facts';
import type { TaskStatus, WireReading } from '../shared/types';

/**
 * Everything the Apiframe adapter (Apiframe.adapter.ts) and the trigger assume about Apiframe v2
 * (docs/providers.md, "Apiframe"). "Schema" is the OpenAPI file bundled in Apiframe's official SDK
 * (generated from the backend's validators); "model page" its GPT Image 1.5 page on apiframe.ai.
 */

const SCHEMA = "Apiframe's OpenAPI schema (in its official SDK)";
const MB = 1048576;

/**
 * Where Apiframe's documents disagree on the request's shape (README, "Provider facts"). The
 * schema is generated from the backend's validators, so its shape is sent first; the model page's
 * shape is the fallback after a 400 that names the field, or after the read-back shows it dropped.
 * To send the other shape first, swap the two entries of `shapes`.
 */
export const WEBHOOK_READING: WireReading = {
	point: 'webhook field',
	shapes: ['webhookUrl', 'webhook_url'],
	named: /webhook_?url|webhookEvents/i,
	evidence:
		"Apiframe's OpenAPI schema and webhook guide name the field webhookUrl, its GPT Image model page webhook_url.",
};

export const INPUT_IMAGES_READING: WireReading = {
	point: 'input_images',
	shapes: ['array', 'string'],
	named: /input_images/,
	unfit: (request, shape) =>
		shape === 'string' && request.imageUrls.length > 1
			? "Only one image fits the page's reading: give one input image per item."
			: undefined,
	evidence:
		"Apiframe's OpenAPI schema takes input_images as a list of URLs, its GPT Image model page as one URL.",
};

export const ASPECT_RATIO_READING: WireReading = {
	point: 'aspect_ratio',
	shapes: ['params', 'top'],
	named: /aspect_ratio/,
	evidence:
		"Apiframe's OpenAPI schema has aspect_ratio among the model's params; its model page lists the ratios as a feature, not among the model's six params.",
};

export interface ApiframeFacts extends FactTable {
	baseUrl: Fact<string>;
	auth: Fact<string>;
	keyPrefix: Fact<string>;
	submitRoute: Fact<string>;
	paramsKey: Fact<Record<string, string>>;
	webhookField: Fact<WireReading>;
	inputImages: Fact<WireReading>;
	aspectRatio: Fact<WireReading>;
	unknownKeys: Fact<'refused'>;
	outputFormat: Fact<string>;
	promptLimit: Fact<number>;
	taskId: Fact<RegExp>;
	statusRoute: Fact<string>;
	unknownTask: Fact<RegExp>;
	listRoute: Fact<string>;
	statusWords: Fact<Record<string, TaskStatus>>;
	resultShape: Fact<string>;
	jobInput: Fact<string>;
	webhookStatus: Fact<string>;
	errorShape: Fact<string>;
	idempotency: Fact<string>;
	upload: Fact<{ path: string; maxBytes: number; mimeTypes: string[] }>;
	inputImageLimits: Fact<number>;
	webhookRules: Fact<{ httpsOnly: boolean; blockPrivateHosts: boolean; maxLength: number }>;
	signature: Fact<string>;
	balanceRoute: Fact<string>;
	balanceShape: Fact<string>;
	price: Fact<string>;
	priceTable: Fact<Record<string, Record<string, number>>>;
}

/** A disputed request shape, as a fact: the reading the node sends first, and the other one. */
function readingFact(
	reading: WireReading,
	about: string,
	source: string,
	other: string,
	ifWrong: string,
): Fact<WireReading> {
	return fact(reading, {
		about,
		shown: `\`${reading.shapes[0]}\` (the other reading: \`${reading.shapes[1]}\`)`,
		confidence: 'disputed',
		source,
		other,
		ifWrong,
		probe: 'free',
	});
}

/** UUIDs, in any letter case. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const APIFRAME_FACTS: ApiframeFacts = {
	baseUrl: fact('https://api.apiframe.ai', {
		about: 'API address',
		shown:
			'`https://api.apiframe.ai`, paths under `/v2/` (v1 on api.apiframe.pro is another product)',
		confidence: 'documented',
		source: `${SCHEMA}, servers`,
		probe: 'none',
	}),
	auth: fact('X-API-Key: <key>', {
		about: 'Authentication',
		shown: 'header `X-API-Key: <key>`; 401 without a valid one',
		confidence: 'documented',
		source: `${SCHEMA} and its authentication page`,
		probe: 'free',
	}),
	keyPrefix: fact('afk_', {
		about: 'API keys start with',
		shown: '`afk_`',
		confidence: 'documented',
		source: "Apiframe's authentication page",
		probe: 'free',
	}),
	submitRoute: fact('/v2/images/generate', {
		about: 'Submit route',
		shown: '`POST /v2/images/generate`, answered 202 `{jobId, status}`',
		confidence: 'documented',
		source: SCHEMA,
		probe: 'free',
	}),
	paramsKey: fact(
		{ 'gpt-image-1.5': 'gptImageParams', 'gpt-image-2': 'gptImage2Params' },
		{
			about: 'Model parameters object',
			shown: '`gptImageParams` (gpt-image-1.5), `gptImage2Params` (gpt-image-2)',
			confidence: 'documented',
			source: `${SCHEMA} and the model pages`,
			probe: 'free',
		},
	),
	webhookField: readingFact(
		WEBHOOK_READING,
		'Webhook field',
		`${SCHEMA}, webhook guide and SDK: \`webhookUrl\` + \`webhookEvents\``,
		'model page FAQ: "common `prompt`, `webhook_url` fields"',
		'A 400 naming the field makes the node resend with `webhook_url` (a 400 creates no job); a silent drop shows in the read-back (`callbackConfirmed: false`, a warning) and the next items send the other field',
	),
	inputImages: readingFact(
		INPUT_IMAGES_READING,
		'`input_images`',
		`${SCHEMA}: a list of URLs (or null)`,
		'model page: "string (URL)", every example one string',
		'A 400 naming the field makes the node resend one image as a string (several cannot be sent so, and the error says it); a silent drop shows in the read-back',
	),
	aspectRatio: readingFact(
		ASPECT_RATIO_READING,
		'`aspect_ratio` placement',
		`${SCHEMA}: inside \`gptImageParams\` / \`gptImage2Params\``,
		"model page: a feature, not among the model's six params (a top-level field)",
		'A 400 naming the field makes the node resend it at the top level; a silent drop (every image 1:1) shows in the read-back as a warning, and the next items send the other place',
	),
	unknownKeys: fact('refused', {
		about: 'Unknown request fields',
		shown:
			'refused with 400 (`additionalProperties: false`), so a wrong field name is never silent',
		confidence: 'documented',
		source: SCHEMA,
		ifWrong:
			'A field Apiframe drops without a word is caught by the read-back of the first job, where the job shows `input`',
		probe: 'free',
	}),
	outputFormat: fact('png', {
		about: '`output_format` default',
		shown: 'not relied on: the node always sends the format chosen (PNG by default)',
		confidence: 'disputed',
		source: 'model page: `png`',
		other: `${SCHEMA}: \`webp\``,
		ifWrong: 'Nothing depends on it',
		probe: 'none',
	}),
	promptLimit: fact(2000, {
		about: 'Prompt limit',
		shown: '1-2,000 characters',
		confidence: 'documented',
		source: SCHEMA,
		probe: 'free',
	}),
	taskId: fact(UUID, {
		about: 'Job IDs',
		shown: 'UUIDs; another form gets 400',
		confidence: 'documented',
		source: SCHEMA,
		probe: 'free',
	}),
	statusRoute: fact('/v2/jobs/{id}', {
		about: 'Status route',
		shown: '`GET /v2/jobs/{id}`',
		confidence: 'documented',
		source: `${SCHEMA} and the Get Job page`,
		probe: 'free',
	}),
	unknownTask: fact(/job|task/i, {
		about: 'Unknown job',
		shown: '404 `{"error": "…"}` whose text names the job',
		confidence: 'inferred',
		source: 'the 404 is documented ("not found or another user\'s job"); its text is not',
		ifWrong:
			'A 404 whose text does not name the job is reported as "the job or the route is not there", never as a wrong key',
		probe: 'free',
	}),
	listRoute: fact('/v2/jobs', {
		about: 'Job list route',
		shown: '`GET /v2/jobs?limit=1-100&cursor=`, newest first: `{jobs, nextCursor, hasMore}`',
		confidence: 'documented',
		source: `${SCHEMA} and the List Jobs page`,
		ifWrong: 'Waiting reads each job on its own instead (one request per job)',
		probe: 'free',
	}),
	statusWords: fact(
		{
			QUEUED: 'queued',
			PROCESSING: 'processing',
			COMPLETED: 'completed',
			FAILED: 'failed',
			CANCELLED: 'cancelled',
		},
		{
			about: 'Job statuses',
			shown: '`QUEUED`, `PROCESSING`, `COMPLETED`, `FAILED`, `CANCELLED`',
			confidence: 'documented',
			source: SCHEMA,
			probe: 'spend',
		},
	),
	resultShape: fact('{images: [...]}', {
		about: 'Result of a completed job',
		shown: '`result: {"images": [urls]}`; a bare URL string is read too',
		confidence: 'disputed',
		source: 'newer docs: `{"images": [...]}`',
		other: 'older docs: one URL string (the schema types it "any")',
		ifWrong: 'Both are read',
		probe: 'spend',
	}),
	jobInput: fact('input', {
		about: 'The job shows its request',
		shown: '`input`: the request the job was created from (optional in the schema)',
		confidence: 'documented',
		source: SCHEMA,
		ifWrong:
			'Without it the read-back can only tell a dropped webhook (by `webhookStatus`); aspect ratio and input images go unchecked',
		probe: 'spend',
	}),
	webhookStatus: fact('null | word', {
		about: 'Webhook status of a job',
		shown: '`null` without a webhook; a word with one (`pending`, `delivered`, `failed`)',
		confidence: 'disputed',
		source: `${SCHEMA}: \`pending\`, \`delivered\`, \`failed\` or null`,
		other: 'docs example: `sent`',
		ifWrong: 'Any word counts as a planned webhook; `delivered` and `sent` as delivered',
		probe: 'spend',
	}),
	errorShape: fact('{"error", "details"}', {
		about: 'Error answers',
		shown: 'flat `{"error": "…"}`; 400 adds `details` by field path; 402 `creditsRequired`',
		confidence: 'documented',
		source: `${SCHEMA} and SDK`,
		probe: 'free',
	}),
	idempotency: fact('Idempotency-Key', {
		about: 'Idempotent submissions',
		shown:
			'`Idempotency-Key` header: the same key within 24 h returns the first job; another body gets 409',
		confidence: 'documented',
		source: `${SCHEMA} and SDK README`,
		probe: 'spend',
	}),
	upload: fact(
		{
			path: '/v2/uploads',
			maxBytes: 25 * MB,
			mimeTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
		},
		{
			about: 'File upload',
			shown:
				'`POST /v2/uploads` (multipart `file`), answered 201 `{url}`; PNG, JPEG, WebP, GIF up to 25 MB',
			confidence: 'documented',
			source: SCHEMA,
			probe: 'free',
		},
	),
	inputImageLimits: fact(25 * MB, {
		about: 'Input images',
		shown: '1-16, jpeg/png/webp/gif, 25 MB each (the upload limit)',
		confidence: 'inferred',
		source: 'none documented for GPT models; these are what `/v2/uploads` takes',
		ifWrong: "Apiframe's own 400 decides for image URLs (nothing is billed)",
		probe: 'none',
	}),
	webhookRules: fact(
		{ httpsOnly: false, blockPrivateHosts: false, maxLength: 2048 },
		{
			about: 'Webhook URL rules',
			shown: 'any http(s) URL of at most 2,048 characters',
			confidence: 'inferred',
			source: 'none documented (schema: `format: uri`)',
			ifWrong: "Apiframe's own 400 decides (nothing is billed)",
			probe: 'none',
		},
	),
	signature: fact('digest', {
		about: 'Webhook signature key',
		shown:
			'HMAC-SHA256 of the body keyed by SHA-256 of the key: both its raw digest and its hex text are accepted',
		confidence: 'disputed',
		source: 'SDK: the raw 32-byte digest',
		other: 'docs: "SHA256(apiKey)", which also fits the hex text',
		ifWrong: 'Both are accepted',
		probe: 'none',
	}),
	balanceRoute: fact('/v2/me', {
		about: 'Balance route',
		shown: '`GET /v2/me`',
		confidence: 'documented',
		source: `${SCHEMA} and the /v2/me page`,
		probe: 'free',
	}),
	balanceShape: fact('team.credits', {
		about: 'Balance answer',
		shown: '`team.credits` (the team may be null)',
		confidence: 'documented',
		source: `${SCHEMA} and the /v2/me page`,
		probe: 'free',
	}),
	price: fact('creditCost', {
		about: 'Price of a job',
		shown: "the job's `creditCost` (the 202 answer has none; failed jobs are refunded)",
		confidence: 'documented',
		source: `${SCHEMA} and the Get Job page`,
		probe: 'spend',
	}),
	priceTable: fact(
		{
			'gpt-image-1.5': { low: 4, medium: 9, high: 24, auto: 24 },
			'gpt-image-2': { low: 4, medium: 9, high: 23, auto: 23 },
		},
		{
			about: 'Published prices (credits per image)',
			shown:
				'gpt-image-1.5 low/medium/high/auto 4/9/24/24, gpt-image-2 4/9/23/23: used until a job tells its `creditCost`',
			confidence: 'disputed',
			source: 'apiframe.ai docs (newer): gpt-image-1.5 4/9/24/24',
			other: 'docs-v2.apiframe.ai (older): 2/5/14/14',
			ifWrong: 'The higher table is kept, so an estimate never lets spending pass a cap',
			probe: 'spend',
		},
	),
};
