import type { Clock } from '../clock';
import { unixSeconds } from '../clock';
import type { EmulatorDeps } from '../deps';
import { pageAfter, type FileStore, type StoredFile } from '../files';
import { HttpError, intParam, sendJson, type RequestContext } from '../http';
import { newId } from '../ids';
import { parseMultipart } from '../multipart';
import type { Route } from '../router';
import { resultFileBytes, resultFileStream, viewBatch, type OpenAiBatchStore } from './batches';

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

/** `/v1/files`: multipart upload, list, retrieve, content, delete; batch output/error files are served from their batch. */
export function openaiFileRoutes(deps: EmulatorDeps, files: FileStore, batches: OpenAiBatchStore): Route[] {
  const notFound = (id: string) => new HttpError(404, `No such File object: ${id}`, { param: 'id' });

  function resultFile(id: string, clock: Clock) {
    const found = batches.byResultFileId(id);
    if (!found) return undefined;
    const view = viewBatch(found.batch, clock);
    if (view.terminalMs === undefined) return undefined;
    return { ...found, view, terminalMs: view.terminalMs };
  }

  return [
    {
      method: 'POST',
      pattern: '/v1/files',
      provider: 'openai',
      handler: async (ctx: RequestContext) => {
        const parts = parseMultipart(await ctx.body(), ctx.req.headers['content-type']);
        const field = (name: string) => parts.find((p) => p.name === name);
        const purpose = field('purpose')?.data.toString('utf8');
        const file = field('file');
        if (!file) throw new HttpError(400, "Missing required parameter: 'file'.", { param: 'file', code: 'missing_required_parameter' });
        if (!purpose) throw new HttpError(400, "Missing required parameter: 'purpose'.", { param: 'purpose', code: 'missing_required_parameter' });
        if (!PURPOSES.includes(purpose)) throw new HttpError(400, `'${purpose}' is not one of ${PURPOSES.map((p) => `'${p}'`).join(', ')} - 'purpose'`, { param: 'purpose' });
        const filename = file.filename || 'upload';
        if (purpose === 'batch' && !filename.toLowerCase().endsWith('.jsonl')) {
          throw new HttpError(400, `Invalid file format for Batch API. Must be .jsonl (got "${filename}").`, { param: 'file' });
        }
        const now = deps.clock.now();
        const seconds = Number(field('expires_after[seconds]')?.data.toString('utf8'));
        const stored: StoredFile = {
          id: newId('file-'),
          filename,
          purpose,
          mimeType: file.contentType ?? 'application/octet-stream',
          createdMs: now,
          expiresMs: Number.isFinite(seconds) && seconds > 0 ? now + seconds * 1000 : purpose === 'batch' ? now + 30 * 24 * 3600 * 1000 : undefined,
          // Copied out of the request body so the rest of the multipart buffer can be freed.
          content: Buffer.from(file.data),
        };
        files.put(stored);
        sendJson(ctx.res, 200, fileObject(stored));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/files',
      provider: 'openai',
      handler: (ctx) => {
        const purpose = ctx.url.searchParams.get('purpose');
        const all = files.list().filter((f) => !purpose || f.purpose === purpose);
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
        const stored = files.get(id);
        if (stored) return sendJson(ctx.res, 200, fileObject(stored));
        const result = resultFile(id, deps.clock);
        if (!result) throw notFound(id);
        sendJson(ctx.res, 200, {
          id,
          object: 'file',
          bytes: resultFileBytes(result.batch, result.view, result.kind),
          created_at: unixSeconds(result.terminalMs),
          expires_at: null,
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
        const stored = files.get(id);
        if (stored) {
          ctx.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': stored.content.length });
          ctx.res.end(stored.content);
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
        if (!files.delete(id)) throw notFound(id);
        sendJson(ctx.res, 200, { id, object: 'file', deleted: true });
      },
    },
  ];
}
