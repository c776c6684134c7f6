import type { ProviderId } from '../core/status';
import { API_KEY_ENV } from '../providers/env';
import { toProviderError } from '../providers/retry';
import { EXIT_INTERRUPTED, EXIT_USAGE, CliError } from './io';

/** Where the provider lives when no base URL was given. */
const DEFAULT_URL: Record<ProviderId, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
  local: 'the local server',
};

export interface FailureContext {
  provider: ProviderId;
  baseUrl?: string;
  /** What the user can do next (and what state things were left in), appended to the message. */
  next?: string;
  /** The call may have taken effect (a create that timed out): "try again" would be the wrong advice. */
  mayHaveActed?: boolean;
}

/** Ctrl+C (the CLI's abort signal) or an SDK's own abort error. */
export function isAbortError(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'APIUserAbortError';
}

/**
 * A failed provider call as one sentence that says what happened, where, and what to do: a CliError (exit 2, or
 * 130 for Ctrl+C). Anything that is not a provider or network failure is returned unchanged.
 */
export function providerFailure(err: unknown, ctx: FailureContext): unknown {
  if (err instanceof CliError) return err;
  const next = ctx.next ? ` ${ctx.next}` : '';
  if (isAbortError(err)) return new CliError(`interrupted.${next}`, EXIT_INTERRUPTED);
  const looksLikeProvider = err instanceof Error && (err.name === 'ProviderError' || typeof (err as { status?: unknown }).status === 'number' || /APIError|APIConnection|ApiError|Fetch/i.test(err.constructor.name) || /fetch failed|ECONN|ENOTFOUND|EAI_AGAIN|socket hang up|timed? ?out/i.test(err.message));
  if (!looksLikeProvider) return err;
  const e = toProviderError(err);
  const where = ctx.baseUrl ?? DEFAULT_URL[ctx.provider];
  const msg = e.message.replace(/\s+$/, '').replace(/\.$/, '');
  const s = e.status;
  if (e.code === 'missing_api_key') return new CliError(`${msg}.`, EXIT_USAGE);
  if (s === 401 || s === 403) {
    const env = API_KEY_ENV[ctx.provider];
    return new CliError(`${where} refused the API key (HTTP ${s}): ${msg}. Check ${env ?? 'the API key'}.${next}`, EXIT_USAGE);
  }
  if (s === 404) return new CliError(`${where} answered HTTP 404 (not found): ${msg}. Check that the base URL is the provider's API root (OpenAI-compatible servers end in /v1) and that the batch still exists there.${next}`, EXIT_USAGE);
  const again = ctx.mayHaveActed ? '' : ' Try again in a few minutes.';
  if (s === 429) return new CliError(`${where} is rate limiting (HTTP 429) and still was after several attempts: ${msg}.${ctx.mayHaveActed ? '' : ' Wait a few minutes and try again.'}${next}`, EXIT_USAGE);
  if (s !== undefined && s >= 500) return new CliError(`${where} kept failing with HTTP ${s} (a server error) after several attempts: ${msg}.${again}${next}`, EXIT_USAGE);
  if (s !== undefined) return new CliError(`${where} rejected the request (HTTP ${s}): ${msg}.${next}`, EXIT_USAGE);
  return new CliError(`cannot reach ${where}: ${msg}. Check the network${ctx.baseUrl ? ' and that a server is running at that URL (--base-url)' : ''}.${next}`, EXIT_USAGE);
}
