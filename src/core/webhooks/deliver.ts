import { setTimeout as sleepFor } from 'node:timers/promises';
import { plainText } from '../safeText';
import { newWebhookId, signWebhook } from './standardWebhooks';

/** How a signed POST is sent and retried; every field but `url` and `secret` has a default. */
export interface DeliveryOptions {
  url: string;
  /** `whsec_...` */
  secret: string;
  /** The message id, the same for every attempt so receivers can drop duplicates (default: a fresh `msg_...`). */
  id?: string;
  fetch?: typeof fetch;
  /** How a retry waits; tests pass one that records the delay and returns at once. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Attempts in all, the first included (default 6: waits of about 1, 2, 4, 8, 16 s in between). */
  maxAttempts?: number;
  /** Per attempt (default 15 s): a receiver should answer 2xx at once and work afterwards. */
  timeoutMs?: number;
  /** Stops waiting and sending (e.g. the sender shuts down); the result says it was aborted. */
  signal?: AbortSignal;
  /** First backoff step (default 1 s) and the cap of one step (default 60 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After honoured (default 10 min); a receiver asking for more is given up on. */
  maxRetryAfterMs?: number;
  /** Jitter source, 0..1 (default Math.random). */
  random?: () => number;
  /** The signing time of each attempt (default the wall clock): each attempt is signed afresh, so a late retry is not refused as too old. */
  now?: () => Date;
}

export interface DeliveryResult {
  delivered: boolean;
  /** The `webhook-id` every attempt carried. */
  id: string;
  attempts: number;
  /** The last HTTP status received, if any. */
  status?: number;
  /** Why it was not delivered (the last failure), phrased for a log line. */
  error?: string;
}

export interface WebhookEvent {
  type: string;
  data: unknown;
  /** When the event happened (default: now). */
  timestamp?: Date;
}

/** POSTs `{type, timestamp, data}`, the Standard Webhooks payload shape (spec: "Payload structure"), signed and retried. */
export function deliverWebhook(opts: DeliveryOptions & WebhookEvent): Promise<DeliveryResult> {
  const timestamp = (opts.timestamp ?? opts.now?.() ?? new Date()).toISOString();
  return postSignedWebhook({ ...opts, body: JSON.stringify({ type: opts.type, timestamp, data: opts.data }) });
}

/** HTTP statuses worth another attempt: timeouts, rate limits and server errors. Other 4xx say the request itself is refused. */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * POSTs `body` (JSON text, for payloads of another shape such as OpenAI's events) signed with `secret`, with
 * exponential backoff and full jitter after network errors, timeouts, 408, 429 (honouring Retry-After) and 5xx.
 * Never throws: a failure is reported in the result.
 */
export async function postSignedWebhook(opts: DeliveryOptions & { body: string }): Promise<DeliveryResult> {
  const id = opts.id ?? newWebhookId();
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => sleepFor(ms, undefined, { signal }));
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 6);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const base = opts.baseDelayMs ?? 1000;
  const cap = opts.maxDelayMs ?? 60_000;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 600_000;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? (() => new Date());

  const target = targetOf(opts.url);
  if (typeof target !== 'string') return { delivered: false, id, attempts: 0, error: target.error };

  let status: number | undefined;
  let error = '';
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) return { delivered: false, id, attempts: attempt - 1, status, error: `stopped before delivery (${error || 'not sent yet'})` };
    let retryAfterMs: number | undefined;
    let again: boolean;
    try {
      let headers: Record<string, string>;
      try {
        headers = { 'content-type': 'application/json', 'user-agent': 'batchwise-webhooks', ...signWebhook(opts.secret, { id, timestamp: now(), body: opts.body }) };
      } catch (e) {
        return { delivered: false, id, attempts: attempt - 1, error: (e as Error).message };
      }
      const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
      const res = await doFetch(target, { method: 'POST', headers, body: opts.body, signal, redirect: 'manual' });
      status = res.status;
      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel().catch(() => undefined);
        return { delivered: true, id, attempts: attempt, status };
      }
      const snippet = await bodySnippet(res);
      error = `the receiver answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
      again = retryable(res.status);
      if (!again) error += res.status >= 300 && res.status < 400 ? ' (redirects are not followed: configure the final URL)' : ' (not retried: the receiver refuses this request; check its URL and secret)';
      if (res.status === 429 || res.status === 503) retryAfterMs = retryAfterOf(res.headers.get('retry-after'), now().getTime());
    } catch (e) {
      if (opts.signal?.aborted) return { delivered: false, id, attempts: attempt, status, error: 'stopped before delivery (aborted while sending)' };
      error = networkProblem(e, target, timeoutMs);
      again = true;
    }
    if (!again || attempt >= maxAttempts) return { delivered: false, id, attempts: attempt, status, error: again ? `${error} (gave up after ${attempt} attempt${attempt > 1 ? 's' : ''})` : error };
    if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfter) {
      return { delivered: false, id, attempts: attempt, status, error: `${error} (it asked to retry after ${Math.round(retryAfterMs / 1000)} s, more than the ${Math.round(maxRetryAfter / 1000)} s this sender waits)` };
    }
    const backoff = random() * Math.min(cap, base * 2 ** (attempt - 1));
    try {
      await sleep(Math.max(backoff, retryAfterMs ?? 0), opts.signal);
    } catch {
      return { delivered: false, id, attempts: attempt, status, error: `stopped before delivery (${error})` };
    }
  }
}

function targetOf(url: string): string | { error: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: `The webhook URL "${plainText(url, 120)}" is not a URL: write it as http(s)://host[:port]/path.` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { error: `The webhook URL must start with http:// or https://, not ${parsed.protocol}.` };
  return parsed.href;
}

/** Retry-After as seconds or an HTTP date (RFC 9110 section 10.2.3), in ms from `nowMs`. */
export function retryAfterOf(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}

/** The start of an error answer (a receiver often says why it refused), flattened and capped. */
async function bodySnippet(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  try {
    const { value } = await reader.read();
    return value ? plainText(Buffer.from(value).toString('utf8'), 200) : '';
  } catch {
    return '';
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function networkProblem(e: unknown, url: string, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer from ${url} within ${Math.round(timeoutMs / 1000)} s`;
  const code = err.cause?.code;
  const detail = code ?? err.cause?.message ?? err.message ?? String(e);
  const hint = code === 'ECONNREFUSED' ? ': is the receiver running and listening on that port?' : code === 'ENOTFOUND' ? ': check the host name' : '';
  return `could not reach ${url} (${detail})${hint}`;
}
