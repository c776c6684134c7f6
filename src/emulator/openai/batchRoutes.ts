import { isJsonObject } from '../../core/json';
import type { EmulatorDeps } from '../deps';
import type { FileStore } from '../files';
import { jsonlLines, pageAfter } from '../files';
import { HttpError, intParam, jsonObject, sendJson } from '../http';
import { newId } from '../ids';
import type { Route } from '../router';
import { expiryOf } from '../clock';
import { batchObject, viewBatch, type OpenAiBatch, type OpenAiBatchStore } from './batches';
import { asHostBatch, completionWindowMs, createAnswer, inputRulesFor, isBatchPurpose } from './hostMode';
import { OPENAI_ENDPOINTS } from './replies';
import { liveFile } from './files';
import { outputExpiresAfter } from './requestParams';
import { validateBatchInput } from './validateInput';
import { OpenAiQuota, enqueuedTokensOf } from './quota';
import { openAiBatchEnd } from './webhookEvents';

/** `/v1/batches`: create (validates the input file like the real service), retrieve, list, cancel. */
export function openaiBatchRoutes(deps: EmulatorDeps, files: FileStore, batches: OpenAiBatchStore): Route[] {
  const find = (id: string): OpenAiBatch => {
    const batch = batches.get(id);
    if (!batch) throw new HttpError(404, `No batch found with id '${id}'.`, { param: 'batch_id' });
    return batch;
  };

  const quota = new OpenAiQuota(deps, batches);
  const show = (b: OpenAiBatch) => asHostBatch(deps.host, batchObject(b, deps.clock));
  return [
    {
      method: 'POST',
      pattern: '/v1/batches',
      provider: 'openai',
      handler: async (ctx) => {
        const body = await jsonObject(ctx);
        quota.checkCreate();
        const { input_file_id: inputFileId, endpoint, completion_window: window } = body;
        if (typeof inputFileId !== 'string') throw new HttpError(400, "Missing required parameter: 'input_file_id'.", { param: 'input_file_id', code: 'missing_required_parameter' });
        if (typeof endpoint !== 'string') throw new HttpError(400, "Missing required parameter: 'endpoint'.", { param: 'endpoint', code: 'missing_required_parameter' });
        if (!(OPENAI_ENDPOINTS as readonly string[]).includes(endpoint)) {
          throw new HttpError(400, `Invalid value for 'endpoint': '${endpoint}'. Supported by the emulator: ${OPENAI_ENDPOINTS.join(', ')}.`, { param: 'endpoint', code: 'invalid_value' });
        }
        const windowLength = completionWindowMs(deps.host, window);
        const metadata = parseMetadata(body.metadata);
        const outputExpires = outputExpiresAfter(body.output_expires_after);
        const file = liveFile(files, inputFileId, deps.clock.now());
        if (!file) throw new HttpError(404, `No such File object: ${inputFileId}`, { param: 'input_file_id' });
        if (!isBatchPurpose(deps.host, file.purpose)) throw new HttpError(400, `The input file must have purpose 'batch', but ${inputFileId} has purpose '${file.purpose}'.`, { param: 'input_file_id' });
        if (file.content.length > deps.limits.maxOpenAiInputBytes) throw new HttpError(400, oversizeMessage(file.content, deps.limits.maxOpenAiInputBytes), { param: 'input_file_id' });
        const validated = validateBatchInput(file.content, endpoint, deps.markers, inputRulesFor(deps.host));
        const createdMs = deps.clock.now();
        const stalls = validated.lines.some((l) => l.outcome === 'expire');
        const batch: OpenAiBatch = {
          id: newId('batch_'),
          endpoint,
          inputFileId,
          input: file.content,
          completionWindow: window as string,
          metadata,
          outputExpiresAfterSeconds: outputExpires,
          createdMs,
          expiresMs: expiryOf(deps.clock, createdMs, windowLength, stalls),
          stalls,
          lines: validated.lines,
          errors: validated.errors,
          model: validated.model,
        };
        if (deps.limits.enqueuedTokenLimit !== undefined && !batch.errors.length) {
          const tokens = enqueuedTokensOf(batch);
          const over = quota.admit(batch, tokens);
          if (over) batch.errors = [over];
          else batch.enqueuedTokens = tokens;
        }
        batches.put(batch);
        deps.stats.batchesCreated.openai += 1;
        deps.webhooks?.watch(`openai:${batch.id}`, () => {
          const current = batches.get(batch.id);
          return current ? openAiBatchEnd(current, deps.clock) : 'gone';
        });
        sendJson(ctx.res, 200, createAnswer(deps.host, batchObject(batch, deps.clock)));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/batches',
      provider: 'openai',
      handler: (ctx) => {
        const page = pageAfter(batches.list(), ctx.url.searchParams.get('after'), intParam(ctx.url, 'limit', 20, 1, 100));
        const data = page.data.map(show);
        sendJson(ctx.res, 200, { object: 'list', data, first_id: page.data[0]?.id ?? null, last_id: page.data.at(-1)?.id ?? null, has_more: page.hasMore });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/batches/{id}',
      provider: 'openai',
      handler: (ctx) => sendJson(ctx.res, 200, show(find(ctx.params.id))),
    },
    {
      method: 'POST',
      pattern: '/v1/batches/{id}/cancel',
      provider: 'openai',
      handler: (ctx) => {
        const batch = find(ctx.params.id);
        const { status } = viewBatch(batch, deps.clock);
        if (status === 'cancelling') return sendJson(ctx.res, 200, show(batch));
        if (!['validating', 'in_progress', 'finalizing'].includes(status)) {
          throw new HttpError(409, `Cannot cancel a batch with status '${status}'.`, { code: 'batch_not_cancellable' });
        }
        batch.cancelMs = deps.clock.now();
        sendJson(ctx.res, 200, show(batch));
      },
    },
  ];
}

function parseMetadata(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (!isJsonObject(value)) throw new HttpError(400, "Invalid type for 'metadata': expected an object.", { param: 'metadata', code: 'invalid_type' });
  const entries = Object.entries(value);
  if (entries.length > 16) throw new HttpError(400, `Invalid 'metadata': too many properties (${entries.length}); at most 16.`, { param: 'metadata' });
  for (const [k, v] of entries) {
    if (k.length > 64) throw new HttpError(400, `Invalid 'metadata': key "${k.slice(0, 20)}..." is longer than 64 characters.`, { param: 'metadata' });
    if (typeof v !== 'string') throw new HttpError(400, `Invalid type for 'metadata.${k}': expected a string.`, { param: `metadata.${k}`, code: 'invalid_type' });
    if (v.length > 512) throw new HttpError(400, `Invalid 'metadata.${k}': longer than 512 characters.`, { param: `metadata.${k}` });
  }
  return value as Record<string, string>;
}

/**
 * The refusal of an input file over the 200 MB the docs allow (openai-node batches.d.ts `BatchCreateParams.input_file_id`:
 * "can be up to 200 MB in size"), worded as the service words it, naming the model of the first request.
 */
function oversizeMessage(content: Buffer, limit: number): string {
  const model = firstModel(content);
  return `The batch input file is larger than the ${limit} maximum${model ? ` for the ${model} model` : ''}. Please try again with a smaller batch.`;
}

function firstModel(content: Buffer): string | undefined {
  for (const { start, end } of jsonlLines(content)) {
    const text = content.toString('utf8', start, end);
    if (text.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(text);
      return isJsonObject(value) && isJsonObject(value.body) && typeof value.body.model === 'string' ? value.body.model : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
