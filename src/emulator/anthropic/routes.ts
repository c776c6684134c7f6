import { isJsonObject } from '../../core/json';
import { ANTHROPIC_CUSTOM_ID, PROVIDER_LIMITS } from '../../core/limits';
import { Readable } from 'node:stream';
import type { EmulatorDeps, EmulatorLimits } from '../deps';
import { HttpError, intParam, jsonObject, parseJsonBody, readBody, sendJson, type RequestContext } from '../http';
import { newId } from '../ids';
import { BAD_JSON, FAIL } from '../markers';
import { sampleOfSchema } from '../../core/schemaSample';
import { forcedTool } from '../../core/results/enforceSchema';
import { approxTokens, promptOfMessages, replyText } from '../replies';
import type { Route } from '../router';
import { expiryOf } from '../clock';
import { ANTHROPIC_WINDOW_MS, AnthropicBatchStore, anthropicMessage, messageBatchObject, resultLines, viewAnthropicBatch, type AnthropicBatch, type AnthropicRequest } from './batches';

const MAX_REQUESTS = PROVIDER_LIMITS.anthropic.maxRequests;

/** Message Batches (create, retrieve, list, cancel, delete, results) and a plain POST /v1/messages. */
export function anthropicRoutes(deps: EmulatorDeps): Route[] {
  const batches = new AnthropicBatchStore(deps.limits.maxBatches, deps.limits.maxBatchBytes);
  const find = (id: string): AnthropicBatch => {
    const batch = batches.get(id);
    if (!batch) throw new HttpError(404, `The requested resource could not be found: message batch ${id}.`);
    return batch;
  };

  return [
    {
      method: 'POST',
      pattern: '/v1/messages/batches',
      provider: 'anthropic',
      handler: async (ctx) => {
        const body = await createBody(ctx, deps.limits);
        const requests = parseRequests(body.requests);
        // An invalid request errors whatever its markers say, and leaves `[[fail-once]]` unspent for its fixed resend.
        for (const r of requests) {
          if (r.invalid !== undefined) continue;
          r.outcome = deps.markers.outcome(r.text, `anthropic:${r.customId}`);
          const shape = deps.markers.shape(r.text, `anthropic:${r.customId}`, r.maxTokens);
          if (shape !== 'full') r.shape = shape;
        }
        const createdMs = deps.clock.now();
        const stalls = requests.some((r) => r.outcome === 'expire');
        const expiresMs = expiryOf(deps.clock, createdMs, ANTHROPIC_WINDOW_MS, stalls);
        const batch: AnthropicBatch = { id: newId('msgbatch_01'), createdMs, expiresMs, stalls, requests: requests.map(({ text: _text, ...r }) => r) };
        batches.put(batch);
        deps.stats.batchesCreated.anthropic += 1;
        sendJson(ctx.res, 200, messageBatchObject(batch, deps.clock, ctx.origin));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/messages/batches',
      provider: 'anthropic',
      handler: (ctx) => {
        const limit = intParam(ctx.url, 'limit', 20, 1, 1000);
        const all = batches.list();
        const afterId = ctx.url.searchParams.get('after_id');
        const beforeId = ctx.url.searchParams.get('before_id');
        let from = 0;
        let to = Math.min(all.length, limit);
        let hasMore = all.length > limit;
        if (afterId) {
          const i = all.findIndex((b) => b.id === afterId);
          from = i < 0 ? all.length : i + 1;
          to = Math.min(all.length, from + limit);
          hasMore = to < all.length;
        } else if (beforeId) {
          const i = all.findIndex((b) => b.id === beforeId);
          to = i < 0 ? 0 : i;
          from = Math.max(0, to - limit);
          hasMore = from > 0;
        }
        const page = all.slice(from, to);
        sendJson(ctx.res, 200, {
          data: page.map((b) => messageBatchObject(b, deps.clock, ctx.origin)),
          has_more: hasMore,
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
        });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/messages/batches/{id}',
      provider: 'anthropic',
      handler: (ctx) => sendJson(ctx.res, 200, messageBatchObject(find(ctx.params.id), deps.clock, ctx.origin)),
    },
    {
      method: 'POST',
      pattern: '/v1/messages/batches/{id}/cancel',
      provider: 'anthropic',
      handler: (ctx) => {
        const batch = find(ctx.params.id);
        const { status } = viewAnthropicBatch(batch, deps.clock);
        if (status === 'ended') throw new HttpError(400, `Message batch ${batch.id} has already ended and cannot be canceled.`);
        if (status === 'in_progress') batch.cancelMs = deps.clock.now();
        sendJson(ctx.res, 200, messageBatchObject(batch, deps.clock, ctx.origin));
      },
    },
    {
      method: 'DELETE',
      pattern: '/v1/messages/batches/{id}',
      provider: 'anthropic',
      handler: (ctx) => {
        const batch = find(ctx.params.id);
        if (viewAnthropicBatch(batch, deps.clock).status !== 'ended') {
          throw new HttpError(400, `Message batch ${batch.id} is still processing; cancel it and wait until it has ended before deleting it.`);
        }
        batches.delete(batch.id);
        sendJson(ctx.res, 200, { id: batch.id, type: 'message_batch_deleted' });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/messages/batches/{id}/results',
      provider: 'anthropic',
      handler: (ctx) => {
        const batch = find(ctx.params.id);
        const view = viewAnthropicBatch(batch, deps.clock);
        if (!view.results) throw new HttpError(400, `Message batch ${batch.id} has not ended yet (processing_status ${view.status}); results are available once it has.`);
        // The SDK asks for application/binary and decodes the body as JSONL whatever its type.
        ctx.res.writeHead(200, { 'Content-Type': 'application/binary' });
        const stream = Readable.from(resultLines(batch, view.results));
        stream.on('error', () => ctx.res.destroy());
        stream.pipe(ctx.res);
      },
    },
    {
      method: 'POST',
      pattern: '/v1/messages',
      provider: 'anthropic',
      handler: async (ctx) => {
        const params = await jsonObject(ctx);
        // This endpoint is synchronous on the real service: bad params fail the call itself.
        const problem = paramsProblem(params) ?? (params.stream === true ? 'stream: the emulator does not stream; send the request without `stream`.' : undefined);
        if (problem) throw new HttpError(400, problem);
        const text = JSON.stringify(params);
        if (text.includes(FAIL)) throw new HttpError(400, 'The emulator failed this request on purpose (it carries [[fail]]).');
        sendJson(ctx.res, 200, anthropicMessage(requestOf('direct', params), ctx.requestId, 'standard'));
      },
    },
  ];
}

type ParsedRequest = AnthropicRequest & { text: string };

/** The create body, refused past the Message Batch size limit with 413 `request_too_large` as the real service does. */
function createBody(ctx: RequestContext, limits: EmulatorLimits): Promise<Record<string, unknown>> {
  const limit = Math.min(limits.maxBodyBytes, limits.maxAnthropicCreateBytes);
  return jsonObject({ ...ctx, json: async () => parseJsonBody(await readBody(ctx.req, limit)) });
}

/**
 * Checks the create body's structure like the real service: one malformed item rejects the batch with a 400 naming
 * it. Each item's `params` are only checked later, while the batch runs: a bad one errors in the results.
 */
function parseRequests(value: unknown): ParsedRequest[] {
  if (value === undefined) throw new HttpError(400, 'requests: Field required');
  if (!Array.isArray(value)) throw new HttpError(400, 'requests: Input should be a valid list');
  if (value.length === 0) throw new HttpError(400, 'requests: List should have at least 1 item after validation, not 0');
  if (value.length > MAX_REQUESTS) throw new HttpError(400, `requests: List should have at most ${MAX_REQUESTS} items after validation, not ${value.length}`);
  const seen = new Map<string, number>();
  return value.map((item: unknown, i) => {
    if (!isJsonObject(item)) throw new HttpError(400, `requests.${i}: Input should be a valid dictionary`);
    const id = customIdOf(item.custom_id, i, seen);
    const params = item.params;
    if (params === undefined) throw new HttpError(400, `requests.${i}.params: Field required`);
    if (!isJsonObject(params)) throw new HttpError(400, `requests.${i}.params: Input should be a valid dictionary`);
    const problem = batchParamsProblem(params);
    return { ...(problem ? invalidRequest(id, problem) : requestOf(id, params)), text: JSON.stringify(item) };
  });
}

/** A valid, unique `custom_id`, or the 400 that rejects the whole create. */
function customIdOf(id: unknown, i: number, seen: Map<string, number>): string {
  if (id === undefined) throw new HttpError(400, `requests.${i}.custom_id: Field required`);
  if (typeof id !== 'string') throw new HttpError(400, `requests.${i}.custom_id: Input should be a valid string`);
  if (!ANTHROPIC_CUSTOM_ID.test(id)) throw new HttpError(400, `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$' (got ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}...` : id)})`);
  const first = seen.get(id);
  if (first !== undefined) throw new HttpError(400, `requests.${i}.custom_id: Duplicate custom_id ${JSON.stringify(id)} (also used by requests.${first}); custom_id must be unique within a batch.`);
  seen.set(id, i);
  return id;
}

/** What is wrong with a Messages request's required fields, worded like the API's validation errors. */
function paramsProblem(params: Record<string, unknown>): string | undefined {
  const { model, max_tokens: maxTokens, messages } = params;
  if (model === undefined) return 'model: Field required';
  if (typeof model !== 'string') return 'model: Input should be a valid string';
  if (!model) return 'model: String should have at least 1 character';
  if (maxTokens === undefined) return 'max_tokens: Field required';
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) return 'max_tokens: Input should be a valid integer';
  if (maxTokens < 1) return 'max_tokens: Input should be greater than or equal to 1';
  if (messages === undefined) return 'messages: Field required';
  if (!Array.isArray(messages)) return 'messages: Input should be a valid list';
  if (messages.length === 0) return 'messages: List should have at least 1 item after validation, not 0';
  return undefined;
}

/** A batch request's params problem: the Messages API's, and streaming, which batches never do. */
function batchParamsProblem(params: Record<string, unknown>): string | undefined {
  return paramsProblem(params) ?? (params.stream === true ? 'stream: Message Batches do not support streaming; remove `stream` or set it to false.' : undefined);
}

/** A request whose params are invalid: it is never run, so it has no reply or usage. */
function invalidRequest(customId: string, problem: string): AnthropicRequest {
  return { customId, outcome: 'fail', model: '', reply: '', inputTokens: 0, outputTokens: 0, invalid: problem };
}

function requestOf(customId: string, params: Record<string, unknown>): AnthropicRequest {
  const { prompt, allText } = promptOfMessages(params.messages);
  const system = typeof params.system === 'string' ? params.system : promptOfMessages(Array.isArray(params.system) ? [{ content: params.system }] : []).allText;
  const json = anthropicJsonAnswer(params, replyText(prompt));
  const reply = json?.reply ?? replyText(prompt);
  return { customId, outcome: 'ok', model: String(params.model), reply, inputTokens: approxTokens(`${system}${allText}`), outputTokens: approxTokens(reply), ...(typeof params.max_tokens === 'number' ? { maxTokens: params.max_tokens } : {}), ...(json?.tool !== undefined ? { tool: json.tool } : {}) };
}

/**
 * Structured output: `output_config.format` (or the beta `output_format`) answers with the schema's smallest
 * instance as text, decoding being constrained; a tool forced by `tool_choice` answers with a `tool_use` whose input
 * follows the tool's schema, except under `[[bad-json]]` when the tool is not `strict` (its required fields are then
 * missing, as an unconstrained model may do).
 */
function anthropicJsonAnswer(params: Record<string, unknown>, text: string): { reply: string; tool?: string } | undefined {
  const format = isJsonObject(params.output_config) && isJsonObject(params.output_config.format) ? params.output_config.format : isJsonObject(params.output_format) ? params.output_format : undefined;
  if (format?.type === 'json_schema') return { reply: JSON.stringify(sampleOfSchema(format.schema, text)) };
  const tool = forcedTool(params);
  if (!tool) return undefined;
  const schema = tool.input_schema as Record<string, unknown>;
  const sample = sampleOfSchema(schema, text);
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const loose = tool.strict !== true && JSON.stringify(params).includes(BAD_JSON) && isJsonObject(sample);
  const input = loose ? Object.fromEntries(Object.entries(sample).filter(([k]) => !required.has(k))) : sample;
  return { reply: JSON.stringify(input), tool: String(tool.name) };
}
