import { HttpError } from '../http';
import type { EmulatorDeps } from '../deps';
import { viewBatch, type OpenAiBatch, type OpenAiBatchStore } from './batches';
import { openaiReply } from './replies';
import type { BatchValidationError } from './validateInput';

/**
 * OpenAI's batch quotas, when the emulator is started with them (`--enqueued-token-limit N`, `--batches-per-hour N`):
 * - the input tokens of all batches in flight (validating, in progress, finalizing) per model: a batch that would go
 *   over is created, then fails with `token_limit_exceeded` (BatchError `{code, line: null, message, param: null}`,
 *   the message as the service words it: openai/openai-python#2084);
 * - batch creations per rolling hour of the emulator's clock: the create beyond is refused with a 429
 *   `rate_limit_exceeded` (PROVIDER-FACTS: "Batch creation: 2,000 batches per hour").
 */
const HOUR_MS = 3_600_000;
const IN_FLIGHT = new Set(['validating', 'in_progress', 'finalizing', 'cancelling']);

/** The input tokens a batch enqueues: the prompt tokens of its lines that will run (the emulator's own count). */
export function enqueuedTokensOf(batch: Pick<OpenAiBatch, 'endpoint' | 'input' | 'lines' | 'createdMs' | 'id'>): number {
  let n = 0;
  for (const l of batch.lines) {
    if (l.outcome === 'fail') continue;
    const parsed = JSON.parse(batch.input.toString('utf8', l.start, l.end)) as { body: Record<string, unknown> };
    n += openaiReply(batch.endpoint, parsed.body, batch.createdMs, `${batch.id}/${l.customId}`, l.shape).inputTokens;
  }
  return n;
}

export class OpenAiQuota {
  private readonly created: number[] = [];

  constructor(
    private readonly deps: EmulatorDeps,
    private readonly batches: OpenAiBatchStore,
  ) {}

  /** Refuses a create over the hourly creation limit (before anything is stored). */
  checkCreate(): void {
    const limit = this.deps.limits.batchesPerHour;
    if (limit === undefined) return;
    const now = this.deps.clock.now();
    while (this.created.length && this.created[0]! <= now - HOUR_MS) this.created.shift();
    if (this.created.length >= limit) {
      throw new HttpError(429, `Rate limit reached for batch creation: limit ${limit.toLocaleString('en-US')} batches per hour. Please try again later.`, { type: 'requests', code: 'rate_limit_exceeded' });
    }
    this.created.push(now);
  }

  /** The `token_limit_exceeded` error of a new batch over the enqueued-token limit of its model, if it is. */
  admit(batch: OpenAiBatch, tokens: number): BatchValidationError | undefined {
    const limit = this.deps.limits.enqueuedTokenLimit;
    if (limit === undefined || batch.errors.length) return undefined;
    const model = batch.model ?? 'unknown-model';
    let inFlight = 0;
    for (const b of this.batches.list()) {
      if (b.id === batch.id || (b.model ?? 'unknown-model') !== model || b.enqueuedTokens === undefined) continue;
      if (IN_FLIGHT.has(viewBatch(b, this.deps.clock).status)) inFlight += b.enqueuedTokens;
    }
    if (inFlight + tokens > limit) {
      return {
        code: 'token_limit_exceeded',
        line: null,
        message: `Enqueued token limit reached for ${model} in organization org-emulator. Limit: ${limit.toLocaleString('en-US')} enqueued tokens. Please try again once some in_progress batches have been completed.`,
        param: null,
      };
    }
    const peak = this.deps.stats.enqueuedTokensPeak;
    peak[model] = Math.max(peak[model] ?? 0, inFlight + tokens);
    return undefined;
  }
}
