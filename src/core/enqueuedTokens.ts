import { countRequest, describeRequest, lineFormat, loadEncoders, tokenCounterFor } from './tokens';
import type { ProviderId } from './status';

/**
 * The tokens a request line holds against an enqueued-token quota: its input tokens (counted as the estimate counts
 * them: exact for OpenAI models, approximated otherwise) plus the `max_tokens` it reserves when it sets one. Lines
 * that are not requests count 0 (the validator reports them).
 */
export function enqueuedTokensOfLine(text: string, provider: ProviderId | null = null): number {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return 0;
  }
  const format = lineFormat(obj);
  const r = format ? describeRequest(obj, format) : null;
  if (!r) return 0;
  return countRequest(r, tokenCounterFor(provider ?? (format === 'openai' ? 'openai' : format), r.model)) + (r.maxOutputTokens ?? 0);
}

/** A line counter for planParts' token budget, with the encoders it needs loaded. */
export async function enqueuedTokenCounter(provider: ProviderId | null): Promise<(text: string) => number> {
  await loadEncoders();
  return (text) => enqueuedTokensOfLine(text, provider);
}
