import { z } from 'zod';
import type { ProviderId } from '../status';

/**
 * A provider's batch quota for one model, as Batchwise enforces it before creating a batch:
 * - `enqueuedTokens`: tokens of all batches in flight (validating, in progress, finalizing) for the model;
 * - `maxBatchesInFlight`: batches in flight at once;
 * - `batchesPerHour`: batch creations in a rolling hour.
 */
export const QuotaSchema = z.object({
  enqueuedTokens: z.number().int().positive().optional(),
  maxBatchesInFlight: z.number().int().positive().optional(),
  batchesPerHour: z.number().int().positive().optional(),
});
export type Quota = z.infer<typeof QuotaSchema>;

/**
 * `batchwise.quotas`: keys `provider/model` or `provider/*` (every model of the provider); a `tier` takes the
 * documented figures of that usage tier, explicit numbers win over them.
 */
export const QuotaSettingsSchema = z.record(z.string().regex(/^(openai|anthropic|gemini|local)\/.+$/), QuotaSchema.extend({ tier: z.number().int().min(1).max(5).optional() }));
export type QuotaSettings = z.infer<typeof QuotaSettingsSchema>;

/** OpenAI's limit on batch creation (PROVIDER-FACTS §7, the batch guide: "2,000 batches per hour"). */
export const OPENAI_BATCHES_PER_HOUR = 2000;

/**
 * Enqueued-token limits ("batch queue limit") per model at OpenAI usage tier 1, the tier every paying account starts
 * at. Source: OpenAI's rate-limit table for tier 1 as quoted on community.openai.com/t/1028595 (gpt-4o 90,000;
 * gpt-4o-mini 2,000,000; ...) and PROVIDER-FACTS §7 ("gpt-4o-mini: 2M at tier 1 … 15B at tier 5"). Higher tiers
 * differ per model and change over time: give them as numbers in `batchwise.quotas` or `--max-enqueued-tokens`.
 * Longest prefix wins (`gpt-4o-mini` before `gpt-4o`). Anthropic limits queued requests, not tokens, and Gemini
 * shows its batch limits only in AI Studio: neither has a token quota here.
 */
const OPENAI_TIER1_ENQUEUED: ReadonlyArray<readonly [prefix: string, tokens: number]> = [
  ['gpt-4o-mini', 2_000_000],
  ['gpt-4o', 90_000],
  ['o1-mini', 2_000_000],
  ['o1-preview', 90_000],
  ['gpt-4-turbo', 90_000],
  ['gpt-4', 100_000],
  ['gpt-3.5-turbo', 2_000_000],
  ['text-embedding-3-large', 3_000_000],
];

/** The documented quota of a model at a usage tier (only tier 1 has per-model figures), or undefined. */
export function documentedQuota(provider: ProviderId, model: string | null, tier = 1): Quota | undefined {
  if (provider !== 'openai') return undefined;
  const base: Quota = { batchesPerHour: OPENAI_BATCHES_PER_HOUR };
  if (tier !== 1 || !model) return base;
  const hit = [...OPENAI_TIER1_ENQUEUED].sort((a, b) => b[0].length - a[0].length).find(([prefix]) => model === prefix || model.startsWith(`${prefix}-`));
  return hit ? { ...base, enqueuedTokens: hit[1] } : base;
}

/** The setting for this provider and model: `provider/model`, else `provider/*`, with a tier filled in. */
export function quotaFromSettings(settings: QuotaSettings | undefined, provider: ProviderId, model: string | null): Quota | undefined {
  if (!settings) return undefined;
  const entry = (model ? settings[`${provider}/${model}`] : undefined) ?? settings[`${provider}/*`];
  if (!entry) return undefined;
  const { tier, ...numbers } = entry;
  const merged = { ...(tier !== undefined ? documentedQuota(provider, model, tier) : {}), ...numbers };
  return hasLimit(merged) ? merged : undefined;
}

export function hasLimit(q: Quota | undefined): q is Quota {
  return q !== undefined && (q.enqueuedTokens !== undefined || q.maxBatchesInFlight !== undefined || q.batchesPerHour !== undefined);
}

/** The stricter of two quotas, limit by limit. */
export function tighter(a: Quota | undefined, b: Quota | undefined): Quota | undefined {
  if (!hasLimit(a)) return hasLimit(b) ? b : undefined;
  if (!hasLimit(b)) return a;
  const min = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.min(x, y));
  const out: Quota = {};
  const tokens = min(a.enqueuedTokens, b.enqueuedTokens);
  const inFlight = min(a.maxBatchesInFlight, b.maxBatchesInFlight);
  const perHour = min(a.batchesPerHour, b.batchesPerHour);
  if (tokens !== undefined) out.enqueuedTokens = tokens;
  if (inFlight !== undefined) out.maxBatchesInFlight = inFlight;
  if (perHour !== undefined) out.batchesPerHour = perHour;
  return out;
}

/**
 * The quota a submit works under: the explicit one (`--max-enqueued-tokens`, or the setting) tightened by what the
 * store learned from the provider's refusals. Undefined means no queue: every part is created at once, as before.
 */
export function resolveQuota(opts: { provider: ProviderId; model: string | null; maxEnqueuedTokens?: number; settings?: QuotaSettings; learned?: Quota }): Quota | undefined {
  const explicit = opts.maxEnqueuedTokens !== undefined ? { enqueuedTokens: opts.maxEnqueuedTokens } : quotaFromSettings(opts.settings, opts.provider, opts.model);
  return tighter(explicit, opts.learned);
}

/**
 * The largest part a quota allows. A quarter of the token quota, so several parts are in flight at once (one part
 * ending frees room for the next at once) and a quota lowered after a refusal still fits every planned part.
 */
export function partTokenBudget(quota: Quota): number | undefined {
  return quota.enqueuedTokens === undefined ? undefined : Math.max(1, Math.floor(quota.enqueuedTokens / 4));
}

/**
 * What a `token_limit_exceeded` teaches: the real limit is below the tokens that were in flight with the refused part
 * (as Batchwise counts them). A tenth is kept as margin, since the provider's count may be higher than ours; but
 * never below the refused part itself (`floor`), which must stay sendable once the others have ended.
 */
export function lowerAfterTokenRefusal(current: Quota | undefined, tokensWithPart: number, floor = 0): Quota {
  const observed = Math.max(1, floor, Math.floor(tokensWithPart * 0.9));
  return tighter(current, { enqueuedTokens: observed }) ?? { enqueuedTokens: observed };
}

/** What a 429 on batch creation teaches: no more creates per hour than went through in the last one. */
export function lowerAfterRateLimit(current: Quota | undefined, createdInLastHour: number): Quota {
  const observed = Math.max(1, createdInLastHour);
  return tighter(current, { batchesPerHour: observed }) ?? { batchesPerHour: observed };
}

/** Where a learned quota is kept: per provider, profile (one account) and model. */
export function quotaKey(provider: ProviderId, profile: string, model: string | null): string {
  return `${provider}/${profile}/${model ?? '*'}`;
}

/** `<home>/quotas.json`: quotas learned from the providers' refusals. */
export const LearnedQuotasSchema = z.object({
  version: z.literal(1),
  quotas: z.record(z.string(), QuotaSchema.extend({ learnedAt: z.string() })),
});
export type LearnedQuotas = z.infer<typeof LearnedQuotasSchema>;
