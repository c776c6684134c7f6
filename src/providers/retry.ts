import { ProviderError } from './types';

/** What `onRetry` hears before each wait. */
export interface RetryInfo {
  /** The attempt that just failed (1 = the first call). */
  attempt: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  error: ProviderError;
}

export interface RetryOptions {
  signal?: AbortSignal;
  /**
   * False for calls that create something billable (batch create). Such a call is retried at once only when the
   * server clearly did not act on it (429); after an ambiguous failure (connection reset or timeout after sending,
   * 5xx) `recover` is asked first whether the first attempt went through, and without `recover` it is not retried.
   */
  idempotent?: boolean;
  /** Retries after the first attempt (default 5). */
  retries?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Looks up what an ambiguous non-idempotent attempt may have created; a value ends the retry loop with it. */
  recover?: (error: ProviderError, attempt: number) => Promise<unknown>;
  /** First backoff step (default 500 ms); tests make it small. */
  baseDelayMs?: number;
  /** Cap for one backoff step (default 30 s); a server's Retry-After may ask for longer, up to maxRetryAfterMs. */
  maxDelayMs?: number;
  /** Longest Retry-After we are willing to wait (default 5 min); longer ones end the retries. */
  maxRetryAfterMs?: number;
  /** Injected in tests (fake sleep records delays). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Defaults adapters pass on; tests shrink them with `retryDefaults`. */
export type RetryTuning = Pick<RetryOptions, 'retries' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'sleep' | 'random' | 'onRetry'>;

const RETRYABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);
/** Connection errors that happen before any byte is sent: safe to repeat even a create. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Runs `fn` with exponential backoff and full jitter: network errors, 408/409/429 and 5xx are retried, a
 * Retry-After / retry-after-ms header is honoured, everything else (and the last failure) is thrown as a
 * ProviderError with the provider's own message. The SDKs' built-in retries are switched off so this is the
 * only retry loop (and so a non-idempotent create is never repeated blindly by the SDK).
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retries = opts.retries ?? 5;
  const sleep = opts.sleep ?? abortableSleep;
  const random = opts.random ?? Math.random;
  const base = opts.baseDelayMs ?? 500;
  const cap = opts.maxDelayMs ?? 30_000;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 300_000;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(opts.signal);
    let error: ProviderError;
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      error = toProviderError(err);
      if (attempt > retries || !isRetryable(err, error)) throw error;
    }
    const ambiguous = opts.idempotent === false && error.status !== 429;
    // Without a way to look the first attempt up, an ambiguous create is repeated only if it never left.
    if (ambiguous && !opts.recover && !notSent(err2cause(error))) throw error;
    const backoff = random() * Math.min(cap, base * 2 ** (attempt - 1));
    if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfter) throw error;
    const delayMs = Math.max(backoff, error.retryAfterMs ?? 0);
    opts.onRetry?.({ attempt, delayMs, error });
    await sleep(delayMs, opts.signal);
    if (ambiguous && opts.recover) {
      // The first attempt may have been carried out (looked up after the wait, so a slow server has had time to
      // record it): found, it is the result; a lookup that fails leaves us unsure, so nothing is created again.
      let found: unknown;
      try {
        found = await opts.recover(error, attempt);
      } catch {
        throw error;
      }
      if (found !== undefined) return found as T;
    }
  }
}

/** The original error a ProviderError was made from (kept in `cause`). */
function err2cause(error: ProviderError): unknown {
  return (error as { cause?: unknown }).cause;
}

function isRetryable(original: unknown, error: ProviderError): boolean {
  if (isAbort(original)) return false;
  if (error.status === undefined) return isNetworkError(original);
  return RETRYABLE_STATUS.has(error.status) || error.status >= 500;
}

/** True when a connection error certainly happened before the request left (nothing can have been created). */
function notSent(err: unknown): boolean {
  const code = networkCode(err);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

/** Normalizes any SDK / fetch / Node error into a ProviderError with status, code and Retry-After. */
export function toProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as { status?: unknown; message?: unknown; headers?: unknown; code?: unknown; type?: unknown; error?: unknown; name?: unknown };
  const status = typeof e.status === 'number' ? e.status : undefined;
  const message = messageOf(err, status);
  const retryAfterMs = retryAfterOf(e.headers);
  let code: string | undefined;
  if (typeof e.code === 'string') code = e.code;
  else if (typeof e.type === 'string') code = e.type;
  const body = e.error as { error?: { type?: unknown; code?: unknown }; type?: unknown; code?: unknown } | undefined;
  if (!code && body && typeof body === 'object') {
    const inner: { type?: unknown; code?: unknown } = body.error && typeof body.error === 'object' ? body.error : body;
    if (typeof inner.code === 'string') code = inner.code;
    else if (typeof inner.type === 'string') code = inner.type;
  }
  if (status === undefined && !code) code = networkCode(err) ?? (isTimeout(err) ? 'timeout' : 'connection_error');
  const out = new ProviderError(message, status, code, retryAfterMs);
  (out as { cause?: unknown }).cause = err;
  return out;
}

function messageOf(err: unknown, status: number | undefined): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  const net = networkCode(err);
  const base = raw || (status ? `HTTP ${status}` : 'request failed');
  if (status === undefined && net && !base.includes(net)) return `${base} (${net})`;
  return base;
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, from a fetch Headers or a plain object. */
export function retryAfterOf(headers: unknown, now = Date.now()): number | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    const rec = headers as Record<string, unknown>;
    const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
    const v = key ? rec[key] : undefined;
    return typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
  };
  const ms = Number(get('retry-after-ms'));
  if (get('retry-after-ms') !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const ra = get('retry-after');
  if (ra === undefined) return undefined;
  const seconds = Number(ra);
  if (ra.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** The Node / undici error code behind a fetch or SDK connection error, walking `cause`. */
function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && typeof cur === 'object' && depth < 6; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Connection-level failures (reset, refused, timeout, `fetch failed`), as opposed to bugs or bad input. */
function isNetworkError(err: unknown): boolean {
  if (networkCode(err) !== undefined || isTimeout(err)) return true;
  const names = [String((err as { name?: unknown })?.name ?? ''), String((err as object | undefined)?.constructor?.name ?? '')];
  if (names.some((n) => n === 'APIConnectionError' || n === 'APIConnectionTimeoutError' || n === 'FetchError')) return true;
  return /fetch failed|socket hang up|network|terminated|other side closed/i.test(String((err as { message?: unknown })?.message ?? ''));
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  const ctor = (err as object | undefined)?.constructor?.name;
  return name === 'TimeoutError' || ctor === 'APIConnectionTimeoutError' || /timed? ?out/i.test(String(err));
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return name === 'AbortError' || name === 'APIUserAbortError';
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was canceled.');
  err.name = 'AbortError';
  return err;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
