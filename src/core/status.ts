import { z } from 'zod';

/** Provider ids. `local` is the self-hosted runner (vLLM, Ollama, any OpenAI-compatible server). */
export const ProviderIdSchema = z.enum(['openai', 'anthropic', 'gemini', 'local']);
export type ProviderId = z.infer<typeof ProviderIdSchema>;

/** Normalized job / batch statuses, the same in the tree, the CLI and the store. */
export const JobStatusSchema = z.enum([
  'validating',
  'in_progress',
  'finalizing',
  'completed',
  'failed',
  'expired',
  'cancelling',
  'cancelled',
  'unknown',
]);
export type JobStatus = z.infer<typeof JobStatusSchema>;

const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Unknown is not terminal: a state a provider adds later keeps being polled, but is never shown as in progress. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

/** Per-line outcomes once results are joined to inputs. */
export const LineOutcomeSchema = z.enum(['succeeded', 'errored', 'expired', 'canceled', 'missing']);
export type LineOutcome = z.infer<typeof LineOutcomeSchema>;

export const RequestCountsSchema = z.object({
  total: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Lines not finished yet (Anthropic `processing`, OpenAI total - completed - failed). */
  processing: z.number().int().nonnegative().default(0),
  expired: z.number().int().nonnegative().default(0),
  canceled: z.number().int().nonnegative().default(0),
});
export type RequestCounts = z.infer<typeof RequestCountsSchema>;

export const TokenUsageSchema = z.object({
  inputTokens: z.number().nonnegative(),
  outputTokens: z.number().nonnegative(),
  cachedTokens: z.number().nonnegative().optional(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** Live pace of a self-hosted run (hosted batch APIs do not report one). */
export const ThroughputSchema = z.object({
  requestsPerSec: z.number().nonnegative(),
  tokensPerSec: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().optional(),
});
export type Throughput = z.infer<typeof ThroughputSchema>;
