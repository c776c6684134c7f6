import type { ModelPrice, PricingOverrides } from './pricing';
import type { ProviderId } from './status';

/**
 * The price table, as data. USD per 1M tokens, standard (synchronous) prices; the batch price is
 * stated where the provider lists one and is 50% of standard otherwise (all three providers
 * advertise batch at half price). Prices change: the `batchwise.pricing` setting overrides any
 * entry, and PRICING_DATE is shown next to every estimate so a stale table is visible.
 *
 * Long-context tiers (Gemini 2.5 Pro above 200k prompt tokens, Claude Sonnet above 200k) and
 * cached-input discounts are not modelled: an estimate is an estimate.
 */
export const PRICING_DATE = '2025-11-15';

export const PRICING_SOURCES: Record<Exclude<ProviderId, 'local'>, string> = {
  openai: 'https://platform.openai.com/docs/pricing',
  anthropic: 'https://docs.anthropic.com/en/docs/about-claude/pricing',
  gemini: 'https://ai.google.dev/gemini-api/docs/pricing',
};

/** Batch discount when a table entry has no explicit batch price. */
export const DEFAULT_BATCH_DISCOUNT = 0.5;

export interface PriceEntry extends ModelPrice {
  provider: Exclude<ProviderId, 'local'>;
}

/**
 * Keys are model ids or id prefixes: `gpt-4o-2024-08-06` finds `gpt-4o` by longest prefix, and
 * `gpt-4o-mini` wins over `gpt-4o` for `gpt-4o-mini-2024-07-18` because it is longer.
 */
export const PRICE_TABLE: Readonly<Record<string, PriceEntry>> = {
  // OpenAI
  'gpt-5': { provider: 'openai', input: 1.25, output: 10 },
  'gpt-5.1': { provider: 'openai', input: 1.25, output: 10 },
  'gpt-5-mini': { provider: 'openai', input: 0.25, output: 2 },
  'gpt-5-nano': { provider: 'openai', input: 0.05, output: 0.4 },
  'gpt-5-pro': { provider: 'openai', input: 15, output: 120 },
  'gpt-4.1': { provider: 'openai', input: 2, output: 8 },
  'gpt-4.1-mini': { provider: 'openai', input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { provider: 'openai', input: 0.1, output: 0.4 },
  'gpt-4o': { provider: 'openai', input: 2.5, output: 10, batchInput: 1.25, batchOutput: 5 },
  'gpt-4o-mini': { provider: 'openai', input: 0.15, output: 0.6, batchInput: 0.075, batchOutput: 0.3 },
  'gpt-4-turbo': { provider: 'openai', input: 10, output: 30 },
  'gpt-4': { provider: 'openai', input: 30, output: 60 },
  'gpt-3.5-turbo': { provider: 'openai', input: 0.5, output: 1.5 },
  o1: { provider: 'openai', input: 15, output: 60 },
  'o1-mini': { provider: 'openai', input: 1.1, output: 4.4 },
  o3: { provider: 'openai', input: 2, output: 8 },
  'o3-mini': { provider: 'openai', input: 1.1, output: 4.4 },
  'o3-pro': { provider: 'openai', input: 20, output: 80 },
  'o4-mini': { provider: 'openai', input: 1.1, output: 4.4 },
  'text-embedding-3-small': { provider: 'openai', input: 0.02, output: 0, batchInput: 0.01, batchOutput: 0 },
  'text-embedding-3-large': { provider: 'openai', input: 0.13, output: 0, batchInput: 0.065, batchOutput: 0 },
  'text-embedding-ada-002': { provider: 'openai', input: 0.1, output: 0, batchInput: 0.05, batchOutput: 0 },
  'omni-moderation': { provider: 'openai', input: 0, output: 0 },
  'text-moderation': { provider: 'openai', input: 0, output: 0 },
  // Anthropic (ids carry a date suffix, e.g. claude-sonnet-4-5-20250929: prefix match)
  'claude-opus-4-5': { provider: 'anthropic', input: 5, output: 25 },
  'claude-opus-4-1': { provider: 'anthropic', input: 15, output: 75 },
  'claude-opus-4': { provider: 'anthropic', input: 15, output: 75 },
  'claude-sonnet-4-5': { provider: 'anthropic', input: 3, output: 15 },
  'claude-sonnet-4': { provider: 'anthropic', input: 3, output: 15 },
  'claude-haiku-4-5': { provider: 'anthropic', input: 1, output: 5 },
  'claude-3-7-sonnet': { provider: 'anthropic', input: 3, output: 15 },
  'claude-3-5-sonnet': { provider: 'anthropic', input: 3, output: 15 },
  'claude-3-5-haiku': { provider: 'anthropic', input: 0.8, output: 4 },
  'claude-3-opus': { provider: 'anthropic', input: 15, output: 75 },
  'claude-3-haiku': { provider: 'anthropic', input: 0.25, output: 1.25 },
  // Gemini (prompts up to 200k tokens; text input)
  'gemini-2.5-pro': { provider: 'gemini', input: 1.25, output: 10 },
  'gemini-2.5-flash': { provider: 'gemini', input: 0.3, output: 2.5 },
  'gemini-2.5-flash-lite': { provider: 'gemini', input: 0.1, output: 0.4 },
  'gemini-2.0-flash': { provider: 'gemini', input: 0.1, output: 0.4 },
  'gemini-2.0-flash-lite': { provider: 'gemini', input: 0.075, output: 0.3 },
  'gemini-embedding-001': { provider: 'gemini', input: 0.15, output: 0 },
};

export interface ResolvedPrice {
  /** The table or setting key that matched (`gpt-4o` for `gpt-4o-2024-08-06`). */
  matched: string;
  source: 'override' | 'table';
  /** USD per 1M tokens. */
  input: number;
  output: number;
  batchInput: number;
  batchOutput: number;
}

/** `models/gemini-2.5-flash` (Gemini's resource name) and `openai/gpt-4o` (gateway style) price as the bare id. */
export function normalizeModelId(model: string): string {
  return model.trim().replace(/^models\//, '').replace(/^(openai|anthropic|google|gemini)\//, '');
}

/**
 * Price of a model. Exact ids first (a setting before the table), then the longest matching prefix
 * across both, the setting winning a tie: a user's `gpt-4o` override applies to
 * `gpt-4o-2024-08-06`, yet does not capture `gpt-4o-mini`, which the table knows exactly.
 */
export function lookupPrice(model: string | null | undefined, overrides: PricingOverrides = {}): ResolvedPrice | null {
  if (!model) return null;
  const id = normalizeModelId(model);
  const resolved = (matched: string, source: ResolvedPrice['source'], p: ModelPrice): ResolvedPrice => ({
    matched,
    source,
    input: p.input,
    output: p.output,
    batchInput: p.batchInput ?? p.input * DEFAULT_BATCH_DISCOUNT,
    batchOutput: p.batchOutput ?? p.output * DEFAULT_BATCH_DISCOUNT,
  });
  if (Object.hasOwn(overrides, id)) return resolved(id, 'override', overrides[id]!);
  if (Object.hasOwn(PRICE_TABLE, id)) return resolved(id, 'table', PRICE_TABLE[id]!);
  let best: ResolvedPrice | null = null;
  let bestLength = 0;
  const consider = (key: string, source: ResolvedPrice['source'], p: ModelPrice) => {
    // A prefix must end at `-`, `_` or `@` so `o3` does not price `o3x`, nor `gpt-4` price `gpt-4.5` (a different model).
    if (!isPrefixAtBoundary(key, id)) return;
    if (key.length > bestLength || (key.length === bestLength && source === 'override')) {
      best = resolved(key, source, p);
      bestLength = key.length;
    }
  };
  for (const [key, p] of Object.entries(overrides)) consider(key, 'override', p);
  for (const [key, p] of Object.entries(PRICE_TABLE)) consider(key, 'table', p);
  return best;
}

function isPrefixAtBoundary(prefix: string, id: string): boolean {
  if (!id.startsWith(prefix) || id.length === prefix.length) return id === prefix;
  return /[-_@]/.test(id[prefix.length]!);
}
