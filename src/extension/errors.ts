/**
 * Error text the user or the log sees. No `vscode` import: unit-tested on its own.
 *
 * API keys live in SecretStorage only, but an error can still carry one: an HTTP client that puts the
 * request's headers or a `?key=` URL in its message, a base URL with credentials in it. Every message
 * that leaves the extension (log, notification, webview) goes through `redactSecrets` first.
 */

export { redactSecrets } from '../core/redact';
import { redactSecrets } from '../core/redact';

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
