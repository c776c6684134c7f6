import { isJsonObject } from '../../core/json';
import type { EmulatorDeps } from '../deps';
import { FileStore, jsonlLines } from '../files';
import { HttpError, intParam, jsonObject, sendJson, type RequestContext } from '../http';
import { newLowerId } from '../ids';
import { FAIL } from '../markers';
import { isGoogleRequest, type Route } from '../router';
import { expiryOf } from '../clock';
import { GEMINI_WINDOW_MS, GeminiBatchStore, isTerminalState, operationObject, viewGeminiBatch, type GeminiBatch } from './batches';
import { geminiFileRoutes } from './files';
import { generateResponse, parseFileRequests, parseInlineRequests, parseOne, type GeminiBatchKind } from './requests';
import { geminiBatchEnd } from './webhookEvents';

/** API versions served: @google/genai 3.x defaults to v1, the REST docs use v1beta, some features v1alpha. */
const VERSIONS = ['v1beta', 'v1', 'v1alpha'] as const;
/** The real service refuses inline batches whose create request exceeds 20 MB. */
export const INLINE_MAX_BYTES = 20 * 1024 * 1024;
const LIST_DEFAULT = 50;
const LIST_MAX = 1000;

/** Both spellings: the SDK sends camelCase, the REST docs' curl examples snake_case. */
function field(obj: Record<string, unknown>, camel: string, snake: string): unknown {
  return obj[camel] ?? obj[snake];
}

/**
 * The Gemini Developer API batch surface the `@google/genai` SDK calls: create (`:batchGenerateContent`,
 * `:asyncBatchEmbedContent`), get, list, cancel and delete under `/{version}/batches`, the File API, and a direct
 * `:generateContent`.
 */
export function geminiRoutes(deps: EmulatorDeps): Route[] {
  const files = new FileStore(deps.limits);
  const batches = new GeminiBatchStore(deps.limits.maxBatches, deps.limits.maxBatchBytes);
  const find = (id: string): GeminiBatch => {
    const batch = batches.get(id);
    if (!batch) throw new HttpError(404, `Batch batches/${id} not found.`);
    return batch;
  };

  async function create(ctx: RequestContext, kind: GeminiBatchKind, modelPrefix: string): Promise<void> {
    const raw = await ctx.body();
    const body = await jsonObject(ctx);
    const batchBody = body.batch;
    if (!isJsonObject(batchBody)) throw new HttpError(400, 'batch: required (the batch to create).');
    const input = field(batchBody, 'inputConfig', 'input_config');
    if (!isJsonObject(input)) throw new HttpError(400, 'batch.input_config: required (inline requests or a file name).');
    const fileName = field(input, 'fileName', 'file_name');
    const inline = isJsonObject(input.requests) ? input.requests.requests : undefined;
    if ((fileName === undefined) === (inline === undefined)) {
      throw new HttpError(400, 'batch.input_config: set exactly one of "requests" (inline) or "file_name".');
    }
    const id = newLowerId(36);
    const displayName = field(batchBody, 'displayName', 'display_name');
    const batch: GeminiBatch = {
      id,
      seq: batches.nextSeq(),
      kind,
      model: `${modelPrefix}/${ctx.params.model}`,
      displayName: typeof displayName === 'string' ? displayName : '',
      createdMs: deps.clock.now(),
      expiresMs: 0,
      stalls: false,
      requests: [],
    };
    if (inline !== undefined) {
      if (raw.length > INLINE_MAX_BYTES) {
        throw new HttpError(400, `Request payload size exceeds the limit: ${INLINE_MAX_BYTES} bytes. Upload larger batches as a file.`);
      }
      batch.requests = parseInlineRequests(kind, inline, deps.markers, id);
    } else {
      if (typeof fileName !== 'string' || !fileName.startsWith('files/')) throw new HttpError(400, 'batch.input_config.file_name: expected "files/...".');
      const file = files.get(fileName.slice('files/'.length));
      if (!file) throw new HttpError(404, `File ${fileName} not found or you do not have permission to access it.`);
      batch.inputFile = fileName;
      const lines = (function* () {
        // As the validator warns (rules/file.ts): a BOM stays in line 1, which then is not JSON.
        for (const l of jsonlLines(file.content, { keepBom: true })) yield { line: l.line, text: file.content.toString('utf8', l.start, l.end) };
      })();
      const parsed = parseFileRequests(kind, lines, deps.markers);
      if (typeof parsed === 'string') batch.failure = parsed;
      else batch.requests = parsed;
    }
    batch.stalls = batch.requests.some((r) => r.outcome === 'expire');
    batch.expiresMs = expiryOf(deps.clock, batch.createdMs, GEMINI_WINDOW_MS, batch.stalls);
    batches.put(batch);
    deps.stats.batchesCreated.gemini += 1;
    deps.webhooks?.watch(`gemini:${id}`, () => {
      const current = batches.get(id);
      return current ? geminiBatchEnd(current, deps.clock) : 'gone';
    });
    sendJson(ctx.res, 200, operationObject(batch, deps.clock));
  }

  const routes: Route[] = [...geminiFileRoutes(deps, files, batches, VERSIONS)];
  for (const v of VERSIONS) {
    routes.push(
      { method: 'POST', pattern: `/${v}/models/{model}:batchGenerateContent`, provider: 'gemini', handler: (ctx) => create(ctx, 'generate', 'models') },
      { method: 'POST', pattern: `/${v}/tunedModels/{model}:batchGenerateContent`, provider: 'gemini', handler: (ctx) => create(ctx, 'generate', 'tunedModels') },
      { method: 'POST', pattern: `/${v}/models/{model}:asyncBatchEmbedContent`, provider: 'gemini', handler: (ctx) => create(ctx, 'embed', 'models') },
      {
        method: 'GET',
        pattern: `/${v}/batches`,
        provider: 'gemini',
        handler: (ctx) => {
          const pageSize = Math.min(LIST_MAX, intParam(ctx.url, 'pageSize', LIST_DEFAULT, 0, Number.MAX_SAFE_INTEGER) || LIST_DEFAULT);
          const token = ctx.url.searchParams.get('pageToken');
          let before = Infinity;
          if (token) {
            before = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
            if (!Number.isInteger(before) || before < 0) throw new HttpError(400, 'Invalid page token.');
          }
          // Tokens carry the creation sequence of the last batch shown, so deletions between pages skip nothing.
          const rest = batches.list().filter((b) => b.seq < before);
          const page = rest.slice(0, pageSize);
          const next = rest.length > pageSize ? Buffer.from(String(page[page.length - 1].seq)).toString('base64url') : undefined;
          sendJson(ctx.res, 200, { operations: page.map((b) => operationObject(b, deps.clock, { listed: true })), ...(next ? { nextPageToken: next } : {}) });
        },
      },
      {
        method: 'GET',
        pattern: `/${v}/batches/{id}`,
        provider: 'gemini',
        handler: (ctx) => sendJson(ctx.res, 200, operationObject(find(ctx.params.id), deps.clock)),
      },
      {
        method: 'POST',
        pattern: `/${v}/batches/{id}:cancel`,
        provider: 'gemini',
        handler: (ctx) => {
          const batch = find(ctx.params.id);
          const { state } = viewGeminiBatch(batch, deps.clock);
          if (state !== 'BATCH_STATE_CANCELLED') {
            if (isTerminalState(state)) throw new HttpError(400, `Batch batches/${batch.id} has already ended (${state}) and cannot be cancelled.`, { type: 'FAILED_PRECONDITION' });
            batch.cancelMs = deps.clock.now();
            // A Gemini cancel is final at once (no cancelling state), so its event goes now, not at the next tick.
            deps.webhooks?.sweep();
          }
          sendJson(ctx.res, 200, {});
        },
      },
      {
        method: 'DELETE',
        pattern: `/${v}/batches/{id}`,
        provider: 'gemini',
        handler: (ctx) => {
          // As on the real service, a delete only forgets the batch; it does not need it to have ended.
          if (!batches.delete(ctx.params.id)) throw new HttpError(404, `Batch batches/${ctx.params.id} not found.`);
          sendJson(ctx.res, 200, {});
        },
      },
      {
        method: 'POST',
        pattern: `/${v}/models/{model}:generateContent`,
        provider: 'gemini',
        handler: async (ctx) => {
          const body = await jsonObject(ctx);
          const text = JSON.stringify(body);
          if (text.includes(FAIL)) throw new HttpError(400, 'The emulator failed this request on purpose (it carries [[fail]]).');
          const parsed = parseOne('generate', body);
          if (typeof parsed === 'string') throw new HttpError(400, parsed);
          sendJson(ctx.res, 200, generateResponse({ ...parsed, outcome: 'ok' }, `models/${ctx.params.model}`, ctx.requestId));
        },
      },
    );
  }
  // `/v1/files...` and `/v1/batches...` are OpenAI's paths too: under v1, only requests from a Google client are ours.
  return routes.map((r) => (r.pattern.startsWith('/v1/') ? { ...r, accepts: isGoogleRequest } : r));
}
