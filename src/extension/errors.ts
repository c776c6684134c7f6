/**
 * Error text the user or the log sees. No `vscode` import: unit-tested on its own.
 *
 * API keys live in SecretStorage only, but an error can still carry one: an HTTP client that puts the
 * request's headers or a `?key=` URL in its message, a base URL with credentials in it. Every message
 * that leaves the extension (log, notification, webview) goes through `redactSecrets` first.
 */

const REDACTED = '[redacted]';

const PATTERNS: ReadonlyArray<[RegExp, (...groups: string[]) => string]> = [
  // Authorization headers, whatever the scheme: `Authorization: Bearer sk-...`, `"authorization":"Basic ..."`.
  [/(authorization["']?\s*[:=]\s*["']?)(?:bearer\s+|basic\s+)?[^\s"',}]+/gi, (_m, head) => `${head}${REDACTED}`],
  // Key headers of the providers: `x-api-key`, `x-goog-api-key`, `api-key` (Azure), `openai-api-key`.
  [/((?:x-goog-|x-|openai-)?api[-_]?key["']?\s*[:=]\s*["']?)[^\s"',}&]+/gi, (_m, head) => `${head}${REDACTED}`],
  // Keys in query strings: `?key=AIza...`, `&api_key=...`, `&access_token=...`.
  [/([?&](?:key|api[-_]?key|access[-_]token|token)=)[^&\s"'#]+/gi, (_m, head) => `${head}${REDACTED}`],
  // Credentials in a URL: `https://user:secret@host`.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, (_m, scheme) => `${scheme}${REDACTED}@`],
  // Bare provider keys: OpenAI / Anthropic `sk-...`, Google `AIza...`.
  [/\bsk-(?:ant-|proj-|svcacct-)?[A-Za-z0-9_-]{16,}/g, () => REDACTED],
  [/\bAIza[0-9A-Za-z_-]{30,}/g, () => REDACTED],
  // A bearer token standing on its own.
  [/\b(bearer\s+)[A-Za-z0-9._~+/=-]{12,}/gi, (_m, head) => `${head}${REDACTED}`],
];

/** `text` with anything that looks like an API key, token or URL credential replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, replace] of PATTERNS) out = out.replace(re, replace as (substring: string, ...args: string[]) => string);
  return out;
}

/** The message of a thrown value, redacted: what a notification, the log or a webview may show. */
export function errorMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message || err.name : typeof err === 'string' ? err : safeString(err);
  return redactSecrets(raw);
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return 'unknown error';
  }
}

/**
 * Decides when background failures (polls of one job) are worth a notification: retried quietly first,
 * reported once when `threshold` failures in a row are reached, then quiet again until a success resets it.
 */
export class FailureReporter<K> {
  private readonly streaks = new Map<K, { count: number; reported: boolean }>();

  constructor(private readonly threshold = 3) {}

  /** Records a failure; true exactly once per streak, when it reaches the threshold. */
  failed(key: K): boolean {
    const s = this.streaks.get(key) ?? { count: 0, reported: false };
    s.count++;
    this.streaks.set(key, s);
    if (s.reported || s.count < this.threshold) return false;
    s.reported = true;
    return true;
  }

  succeeded(key: K): void {
    this.streaks.delete(key);
  }

  forget(key: K): void {
    this.streaks.delete(key);
  }

  failures(key: K): number {
    return this.streaks.get(key)?.count ?? 0;
  }
}
