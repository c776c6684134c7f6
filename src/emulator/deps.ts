import { PROVIDER_LIMITS } from '../core/limits';
import type { HostId } from '../core/hosts';
import type { Clock } from './clock';
import type { MarkerMemory } from './markers';
import type { EmulatorStats } from './stats';
import type { BatchWebhooks } from './webhooks';

/** What every provider module shares: the clock, the counters and the `[[fail-once]]` memory. */
export interface EmulatorDeps {
  clock: Clock;
  stats: EmulatorStats;
  markers: MarkerMemory;
  latencyMs: number;
  limits: EmulatorLimits;
  /** Set when the emulator sends batch-end webhooks (`webhook` option). */
  webhooks?: BatchWebhooks;
  /** The OpenAI-compatible host the OpenAI routes play (`as` option, openai/hostMode.ts); OpenAI itself when unset. */
  host?: HostId;
}

export interface EmulatorLimits {
  /** Largest request body accepted (413 beyond). */
  maxBodyBytes: number;
  /** Largest Message Batch create body: the real service refuses bigger ones with 413 `request_too_large`. */
  maxAnthropicCreateBytes: number;
  /** Largest OpenAI batch input file: the real service refuses a batch create over it with a 400 (200 MB). */
  maxOpenAiInputBytes: number;
  /** Stored files (uploads) beyond this count or byte total evict the oldest. */
  maxFiles: number;
  maxFileBytes: number;
  /** Stored batches per provider beyond this count evict the oldest. */
  maxBatches: number;
  /** Per provider, the bytes stored batches may hold (pinned inputs, requests, replies); beyond it the oldest go. */
  maxBatchBytes: number;
  /** OpenAI: input tokens of the batches in flight per model; a batch beyond fails with token_limit_exceeded. None by default. */
  enqueuedTokenLimit?: number;
  /** OpenAI: batch creations per rolling hour; the one beyond gets a 429. None by default. */
  batchesPerHour?: number;
}

export const DEFAULT_LIMITS: EmulatorLimits = {
  maxBodyBytes: 320 * 1024 * 1024,
  maxAnthropicCreateBytes: PROVIDER_LIMITS.anthropic.maxBytes,
  maxOpenAiInputBytes: PROVIDER_LIMITS.openai.maxBytes,
  maxFiles: 2_000,
  maxFileBytes: 1024 * 1024 * 1024,
  maxBatches: 2_000,
  maxBatchBytes: 1024 * 1024 * 1024,
};

export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
