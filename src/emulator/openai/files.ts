import type { Clock } from '../clock';
import { PROVIDER_LIMITS } from '../../core/limits';
import { unixSeconds } from '../clock';
import type { EmulatorDeps } from '../deps';
import { pageAfter, type FileStore, type StoredFile } from '../files';
import { HttpError, intParam, sendJson, type RequestContext } from '../http';
import { newId } from '../ids';
import { parseMultipart } from '../multipart';
import type { Route } from '../router';
import { resultFileBytes, resultFileStream, resultFilesExpireMs, viewBatch, type OpenAiBatchStore } from './batches';
import { parseExpiresAfter } from './requestParams';
import { isBatchPurpose } from './hostMode';

/** "By default, files with `purpose=batch` expire after 30 days" (openai-node files.d.ts `FileCreateParams.expires_after`). */
const BATCH_FILE_TTL_MS = PROVIDER_LIMITS.openai.inputFileTtlHours! * 3600 * 1000;

const PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];

function fileObject(f: StoredFile): Record<string, unknown> {
  return {
    id: f.id,
    object: 'file',
    bytes: f.content.length,
    created_at: unixSeconds(f.createdMs),
    expires_at: f.expiresMs !== undefined ? unixSeconds(f.expiresMs) : null,
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
    status_details: null,
  };
}

/** A stored file, unless its `expires_at` has passed: the service deletes it then, so it is gone like a deleted one. */
export function liveFile(files: FileStore, id: string, nowMs: number): StoredFile | undefined {
  const file = files.get(id);
  if (file?.expiresMs === undefined || nowMs < file.expiresMs) return file;
  files.delete(id);
  return undefined;
}

/** The multipart `expires_after[anchor]` / `expires_after[seconds]` (as the SDK sends `expires_after`), checked like the API. */
function uploadExpiresMs(field: (name: string) => string | undefined, purpose: string, nowMs: number): number | undefined {
  const anchor = field('expires_after[anchor]');
  const seconds = field('expires_after[seconds]');
  if (anchor === undefined && seconds === undefined) return purpose === 'batch' ? nowMs + BATCH_FILE_TTL_MS : undefined;
  // Form values are text: a number is read as one, so "3600.5" is a decimal and "soon" a string, as the API types them.
  const value = seconds !== undefined && seconds.trim() !== '' && Number.isFinite(Number(seconds)) ? Number(seconds) : seconds;
  return nowMs + parseExpiresAfter('expires_after', anchor, value) * 1000;
}

/** `/v1/files`: multipart upload, list, retrieve, content, delete; batch output/error files are served from their batch. */
export function openaiFileRoutes(deps: EmulatorDeps, files: FileStore, batches: OpenAiBatchStore): Route[] {
  const notFound = (id: string) => new HttpError(404, `No such File object: ${id}`, { param: 'id' });

  /** A batch's output or error file once the batch has ended, until its `output_expires_after` (then it is deleted). */
  function resultFile(id: string, clock: Clock) {
    const found = batches.byResultFileId(id);
    if (!found) return undefined;
    const view = viewBatch(found.batch, clock);
    if (view.terminalMs === undefined) return undefined;
    const expiresMs = resultFilesExpireMs(found.batch, view.terminalMs);
    if (expiresMs !== undefined && clock.now() >= expiresMs) return undefined;
    return { ...found, view, terminalMs: view.terminalMs, expiresMs };
  }
  const stored = (id: string) => liveFile(files, id, deps.clock.now());

  return [
    {
      method: 'POST',
      pattern: '/v1/files',
      provider: 'openai',
      handler: async (ctx: RequestContext) => {
        const parts = parseMultipart(await ctx.body(), ctx.req.headers['content-type']);
        const field = (name: string) => parts.find((p) => p.name === name);
        const text = (name: string) => field(name)?.data.toString('utf8');
        const purpose = text('purpose');
        const file = field('file');
        if (!file) throw new HttpError(400, "Missing required parameter: 'file'.", { param: 'file', code: 'missing_required_parameter' });
        if (!purpose) throw new HttpError(400, "Missing required parameter: 'purpose'.", { param: 'purpose', code: 'missing_required_parameter' });
        if (!PURPOSES.includes(purpose) && !isBatchPurpose(deps.host, purpose)) throw new HttpError(400, `'${purpose}' is not one of ${PURPOSES.map((p) => `'${p}'`).join(', ')} - 'purpose'`, { param: 'purpose' });
        const filename = file.filename || 'upload';
        if (isBatchPurpose(deps.host, purpose) && !filename.toLowerCase().endsWith('.jsonl')) {
          throw new HttpError(400, `Invalid file format for Batch API. Must be .jsonl (got "${filename}").`, { param: 'file' });
        }
        const now = deps.clock.now();
        const expiresMs = uploadExpiresMs(text, isBatchPurpose(deps.host, purpose) ? 'batch' : purpose, now);
        const upload: StoredFile = {
          id: newId('file-'),
          filename,
          purpose,
          mimeType: file.contentType ?? 'application/octet-stream',
          createdMs: now,
          expiresMs,
          // Copied out of the request body so the rest of the multipart buffer can be freed.
          content: Buffer.from(file.data),
        };
        files.put(upload);
        sendJson(ctx.res, 200, fileObject(upload));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/files',
      provider: 'openai',
      handler: (ctx) => {
        const purpose = ctx.url.searchParams.get('purpose');
        const all = files.list().filter((f) => (!purpose || f.purpose === purpose) && stored(f.id));
        const order = ctx.url.searchParams.get('order') === 'asc' ? all.reverse() : all;
        const page = pageAfter(order, ctx.url.searchParams.get('after'), intParam(ctx.url, 'limit', 10_000, 1, 10_000));
        const data = page.data.map(fileObject);
        sendJson(ctx.res, 200, { object: 'list', data, first_id: page.data[0]?.id ?? null, last_id: page.data.at(-1)?.id ?? null, has_more: page.hasMore });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/files/{id}',
      provider: 'openai',
      handler: (ctx) => {
        const id = ctx.params.id;
        const file = stored(id);
        if (file) return sendJson(ctx.res, 200, fileObject(file));
        const result = resultFile(id, deps.clock);
        if (!result) throw notFound(id);
        sendJson(ctx.res, 200, {
          id,
          object: 'file',
          bytes: resultFileBytes(result.batch, result.view, result.kind),
          created_at: unixSeconds(result.terminalMs),
          expires_at: result.expiresMs !== undefined ? unixSeconds(result.expiresMs) : null,
          filename: `${result.batch.id}_${result.kind}.jsonl`,
          purpose: 'batch_output',
          status: 'processed',
          status_details: null,
        });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/files/{id}/content',
      provider: 'openai',
      handler: (ctx) => {
        const id = ctx.params.id;
        const file = stored(id);
        if (file) {
          ctx.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': file.content.length });
          ctx.res.end(file.content);
          return;
        }
        const result = resultFile(id, deps.clock);
        if (!result) throw notFound(id);
        ctx.res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        const stream = resultFileStream(result.batch, result.view, result.kind);
        stream.on('error', () => ctx.res.destroy());
        stream.pipe(ctx.res);
      },
    },
    {
      method: 'DELETE',
      pattern: '/v1/files/{id}',
      provider: 'openai',
      handler: (ctx) => {
        const id = ctx.params.id;
        if (!stored(id) || !files.delete(id)) throw notFound(id);
        sendJson(ctx.res, 200, { id, object: 'file', deleted: true });
      },
    },
  ];
}
