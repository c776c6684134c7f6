import type { ProviderId } from '../core/status';

/** Environment variables the CLI (and, as a fallback, the extension) reads API keys from. */
export const API_KEY_ENV: Record<ProviderId, string | undefined> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  gemini: 'GEMINI_API_KEY',
  local: 'BATCHWISE_LOCAL_API_KEY',
};

/** Base URL environment variables the official SDKs read; the CLI honours them when no --base-url is given. */
export const BASE_URL_ENV: Record<ProviderId, string | undefined> = {
  openai: 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
  gemini: 'GOOGLE_GEMINI_BASE_URL',
  local: undefined,
};
