import { OPENAI_BODY_SCHEMAS, OPENAI_ENDPOINTS, OPENAI_LINE_KEYS, VLLM_BATCH_URLS, vllmAcceptsUrl, type OpenAIEndpoint } from '../schemas/openai';
import { PROVIDER_LIMITS, embeddingInputCount } from '../limits';
import { jsonRequestOf } from '../results/quality';
import { schemaMinTokens } from '../schemaSample';
import { checkRequestId, checkSameAsFirst, checkTemperature, checkUnknownKeys } from './common';
import { reportSchemaIssues } from './issues';
import { nearest } from './nearest';
import type { LineContext } from './sink';
import type { FileState } from './state';
import { describeValue, PROVIDER_NAMES } from './text';

const ENDPOINTS: ReadonlySet<string> = new Set(OPENAI_ENDPOINTS);

/** One OpenAI batch line (also the self-hosted runner's format): envelope, endpoint, body per endpoint. */
export function checkOpenAILine(ctx: LineContext, o: Record<string, unknown>, st: FileState): void {
  const name = PROVIDER_NAMES[st.provider];
  checkUnknownKeys(ctx, o, OPENAI_LINE_KEYS, st, 'body');
  checkRequestId(ctx, o, 'custom_id', st);

  if (o.method !== 'POST') {
    const present = o.method !== undefined;
    ctx.report(
      'invalid-method',
      'error',
      (l) => (present ? l.valueRange(['method']) : { column: 1, endColumn: 2 }),
      () => (present ? `method must be "POST" (got ${describeValue(o.method)}): batch requests are all POSTs.` : 'This request has no "method": add "method": "POST".'),
      (l, r) => {
        if (present) return { fix: ctx.replace('Set method to "POST"', r, '"POST"') };
        const ins = l.insertFirstProperty([], 'method', '"POST"');
        return ins ? { fix: { title: 'Add "method": "POST"', edits: [{ line: ctx.line, column: ins.column, endLine: ctx.line, endColumn: ins.column, text: ins.text }] } } : {};
      },
    );
  }

  let endpoint: OpenAIEndpoint | undefined;
  const url = o.url;
  const local = st.provider === 'local';
  if (local && typeof url === 'string' && vllmAcceptsUrl(url) && !ENDPOINTS.has(url)) {
    // Score, rerank and audio lines are vLLM's own: only the envelope is checked, the server judges the body.
    checkSameAsFirst(ctx, 'endpoint', url, ['url'], st, `${name} runs one endpoint per batch file.`);
  } else if (typeof url === 'string' && ENDPOINTS.has(url)) {
    endpoint = url as OpenAIEndpoint;
    checkSameAsFirst(ctx, 'endpoint', url, ['url'], st, `${name} runs one endpoint per batch file.`);
    if (local && !vllmAcceptsUrl(url)) {
      ctx.report(
        'vllm-unsupported-url',
        'warning',
        (l) => l.valueRange(['url']),
        () => `vllm run-batch does not take ${url} (it takes ${VLLM_BATCH_URLS.join(', ')} and any URL ending in /score or /rerank): run this file with "batchwise run" against a server that serves ${url}, or change the endpoint.`,
      );
    }
  } else {
    const valid: readonly string[] = local ? [...OPENAI_ENDPOINTS, ...VLLM_BATCH_URLS.filter((u) => !ENDPOINTS.has(u))] : OPENAI_ENDPOINTS;
    const suggestion = typeof url === 'string' ? nearest(url, valid) : guessEndpoint(o.body);
    ctx.report(
      'invalid-url',
      'error',
      (l) => (url === undefined ? { column: 1, endColumn: 2 } : l.valueRange(['url'])),
      () =>
        url === undefined
          ? `This request has no "url". Add the endpoint, e.g. "url": "${suggestion}" (one of ${valid.join(', ')}).`
          : `url ${typeof url === 'string' ? JSON.stringify(url) : describeValue(url)} is not a batch endpoint. Did you mean "${suggestion}"? Valid: ${valid.join(', ')}.`,
      (l, r) => {
        if (url !== undefined) return { fix: ctx.replace(`Change url to "${suggestion}"`, r, JSON.stringify(suggestion)) };
        const ins = l.insertFirstProperty([], 'url', JSON.stringify(suggestion));
        return ins ? { fix: { title: `Add "url": "${suggestion}"`, edits: [{ line: ctx.line, column: ins.column, endLine: ctx.line, endColumn: ins.column, text: ins.text }] } } : {};
      },
    );
    // Check the body against the file's endpoint when one is known, so one typo does not hide body errors.
    if (st.endpoint) endpoint = st.endpoint.value as OpenAIEndpoint;
  }

  const body = o.body;
  if (body === undefined || body === null) {
    ctx.report(
      'missing-body',
      'error',
      (l) => (body === null ? l.valueRange(['body']) : { column: 1, endColumn: 2 }),
      () => `This request has no "body". Add the request body for ${endpoint ?? 'the endpoint'}, e.g. "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "..."}]}.`,
    );
    return;
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    ctx.report(
      'invalid-body',
      'error',
      (l) => l.valueRange(['body']),
      () => `body must be a JSON object with the request parameters (got ${describeValue(body)}). Write it as e.g. {"model": "gpt-4o-mini", "messages": [...]}.`,
    );
    return;
  }
  const b = body as Record<string, unknown>;
  if (endpoint === '/v1/embeddings') {
    const max = PROVIDER_LIMITS[st.provider].maxEmbeddingInputs;
    st.embeddingInputs += embeddingInputCount(b.input);
    if (max !== undefined && st.embeddingInputs > max && st.embeddingInputsOverAt === undefined) {
      st.embeddingInputsOverAt = ctx.line;
      ctx.report(
        'too-many-embedding-inputs',
        'error',
        () => ({ column: 1, endColumn: 2 }),
        () => `The file's embedding requests carry ${st.embeddingInputs.toLocaleString('en-US')} inputs by this line; ${name} accepts at most ${max.toLocaleString('en-US')} embedding inputs per batch (an input array counts each entry). Submitting splits the file into parts under the limit.`,
      );
    }
  }
  if (endpoint) {
    const parsed = OPENAI_BODY_SCHEMAS[endpoint].safeParse(b);
    if (!parsed.success) reportSchemaIssues(ctx, st.provider, ['body'], b, parsed.error.issues);
  }
  checkTemperature(ctx, b.temperature, ['body', 'temperature'], 2, name);
  checkRoomForAnswer(ctx, b);
  if (typeof b.model === 'string' && b.model !== '') {
    checkSameAsFirst(ctx, 'model', b.model, ['body', 'model'], st, `${name} runs one model per batch file.`);
  }
}

/** Without a url, guess the endpoint from the body's shape. */
function guessEndpoint(body: unknown): OpenAIEndpoint {
  if (typeof body === 'object' && body !== null) {
    if ('messages' in body) return '/v1/chat/completions';
    if ('prompt' in body) return '/v1/completions';
    if ('input' in body) return 'model' in body && /embed/i.test(String((body as { model: unknown }).model)) ? '/v1/embeddings' : '/v1/responses';
  }
  return '/v1/chat/completions';
}

/** Reasoning models (o-series, gpt-5) spend output tokens thinking before they answer. */
const REASONING_MODEL = /^(o\d|gpt-5)/;
/** Below this, a reasoning model's budget is mostly thinking: answers come back empty or cut off. */
export const REASONING_MIN_TOKENS = 1024;

/**
 * A token limit too small for the answer it asks for comes back truncated or empty (issue 20), paid for all the
 * same: warned before submit. A JSON schema's smallest answer must fit; a reasoning model needs room beyond its
 * thinking (https://platform.openai.com/docs/guides/reasoning: "reserving at least 25,000 tokens for reasoning and
 * outputs" when starting out).
 */
function checkRoomForAnswer(ctx: LineContext, b: Record<string, unknown>): void {
  const key = typeof b.max_completion_tokens === 'number' ? 'max_completion_tokens' : typeof b.max_tokens === 'number' ? 'max_tokens' : typeof b.max_output_tokens === 'number' ? 'max_output_tokens' : undefined;
  if (!key) return;
  const limit = b[key] as number;
  const schema = jsonRequestOf({ body: b }).schema;
  const needed = schema !== undefined ? schemaMinTokens(schema) : 0;
  if (needed > limit) {
    ctx.report(
      'max-tokens-below-schema',
      'warning',
      (l) => l.valueRange(['body', key]),
      () => `${key} is ${limit}, but the smallest answer that follows the request's JSON schema takes about ${needed} tokens: every answer would be cut off (and billed). Raise ${key} to at least ${Math.ceil(needed * 1.5)}.`,
    );
    return;
  }
  if (typeof b.model === 'string' && REASONING_MODEL.test(b.model) && limit < REASONING_MIN_TOKENS) {
    ctx.report(
      'reasoning-budget-small',
      'warning',
      (l) => l.valueRange(['body', key]),
      () => `${b.model} is a reasoning model: it spends tokens thinking before it answers, and ${key} ${limit} leaves little room for the answer (it may come back empty). Give it at least ${REASONING_MIN_TOKENS}; OpenAI suggests reserving 25,000 to start with.`,
    );
  }
}

