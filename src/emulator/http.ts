import { isJsonObject } from '../core/json';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Which provider's conventions (auth header, error shape) a route follows. */
export type ProviderKind = 'openai' | 'azure' | 'anthropic' | 'gemini' | 'emulator';

/** A failure a handler reports; the server renders it in the route's provider error shape. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail: { code?: string; param?: string | null; type?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  provider: ProviderKind;
  requestId: string;
  /** `http://host:port` as the client addressed us, for absolute URLs in responses (Anthropic `results_url`, Gemini upload URL). */
  origin: string;
  /** The whole body, bounded by the server's size limit (413 beyond it). */
  body(): Promise<Buffer>;
  json(): Promise<unknown>;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a body up to `limit` bytes; beyond it, a 413 in the caller's error shape. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `Request body of ${declared} bytes exceeds the limit of ${limit} bytes.`, { code: 'request_too_large' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new HttpError(413, `Request body exceeds the limit of ${limit} bytes.`, { code: 'request_too_large' }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

/** JSON.parse that fails with a 400 naming the position, in the provider's shape. */
export function parseJsonBody(buf: Buffer): unknown {
  if (buf.length === 0) throw new HttpError(400, 'The request body is empty; expected a JSON object.', { code: 'invalid_json' });
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `The request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { code: 'invalid_json' });
  }
}

/** Reads a JSON object body or fails with a 400. */
export async function jsonObject(ctx: RequestContext): Promise<Record<string, unknown>> {
  const value = await ctx.json();
  if (!isJsonObject(value)) throw new HttpError(400, 'The request body must be a JSON object.', { code: 'invalid_json' });
  return value;
}

export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HttpError(400, `Query parameter "${name}" must be an integer between ${min} and ${max}, got "${raw}".`, { param: name });
  }
  return n;
}
