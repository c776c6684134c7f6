// Secrets out of any text that leaves Batchwise (log, notification, tooltip, webview): see extension/errors.ts.

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
