import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { isBlankLine, readJsonlFile } from '../core/jsonl';
import { prepareOutputForResume } from './outputFile';
import { Throughput } from './throughput';
import { LineAppender } from './lineAppender';
import { RunHttpClient } from './httpClient';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

export interface RunProgress {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  skipped: number;
  inFlight: number;
  requestsPerSec: number;
  tokensPerSec: number;
  etaSeconds: number | null;
}

export interface RunOptions {
  inputPath: string;
  outPath: string;
  /** The server's OpenAI-compatible base URL, e.g. `http://localhost:8000/v1`. */
  baseUrl: string;
  apiKey?: string;
  concurrency?: number;
  /** Requests in the input (non-blank lines) when the caller has counted them already; else one pass counts them. */
  total?: number;
  signal?: AbortSignal;
  /** Attempts per request for 429 / 5xx / timeouts / network errors. */
  maxAttempts?: number;
  timeoutMs?: number;
  onProgress?: (p: RunProgress) => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RunSummary extends RunProgress {
  cancelled: boolean;
  /** Lines of the output that were not results (corrupt, e.g. edited by hand) and were dropped on resume. */
  corruptDropped: number;
  outPath: string;
}

interface InputRequest {
  customId: string;
  url: string;
  body: unknown;
}

const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);

/** The server refused the credentials: every other line would fail the same way, so the run stops. */
export class RunAuthError extends Error {
  constructor(readonly status: number, detail: string) {
    super(`the server answered ${status} (${detail}): check the API key (BATCHWISE_LOCAL_API_KEY for the CLI, "Batchwise: Set API Key" in VS Code), then run again to resume`);
    this.name = 'RunAuthError';
  }
}

/**
 * The server cannot be reached (connection refused, unknown host): every other line would wait out its retries the
 * same way, so the run stops. Lines not answered are not written: run again to resume sends them.
 */
export class RunUnreachableError extends Error {
  constructor(
    readonly baseUrl: string,
    detail: string,
    answeredBefore: boolean,
  ) {
    super(`the server at ${baseUrl} is not reachable${answeredBefore ? ' any more' : ''} (${detail}): start it (or fix the base URL), then run the same command again to resume; the lines not answered yet are sent then`);
    this.name = 'RunUnreachableError';
  }
}

/** Connection errors that mean nothing is listening there (not a request the server dropped). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Refusals in a row, with no answer between them. Before the server answered anything a few are enough (it is not
 * running, or the URL is wrong); once it has answered, a restart is allowed for: every request in flight has to
 * exhaust its retries first.
 */
class Reachability {
  private answered = false;
  private streak = 0;
  constructor(private readonly concurrency: number) {}
  ok(): void {
    this.answered = true;
    this.streak = 0;
  }
  /** Counts a refusal; true when the run should stop. */
  refused(): boolean {
    this.streak++;
    return this.streak >= (this.answered ? 5 * this.concurrency : COLD_REFUSALS);
  }
  get answeredBefore(): boolean {
    return this.answered;
  }
}

/** Refusals before anything answered that stop a run. */
export const COLD_REFUSALS = 3;

function unreachableCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
  }
  return undefined;
}

/**
 * Sends every line of an OpenAI-batch-format file to an OpenAI-compatible server with bounded concurrency,
 * writing each result as soon as it arrives (OpenAI batch output format; answers that arrive together share one write).
 * Run again after a kill or cancel, it resumes: answered lines are skipped, a torn last line is repaired.
 */
export async function runBatch(opts: RunOptions): Promise<RunSummary> {
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const { answered, corrupt } = await prepareOutputForResume(opts.outPath);
  // Aborted on an auth failure, or by the caller.
  const stop = new AbortController();
  // Each request waiting out a backoff listens to it, so a cancel does not wait for the longest backoff.
  setMaxListeners(0, stop.signal);
  const sleep = opts.sleep ?? ((ms: number) => delay(ms, undefined, { signal: stop.signal }).catch(() => undefined));
  const outer = opts.signal;
  const onOuterAbort = () => stop.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  if (outer?.aborted) stop.abort(outer.reason);
  let authError: RunAuthError | RunUnreachableError | undefined;
  const runOpts: RunOptions = { ...opts, signal: stop.signal };
  const total = opts.total ?? (await countRequests(opts.inputPath));
  const meter = new Throughput();
  const progress: RunProgress = { total, done: answered.size, succeeded: 0, failed: 0, skipped: answered.size, inFlight: 0, requestsPerSec: 0, tokensPerSec: 0, etaSeconds: null };
  const out = await open(opts.outPath, 'a');
  const appender = new LineAppender(out);
  const target = targetOf(opts, stop.signal, new Reachability(concurrency));
  const report = () => {
    if (!opts.onProgress) return;
    Object.assign(progress, meter.rates(), { etaSeconds: meter.etaSeconds(progress.total - progress.done) });
    opts.onProgress({ ...progress });
  };

  const sendOne = async (req: InputRequest) => {
    progress.inFlight++;
    const line = await send(req, runOpts, target, sleep).catch((err: unknown) => {
      if (!(err instanceof RunAuthError) && !(err instanceof RunUnreachableError)) throw err;
      authError ??= err;
      stop.abort(err);
      return null;
    });
    progress.inFlight--;
    // A request cut short by cancel is not an answer: it is sent again when the run resumes.
    if (!line) return;
    await appender.append(line.line);
    progress.done++;
    if (line.ok) progress.succeeded++;
    else progress.failed++;
    meter.record(line.tokens);
    report();
  };

  const inFlight = new Set<Promise<void>>();
  // Woken when a request ends, so a new one can take its slot (cheaper than racing every promise in flight).
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  try {
    for await (const l of readJsonlFile(opts.inputPath)) {
      if (stop.signal.aborted) break;
      const req = parseRequest(l.text);
      if (!req || answered.has(req.customId)) continue;
      answered.add(req.customId); // a duplicate id later in the file is not sent twice
      const p: Promise<void> = sendOne(req)
        .catch((error: unknown) => {
          failure ??= { error };
          stop.abort(error);
        })
        .finally(() => {
          inFlight.delete(p);
          wake?.();
          wake = undefined;
        });
      inFlight.add(p);
      while (inFlight.size >= concurrency) await new Promise<void>((resolve) => (wake = resolve));
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
  } finally {
    await Promise.allSettled(inFlight);
    await appender.drain().catch(() => undefined);
    target.http.close();
    await out.close();
    outer?.removeEventListener('abort', onOuterAbort);
  }
  if (authError) throw authError;
  report();
  return { ...progress, cancelled: Boolean(opts.signal?.aborted) && progress.done < progress.total, corruptDropped: corrupt, outPath: opts.outPath };
}

function parseRequest(text: string): InputRequest | undefined {
  if (!text.trim()) return undefined;
  try {
    const v = JSON.parse(text) as { custom_id?: unknown; url?: unknown; body?: unknown };
    if (typeof v.custom_id !== 'string' || typeof v.url !== 'string') return undefined;
    return { customId: v.custom_id, url: v.url, body: v.body };
  } catch {
    return undefined;
  }
}

async function countRequests(path: string): Promise<number> {
  let n = 0;
  for await (const l of readJsonlFile(path)) if (!isBlankLine(l.text)) n++;
  return n;
}

/** `http://host:8000/v1` + `/v1/chat/completions` -> `http://host:8000/v1/chat/completions`. */
export function endpointUrl(baseUrl: string, url: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const path = base.endsWith('/v1') && url.startsWith('/v1/') ? url.slice(3) : url;
  return base + path;
}

interface SendResult {
  ok: boolean;
  tokens: number;
  /** The result as one line of the OpenAI batch output format: `{id, custom_id, response: {status_code, request_id, body}, error}`. */
  line: string;
}

/** What every request of a run shares: built once, not per request. */
interface Target {
  http: RunHttpClient;
  reach: Reachability;
  baseUrl: string;
  headers: Record<string, string>;
  url(lineUrl: string): URL;
}

function targetOf(opts: RunOptions, signal: AbortSignal, reach: Reachability): Target {
  const urls = new Map<string, URL>();
  return {
    http: new RunHttpClient(opts.timeoutMs ?? 600_000, signal),
    reach,
    baseUrl: opts.baseUrl,
    headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
    url(lineUrl) {
      let url = urls.get(lineUrl);
      if (url === undefined) urls.set(lineUrl, (url = new URL(endpointUrl(opts.baseUrl, lineUrl))));
      return url;
    },
  };
}

function headerValue(v: string | string[] | undefined): string | null {
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

async function send(req: InputRequest, opts: RunOptions, target: Target, sleep: (ms: number) => Promise<void>): Promise<SendResult | null> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
  const id = `batch_req_${createHash('sha256').update(req.customId).digest('hex').slice(0, 24)}`;
  let lastError = 'no attempt made';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (opts.signal?.aborted) break;
    try {
      const res = await target.http.post(target.url(req.url), target.headers, JSON.stringify(req.body));
      target.reach.ok();
      const text = res.text;
      const body = parseBody(text);
      if (res.status === 401 || res.status === 403) throw new RunAuthError(res.status, errorMessage(body) ?? res.statusText);
      if (RETRYABLE.has(res.status) && attempt < maxAttempts) {
        lastError = `HTTP ${res.status}`;
        await sleep(backoffMs(attempt, headerValue(res.headers['retry-after'])));
        continue;
      }
      const requestId = headerValue(res.headers['x-request-id']) ?? `req_${id.slice(10)}`;
      return {
        ok: res.status >= 200 && res.status < 300,
        tokens: res.status >= 200 && res.status < 300 ? usageTokens(body) : 0,
        line: outputLine(id, req.customId, res.status, requestId, body, text),
      };
    } catch (err) {
      if (err instanceof RunAuthError) throw err;
      if (opts.signal?.aborted) break;
      lastError = err instanceof Error ? (err.name === 'TimeoutError' ? 'request timed out' : err.message) : String(err);
      const code = unreachableCode(err);
      // A refusal is never a line's result: when the line is out of attempts (or enough requests were refused in a
      // row) the run stops, and a resume sends the line again.
      if (code && (target.reach.refused() || attempt === maxAttempts)) throw new RunUnreachableError(target.baseUrl, code === 'ECONNREFUSED' ? 'connection refused' : `${code}: ${lastError}`, target.reach.answeredBefore);
      if (attempt < maxAttempts) await sleep(backoffMs(attempt, null));
    }
  }
  if (opts.signal?.aborted) return null;
  return {
    ok: false,
    tokens: 0,
    line: JSON.stringify({ id, custom_id: req.customId, response: null, error: { code: 'request_failed', message: `Gave up after ${maxAttempts} attempts: ${lastError}` } }),
  };
}

/**
 * The server's JSON is spliced in as it came when it is one line (the usual case), which saves re-serializing every
 * answer; anything else (pretty-printed JSON, plain text) is serialized so the file stays one result per line.
 */
function outputLine(id: string, customId: string, status: number, requestId: string, body: unknown, text: string): string {
  const head = `{"id":${JSON.stringify(id)},"custom_id":${JSON.stringify(customId)},"response":{"status_code":${status},"request_id":${JSON.stringify(requestId)},"body":`;
  const raw = typeof body === 'object' && body !== null && !/[\r\n]/.test(text) ? text.trim() : JSON.stringify(body);
  return `${head}${raw}},"error":null}`;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorMessage(body: unknown): string | undefined {
  const error = (body as { error?: { message?: unknown } | string } | null)?.error;
  if (typeof error === 'string') return error;
  return typeof error?.message === 'string' ? error.message : undefined;
}

function usageTokens(body: unknown): number {
  const usage = (body as { usage?: { total_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  const n = usage?.completion_tokens ?? usage?.total_tokens;
  return typeof n === 'number' ? n : 0;
}

/** Exponential backoff with full jitter, capped; a server's Retry-After wins when it is longer. */
export function backoffMs(attempt: number, retryAfter: string | null, random: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** (attempt - 1));
  const jittered = base / 2 + random() * (base / 2);
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  return Number.isFinite(seconds) ? Math.max(jittered, seconds * 1000) : jittered;
}
