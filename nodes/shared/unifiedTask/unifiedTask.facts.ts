import { fact } from '../facts';
import type { Fact, FactTable } from '../facts';
import type { ModelInfo, TaskStatus } from '../types';

/**
 * The unified task API as EvoLink documents it (docs/providers.md, "Unified task API"): every fact
 * the adapter (unifiedTask.adapter.ts) and the trigger rely on. A reseller that speaks it takes
 * this table through `copiedTo`, which marks every fact none of its own pages shows as inferred.
 */

export interface PromptLimit {
	max: number;
	/** How the provider counts: characters (Unicode code points) or model tokens. */
	unit: 'characters' | 'tokens';
}

export interface UploadRoute {
	path: string;
	/** The largest file the file host takes. */
	maxBytes: number;
	mimeTypes: string[];
}

export interface CallbackRules {
	httpsOnly: boolean;
	blockPrivateHosts: boolean;
	maxLength: number;
}

const MB = 1048576;

export interface UnifiedFacts extends FactTable {
	baseUrl: Fact<string>;
	auth: Fact<string>;
	keyPrefix: Fact<string>;
	submitRoute: Fact<string>;
	taskId: Fact<RegExp>;
	statusRoute: Fact<string>;
	unknownTask: Fact<{ status: number; code: string }>;
	statusWords: Fact<Record<string, TaskStatus>>;
	resultsField: Fact<string>;
	createdField: Fact<string>;
	modelShown: Fact<string>;
	errorEnvelope: Fact<string>;
	price: Fact<string>;
	balanceRoute: Fact<string>;
	balanceShape: Fact<string>;
	upload: Fact<UploadRoute | undefined>;
	inputImages: Fact<{ max: number; extensions: string[] }>;
	inputImageSize: Fact<number>;
	promptLimit: Fact<PromptLimit>;
	promptLimitV2: Fact<number>;
	promptCeiling: Fact<number>;
	onePerTask: Fact<boolean>;
	callbackRules: Fact<CallbackRules>;
	callbackBody: Fact<string>;
	callbackShown: Fact<boolean>;
}

/**
 * Task IDs look like task-unified-1757156493-imcg5zqt (32 characters); the API rejects any other
 * prefix. At most 64 characters in all: the prefix and 1-51 letters, digits or hyphens.
 */
export const UNIFIED_TASK_ID = /^task-unified-[A-Za-z0-9-]{1,51}$/;

const PAGES = "EvoLink's GPT Image pages (1.5, 2 and the archived 1)";

/** The table as EvoLink documents the API; `provider` is the name used in the texts. */
export function unifiedTaskFacts(baseUrl: string): UnifiedFacts {
	return {
		baseUrl: fact(baseUrl, {
			about: 'API address',
			shown: `\`${baseUrl}\``,
			confidence: 'documented',
			source: `${PAGES}, servers`,
			ifWrong: "The credential's Base URL can be changed",
			probe: 'none',
		}),
		auth: fact('Authorization: Bearer <key>', {
			about: 'Authentication',
			shown: 'header `Authorization: Bearer <key>`',
			confidence: 'documented',
			source: `${PAGES}, security scheme`,
			ifWrong: 'Every request is refused with 401; the credential test says the key was refused',
			probe: 'free',
		}),
		keyPrefix: fact('sk-', {
			about: 'API keys start with',
			shown: '`sk-`',
			confidence: 'documented',
			source: "EvoLink's quickstart (`sk-…`, older pages `sk-evo-…`)",
			ifWrong:
				'Only a hint: when a key is refused, the credential test adds that it does not start so',
			probe: 'free',
		}),
		submitRoute: fact('/v1/images/generations', {
			about: 'Submit route',
			shown: '`POST /v1/images/generations`, answered 200 with the task object',
			confidence: 'documented',
			source: PAGES,
			ifWrong:
				'Submissions answer 404: the error says the route is not where the package assumed, nothing is billed',
			probe: 'free',
		}),
		taskId: fact(UNIFIED_TASK_ID, {
			about: 'Task IDs',
			shown:
				'`task-unified-<seconds>-<8 characters>` (at most 64 characters); another form gets 400 `invalid_task_id`',
			confidence: 'documented',
			source: "EvoLink's task page and every example",
			ifWrong:
				'A submit answer with another form is an error that says a task may exist (never sent again); Wait for Task refuses the ID',
			probe: 'free',
		}),
		statusRoute: fact('/v1/tasks/{id}', {
			about: 'Status route',
			shown: '`GET /v1/tasks/{id}`',
			confidence: 'documented',
			source: "EvoLink's task page",
			ifWrong:
				'Waiting, Wait for Task and the trigger say the route is missing (not that the task or key is wrong); the task IDs are named',
			probe: 'free',
		}),
		unknownTask: fact(
			{ status: 404, code: 'task_not_found' },
			{
				about: 'Unknown task',
				shown: '404 with code `task_not_found` (a missing route answers 404 without it)',
				confidence: 'documented',
				source: "EvoLink's task page",
				ifWrong:
					'A 404 without that code is read as a missing route, so an unknown task is never taken for a wrong key',
				probe: 'free',
			},
		),
		statusWords: fact(
			{ pending: 'queued', processing: 'processing', completed: 'completed', failed: 'failed' },
			{
				about: 'Task statuses',
				shown: '`pending`, `processing`, `completed`, `failed`',
				confidence: 'documented',
				source: `${PAGES} and the task page`,
				ifWrong: 'A status read fails with the field named ("Unexpected task status response")',
				probe: 'spend',
			},
		),
		resultsField: fact('results', {
			about: 'Result URLs',
			shown: '`results`: a list of URLs on a completed task (valid 24 h)',
			confidence: 'documented',
			source: "EvoLink's task page and quickstart",
			ifWrong: 'A completed task without it fails its item naming the field; the task ID is named',
			probe: 'spend',
		}),
		createdField: fact('created', {
			about: 'Task creation time',
			shown: '`created`, Unix seconds',
			confidence: 'documented',
			source: PAGES,
			ifWrong:
				'The trigger cannot tell an old delivery by its age; the delivery memory still applies',
			probe: 'spend',
		}),
		modelShown: fact('model', {
			about: 'Model that ran',
			shown: '`model` in the task: the model actually used',
			confidence: 'documented',
			source: PAGES,
			ifWrong: 'The read-back warns that the task ran another model',
			probe: 'spend',
		}),
		errorEnvelope: fact('{"error": {"code", "message", "type"}}', {
			about: 'Error answers',
			shown: '`{"error": {"code", "message", "type"}}`; `code` a number on `/v1/credits`',
			confidence: 'documented',
			source: `${PAGES} and the credits page`,
			ifWrong: 'Errors show "HTTP <status>" and the start of the answer instead of its message',
			probe: 'free',
		}),
		price: fact('usage.credits_reserved', {
			about: 'Price of a task',
			shown: '`usage.credits_reserved` in the submit answer: the credits reserved for the task',
			confidence: 'documented',
			source: PAGES,
			ifWrong:
				'creditsReserved is null; a credit limit lets one task through, then stops with "no usable price"',
			probe: 'spend',
		}),
		balanceRoute: fact('/v1/credits', {
			about: 'Balance route',
			shown: '`GET /v1/credits`',
			confidence: 'documented',
			source: "EvoLink's credits page",
			ifWrong:
				'The credential test confirms the key through the status route instead; Get Credits and Check Balance First say the route is missing',
			probe: 'free',
		}),
		balanceShape: fact('data.user.remaining_credits', {
			about: 'Balance answer',
			shown:
				'`data.user.remaining_credits`, within `data.token.remaining_credits` unless `unlimited_credits`',
			confidence: 'documented',
			source: "EvoLink's credits page",
			ifWrong:
				'The credential test says "Connected" without a figure; Get Credits fails naming the field',
			probe: 'free',
		}),
		upload: fact<UploadRoute | undefined>(
			{
				path: '/api/v1/files/upload/stream',
				maxBytes: 100 * MB,
				mimeTypes: ['image/jpeg', 'image/png', 'image/webp'],
			},
			{
				about: 'File upload',
				shown:
					'`POST /api/v1/files/upload/stream` on the file host (multipart `file`), answer `data.file_url`; jpeg, png, webp (gif is hosted but not read by the models)',
				confidence: 'documented',
				source: "EvoLink's file API pages",
				ifWrong: 'Binary inputs fail with the upload route named; image URLs still work',
				probe: 'free',
			},
		),
		inputImages: fact(
			{ max: 16, extensions: ['jpeg', 'jpg', 'png', 'webp'] },
			{
				about: 'Input images',
				shown: '1-16 per task, `.jpeg .jpg .png .webp`, reachable by URL',
				confidence: 'documented',
				source: PAGES,
				ifWrong: "The provider's own 400 decides (nothing is billed)",
				probe: 'none',
			},
		),
		inputImageSize: fact(10 * MB, {
			about: 'Size of one input image',
			shown: '10 MB (binary inputs above it are refused before upload)',
			confidence: 'disputed',
			source: 'Korean pages: 10 MB',
			other: 'English pages: 50 MB',
			ifWrong:
				'Only images of 10-50 MB are affected: refused here although the provider takes them',
			probe: 'none',
		}),
		promptLimit: fact<PromptLimit>(
			{ max: 2000, unit: 'tokens' },
			{
				about: 'Prompt limit (gpt-image-1.5, gpt-image-1)',
				shown:
					'2,000 tokens: the node refuses only above 32,000 characters and lets the provider judge the rest',
				confidence: 'disputed',
				source: 'page text: "Limited to 2000 tokens"',
				other: 'page schema: `maxLength: 2000` (characters)',
				ifWrong:
					"A prompt of 2,001+ characters gets the provider's 400 (nothing billed), and the error names the limit",
				probe: 'free',
			},
		),
		promptLimitV2: fact(32000, {
			about: 'Prompt limit (gpt-image-2)',
			shown: '32,000 characters (Unicode code points)',
			confidence: 'documented',
			source: "EvoLink's GPT Image 2 page",
			ifWrong: "The provider's own 400 decides (nothing is billed)",
			probe: 'none',
		}),
		promptCeiling: fact(32000, {
			about: 'Longest prompt of any GPT Image model',
			shown: '32,000 characters: a longer prompt is refused before sending',
			confidence: 'inferred',
			source: "OpenAI's Images API reference (32,000 characters for the GPT image models)",
			ifWrong: 'Only prompts above 32,000 characters are affected',
			probe: 'none',
		}),
		onePerTask: fact(true, {
			about: 'Images per task (gpt-image-1.5)',
			shown: 'one: `n` only 1, so more images are more tasks',
			confidence: 'documented',
			source: "EvoLink's GPT Image 1.5 page (`n` enum `[1]`)",
			ifWrong: 'Only cost: one task per image instead of one task for several',
			probe: 'none',
		}),
		callbackRules: fact(
			{ httpsOnly: true, blockPrivateHosts: true, maxLength: 2048 },
			{
				about: 'Callback URL rules',
				shown: 'https only, no internal addresses, at most 2,048 characters',
				confidence: 'documented',
				source: `${PAGES}, \`callback_url\``,
				ifWrong: "The provider's own 400 decides (nothing is billed)",
				probe: 'none',
			},
		),
		callbackBody: fact('task object', {
			about: 'Callback body',
			shown:
				'the task object as `GET /v1/tasks/{id}` shows it; no signature; retried after 1, 2 and 4 s',
			confidence: 'documented',
			source: `${PAGES}, \`callback_url\``,
			ifWrong:
				'The trigger answers 400 to a body of another shape; the task can be collected with Wait for Task',
			probe: 'none',
		}),
		callbackShown: fact(false, {
			about: 'Callback URL in the task',
			shown:
				'not shown, so a callback cannot be confirmed at submission (`callbackConfirmed: null`)',
			confidence: 'inferred',
			source: 'no documented task object carries `callback_url`',
			ifWrong: 'Nothing is lost: callback items say the callback could not be confirmed',
			probe: 'none',
		}),
	};
}

/**
 * The table of a reseller whose pages are a copy of EvoLink's: the facts its own pages show keep
 * the given source (and confidence), every other one is inferred, copied from EvoLink.
 */
export function copiedTo<T extends FactTable>(
	table: T,
	from: string,
	seen: { [K in keyof T]?: Partial<T[K]> },
): T {
	const copy: FactTable = {};
	for (const [name, entry] of Object.entries(table)) {
		const own = seen[name as keyof T];
		copy[name] = own
			? { ...entry, ...own }
			: {
					...entry,
					confidence: 'inferred',
					source: `copied from ${from}: ${entry.source}`,
					other: undefined,
				};
	}
	return copy as T;
}

/**
 * The models a unified-task provider offers, in the given order, with the limits its fact table
 * states: gpt-image-1.5 and gpt-image-1 share the token limit (one image per task where
 * `onePerTask` says so for 1.5), gpt-image-2 has its own character limit.
 */
export function unifiedModels(
	facts: UnifiedFacts,
	offered: Array<'gpt-image-1.5' | 'gpt-image-1' | 'gpt-image-2'>,
): ModelInfo[] {
	const { promptLimit, promptLimitV2, promptCeiling, onePerTask } = facts;
	const tokenLimited = {
		promptMaxLength: promptLimit.value.max,
		promptUnit: promptLimit.value.unit,
		promptCeiling: promptCeiling.value,
	};
	const all: Record<(typeof offered)[number], ModelInfo> = {
		'gpt-image-1.5': {
			value: 'gpt-image-1.5',
			name: 'GPT Image 1.5',
			...tokenLimited,
			maxImagesPerTask: onePerTask.value ? 1 : 10,
		},
		'gpt-image-1': {
			value: 'gpt-image-1',
			name: 'GPT Image 1',
			...tokenLimited,
			maxImagesPerTask: 10,
		},
		'gpt-image-2': {
			value: 'gpt-image-2',
			name: 'GPT Image 2',
			promptMaxLength: promptLimitV2.value,
			maxImagesPerTask: 10,
		},
	};
	return offered.map((model) => all[model]);
}
