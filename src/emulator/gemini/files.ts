import { isJsonObject } from '../../core/json';
import { PROVIDER_LIMITS } from '../../core/limits';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { checkApiKey } from '../auth';
import { BoundedMap } from '../boundedMap';
import type { EmulatorDeps } from '../deps';
import type { FileStore, StoredFile } from '../files';
import { HttpError, intParam, parseJsonBody, sendJson, type RequestContext } from '../http';
import { newId, newLowerId } from '../ids';
import type { Route } from '../router';
import { batchIdOfResultFile, hasOutput, resultFileBytes, resultFileLines, viewGeminiBatch, type GeminiBatchStore } from './batches';

/** The SDK sends 8 MiB chunks; the real service announces the same granularity. */
const CHUNK_GRANULARITY = 8 * 1024 * 1024;
const FILE_TTL_MS = PROVIDER_LIMITS.gemini.inputFileTtlHours! * 3600 * 1000;
const MAX_UPLOAD_SESSIONS = 256;
const FILE_ID = /^[a-z0-9-]{1,40}$/;

interface UploadSession {
  id: string;
  fileId: string;
  displayName?: string;
  mimeType: string;
  declaredBytes: number;
  chunks: Buffer[];
  received: number;
}

function header(ctx: RequestContext, name: string): string {
  const v = ctx.req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
}

function fileObject(f: StoredFile, origin: string, version: string): Record<string, unknown> {
  return {
    name: `files/${f.id}`,
    ...(f.filename ? { displayName: f.filename } : {}),
    mimeType: f.mimeType,
    sizeBytes: String(f.content.length),
    createTime: new Date(f.createdMs).toISOString(),
    updateTime: new Date(f.createdMs).toISOString(),
    expirationTime: new Date(f.expiresMs ?? f.createdMs + FILE_TTL_MS).toISOString(),
    sha256Hash: Buffer.from(createHash('sha256').update(f.content).digest('hex')).toString('base64'),
    uri: `${origin}/${version}/files/${f.id}`,
    state: 'ACTIVE',
    source: 'UPLOADED',
  };
}

/**
 * The File API as `ai.files.*` uses it: the resumable upload (start -> upload chunks -> finalize), get, list, delete,
 * and the download of a batch's result file (`files/batch-...`, generated on demand from the batch).
 */
export function geminiFileRoutes(deps: EmulatorDeps, files: FileStore, batches: GeminiBatchStore, versions: readonly string[]): Route[] {
  const sessions = new BoundedMap<UploadSession>(MAX_UPLOAD_SESSIONS, deps.limits.maxFileBytes, (s) => s.received);
  const notFound = (id: string) => new HttpError(404, `File files/${id} not found or you do not have permission to access it.`);

  /** A batch result file, if the id names one whose batch has ended with output. */
  function resultFile(id: string) {
    const batchId = batchIdOfResultFile(id);
    const batch = batchId ? batches.get(batchId) : undefined;
    if (!batch?.inputFile) return undefined;
    const view = viewGeminiBatch(batch, deps.clock);
    if (!hasOutput(view) || view.terminalMs === undefined) return undefined;
    return { batch, view, terminalMs: view.terminalMs };
  }

  function resultFileObject(id: string, origin: string, version: string): Record<string, unknown> | undefined {
    const found = resultFile(id);
    if (!found) return undefined;
    return {
      name: `files/${id}`,
      mimeType: 'application/jsonl',
      sizeBytes: String(resultFileBytes(found.batch, found.view)),
      createTime: new Date(found.terminalMs).toISOString(),
      updateTime: new Date(found.terminalMs).toISOString(),
      expirationTime: new Date(found.terminalMs + FILE_TTL_MS).toISOString(),
      uri: `${origin}/${version}/files/${id}`,
      downloadUri: `${origin}/download/${version}/files/${id}:download?alt=media`,
      state: 'ACTIVE',
      source: 'GENERATED',
    };
  }

  function startUpload(ctx: RequestContext, body: Buffer, version: string): void {
    checkApiKey('gemini', ctx.req, ctx.url);
    if (header(ctx, 'x-goog-upload-protocol').toLowerCase() !== 'resumable' || header(ctx, 'x-goog-upload-command').toLowerCase() !== 'start') {
      throw new HttpError(400, 'The emulator supports the resumable upload protocol only (X-Goog-Upload-Protocol: resumable, X-Goog-Upload-Command: start).');
    }
    const meta = body.length ? parseJsonBody(body) : {};
    const file = isJsonObject(meta) && isJsonObject(meta.file) ? meta.file : {};
    const declared = Number(header(ctx, 'x-goog-upload-header-content-length') || file.sizeBytes);
    if (!Number.isInteger(declared) || declared < 0) throw new HttpError(400, 'X-Goog-Upload-Header-Content-Length is required (the file size in bytes).');
    if (declared > deps.limits.maxFileBytes) throw new HttpError(400, `The file is ${declared} bytes; the emulator stores at most ${deps.limits.maxFileBytes}.`);
    const mimeType = (typeof file.mimeType === 'string' && file.mimeType) || header(ctx, 'x-goog-upload-header-content-type');
    if (!mimeType) throw new HttpError(400, 'file.mimeType is required.');
    let fileId = newLowerId(12);
    if (typeof file.name === 'string' && file.name) {
      fileId = file.name.replace(/^files\//, '');
      if (!FILE_ID.test(fileId) || batchIdOfResultFile(fileId)) {
        throw new HttpError(400, `Invalid file name "${file.name}": use files/ followed by up to 40 lower-case letters, digits or dashes.`);
      }
      if (files.get(fileId)) throw new HttpError(409, `File files/${fileId} already exists.`);
    }
    const session: UploadSession = {
      id: newId('', 32),
      fileId,
      displayName: typeof file.displayName === 'string' ? file.displayName : undefined,
      mimeType,
      declaredBytes: declared,
      chunks: [],
      received: 0,
    };
    sessions.set(session.id, session);
    const uploadUrl = `${ctx.origin}/upload/${version}/files?upload_id=${session.id}&upload_protocol=resumable`;
    ctx.res.writeHead(200, {
      'x-goog-upload-url': uploadUrl,
      'x-goog-upload-control-url': uploadUrl,
      'x-goog-upload-status': 'active',
      'x-goog-upload-chunk-granularity': String(CHUNK_GRANULARITY),
      'Content-Length': 0,
    });
    ctx.res.end();
  }

  /** A chunk on the upload URL: its `upload_id` is the credential, as on the real service. */
  function uploadChunk(ctx: RequestContext, body: Buffer, uploadId: string, version: string): void {
    const session = sessions.get(uploadId);
    const statusHeader = (s: string) => ({ 'x-goog-upload-status': s });
    if (!session) throw new HttpError(404, 'Unknown or expired upload session.', { headers: statusHeader('cancelled') });
    const commands = header(ctx, 'x-goog-upload-command').toLowerCase().split(',').map((c) => c.trim()).filter(Boolean);
    if (commands.includes('cancel')) {
      sessions.delete(uploadId);
      ctx.res.writeHead(200, { ...statusHeader('cancelled'), 'Content-Length': 0 });
      ctx.res.end();
      return;
    }
    if (commands.includes('query')) {
      ctx.res.writeHead(200, { ...statusHeader('active'), 'x-goog-upload-size-received': String(session.received), 'Content-Length': 0 });
      ctx.res.end();
      return;
    }
    if (!commands.includes('upload') && !commands.includes('finalize')) {
      throw new HttpError(400, 'X-Goog-Upload-Command must be "upload", "upload, finalize", "finalize", "query" or "cancel".', { headers: statusHeader('active') });
    }
    if (commands.includes('upload')) {
      const offset = Number(header(ctx, 'x-goog-upload-offset'));
      if (offset !== session.received) {
        throw new HttpError(400, `X-Goog-Upload-Offset ${header(ctx, 'x-goog-upload-offset') || '(missing)'} does not match the ${session.received} bytes received so far.`, { headers: statusHeader('active') });
      }
      if (session.received + body.length > session.declaredBytes) {
        throw new HttpError(400, `The upload exceeds its declared size of ${session.declaredBytes} bytes.`, { headers: statusHeader('active') });
      }
      session.chunks.push(Buffer.from(body));
      session.received += body.length;
      // Re-inserted so the session store's byte budget sees the new size.
      sessions.set(session.id, session);
    }
    if (!commands.includes('finalize')) {
      ctx.res.writeHead(200, { ...statusHeader('active'), 'x-goog-upload-size-received': String(session.received), 'Content-Length': 0 });
      ctx.res.end();
      return;
    }
    if (session.received !== session.declaredBytes) {
      throw new HttpError(400, `Finalized after ${session.received} of the declared ${session.declaredBytes} bytes.`, { headers: statusHeader('active') });
    }
    sessions.delete(session.id);
    const now = deps.clock.now();
    const stored: StoredFile = {
      id: session.fileId,
      filename: session.displayName ?? '',
      purpose: 'gemini',
      mimeType: session.mimeType,
      createdMs: now,
      expiresMs: now + FILE_TTL_MS,
      content: Buffer.concat(session.chunks, session.received),
    };
    files.put(stored);
    sendJson(ctx.res, 200, { file: fileObject(stored, ctx.origin, version) }, statusHeader('final'));
  }

  function download(ctx: RequestContext): void {
    const id = ctx.params.id;
    if (ctx.url.searchParams.get('alt') !== 'media') throw new HttpError(400, 'Downloads need ?alt=media.');
    const stored = files.get(id);
    if (stored) {
      ctx.res.writeHead(200, { 'Content-Type': stored.mimeType, 'Content-Length': stored.content.length });
      ctx.res.end(stored.content);
      return;
    }
    const found = resultFile(id);
    if (!found) throw notFound(id);
    ctx.res.writeHead(200, { 'Content-Type': 'application/jsonl' });
    const stream = Readable.from(resultFileLines(found.batch, found.view));
    stream.on('error', () => ctx.res.destroy());
    stream.pipe(ctx.res);
  }

  const routes: Route[] = [];
  for (const version of versions) {
    routes.push(
      {
        method: 'POST',
        pattern: `/upload/${version}/files`,
        provider: 'gemini',
        // The start request needs the API key; the chunks carry the session's upload_id instead.
        auth: false,
        handler: async (ctx) => {
          const uploadId = ctx.url.searchParams.get('upload_id');
          const body = await ctx.body();
          if (uploadId) uploadChunk(ctx, body, uploadId, version);
          else startUpload(ctx, body, version);
        },
      },
      {
        method: 'GET',
        pattern: `/${version}/files`,
        provider: 'gemini',
        handler: (ctx) => {
          const pageSize = intParam(ctx.url, 'pageSize', 10, 0, 100) || 10;
          const all = files.list();
          const token = ctx.url.searchParams.get('pageToken');
          const from = token ? Math.max(0, Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10) || 0) : 0;
          const page = all.slice(from, from + pageSize);
          const next = from + pageSize < all.length ? Buffer.from(String(from + pageSize)).toString('base64url') : undefined;
          sendJson(ctx.res, 200, { files: page.map((f) => fileObject(f, ctx.origin, version)), ...(next ? { nextPageToken: next } : {}) });
        },
      },
      {
        method: 'GET',
        pattern: `/${version}/files/{id}`,
        provider: 'gemini',
        handler: (ctx) => {
          const stored = files.get(ctx.params.id);
          const body = stored ? fileObject(stored, ctx.origin, version) : resultFileObject(ctx.params.id, ctx.origin, version);
          if (!body) throw notFound(ctx.params.id);
          sendJson(ctx.res, 200, body);
        },
      },
      {
        method: 'DELETE',
        pattern: `/${version}/files/{id}`,
        provider: 'gemini',
        handler: (ctx) => {
          if (!files.delete(ctx.params.id)) throw notFound(ctx.params.id);
          sendJson(ctx.res, 200, {});
        },
      },
      // The SDK's files.download() asks `/{version}/files/{id}:download?alt=media`; a result file's downloadUri is the
      // `/download/...` form the REST docs use. Both are served.
      { method: 'GET', pattern: `/${version}/files/{id}:download`, provider: 'gemini', handler: download },
      { method: 'GET', pattern: `/download/${version}/files/{id}:download`, provider: 'gemini', handler: download },
    );
  }
  return routes;
}
