import type { Job, JobPart } from '../jobs/job';
import { isTerminal } from '../status';
import type { Quota } from './quotas';

const HOUR_MS = 3_600_000;

/** A part waiting in the local queue: planned, not created, not ended. */
export function isQueued(part: JobPart): boolean {
  return part.queuedAt !== undefined && part.remoteId === null && !isTerminal(part.status);
}

/** What is using the quota of one provider account and model right now. */
export interface QuotaUsage {
  tokensInFlight: number;
  batchesInFlight: number;
  /** Creates started in the last hour (including ones whose batch later ended). */
  createdInLastHour: number;
}

/** Jobs that draw on the same quota: same provider, profile (account) and model. */
export function sharesQuota(a: Pick<Job, 'provider' | 'profile' | 'model'>, b: Pick<Job, 'provider' | 'profile' | 'model'>): boolean {
  return a.provider === b.provider && a.profile === b.profile && a.model === b.model;
}

/** A part that holds quota: its batch is in flight, or its create went out and its id is not known yet. */
function holdsQuota(part: JobPart): boolean {
  if (isTerminal(part.status)) return false;
  return part.remoteId !== null || part.createStartedAt !== undefined;
}

/**
 * Usage across every job in the store that shares the quota. A part planned without a token count (a job
 * submitted without a quota) counts 0 tokens: the provider's refusal then teaches the real room.
 */
export function quotaUsage(jobs: readonly Job[], of: Pick<Job, 'provider' | 'profile' | 'model'>, now: number): QuotaUsage {
  const usage: QuotaUsage = { tokensInFlight: 0, batchesInFlight: 0, createdInLastHour: 0 };
  for (const job of jobs) {
    if (!sharesQuota(job, of)) continue;
    for (const part of job.parts) {
      if (holdsQuota(part)) {
        usage.tokensInFlight += part.enqueuedTokens ?? 0;
        usage.batchesInFlight++;
      }
      const started = part.createStartedAt ?? part.submittedAt;
      if (started && now - Date.parse(started) < HOUR_MS) usage.createdInLastHour++;
    }
  }
  return usage;
}

/**
 * The queued parts to create now, in part order: each one fits next to what is in flight (tokens, batches, creates
 * in the last hour) and is past its backoff. The queue keeps order: a part that does not fit stops the parts behind
 * it, so a large part is not starved by smaller ones behind it.
 */
export function partsToSubmit(parts: readonly JobPart[], usage: QuotaUsage, quota: Quota | undefined, now: number): JobPart[] {
  const chosen: JobPart[] = [];
  let { tokensInFlight, batchesInFlight, createdInLastHour } = usage;
  for (const part of [...parts].filter(isQueued).sort((a, b) => a.index - b.index)) {
    if (part.notBefore && Date.parse(part.notBefore) > now) break;
    const tokens = part.enqueuedTokens ?? 0;
    if (quota?.enqueuedTokens !== undefined && tokensInFlight + tokens > quota.enqueuedTokens) break;
    if (quota?.maxBatchesInFlight !== undefined && batchesInFlight + 1 > quota.maxBatchesInFlight) break;
    if (quota?.batchesPerHour !== undefined && createdInLastHour + 1 > quota.batchesPerHour) break;
    chosen.push(part);
    tokensInFlight += tokens;
    batchesInFlight++;
    createdInLastHour++;
  }
  return chosen;
}

/** A part can never be created under this quota: it alone holds more tokens than the quota allows. */
export function exceedsQuotaAlone(part: JobPart, quota: Quota | undefined): boolean {
  return quota?.enqueuedTokens !== undefined && (part.enqueuedTokens ?? 0) > quota.enqueuedTokens;
}

/** Wait before a refused part is tried again: 1 min, doubling per refusal, at most 30 min. */
export function requeueDelayMs(requeues: number): number {
  return Math.min(30 * 60_000, 60_000 * 2 ** Math.max(0, requeues - 1));
}

/** Provider error codes that mean "no room now, try later", not "this batch is wrong". */
export const QUOTA_ERROR_CODES: ReadonlySet<string> = new Set(['token_limit_exceeded', 'rate_limit_exceeded']);

/**
 * A part back in the queue after the provider refused it for quota: its old batch (if any) is kept aside. A creation
 * rate limit (`backoff`) makes it wait before the next try; a token refusal needs no timer, since the lowered quota
 * holds it back until parts in flight end.
 */
export function requeued(part: JobPart, now: number, backoff = false): JobPart {
  const requeues = (part.requeues ?? 0) + 1;
  const { createStartedAt: _c, submittedAt: _s, endedAt: _e, inputFileId: _i, outputFileId: _o, errorFileId: _r, rawStatus: _raw, lastPolledAt: _l, notBefore: _n, tokensInFlightAtCreate: _t, ...rest } = part;
  return {
    ...rest,
    remoteId: null,
    status: 'validating',
    counts: { total: part.requests, succeeded: 0, failed: 0, processing: part.requests, expired: 0, canceled: 0 },
    errors: [],
    queuedAt: part.queuedAt ?? new Date(now).toISOString(),
    ...(backoff ? { notBefore: new Date(now + requeueDelayMs(requeues)).toISOString() } : {}),
    requeues,
    ...(part.remoteId ? { supersededRemoteIds: [...(part.supersededRemoteIds ?? []), part.remoteId] } : {}),
  };
}

/** Refusals after which a part stays failed: a part the provider never admits (it alone is over the real limit) must end. */
export const MAX_QUOTA_REFUSALS = 8;

/**
 * A part whose batch the provider failed for quota (OpenAI: the batch is created, then fails `token_limit_exceeded`)
 * and that may go back to the queue.
 */
export function failedForQuota(part: JobPart): boolean {
  return part.status === 'failed' && part.remoteId !== null && (part.requeues ?? 0) < MAX_QUOTA_REFUSALS && part.errors.some((e) => QUOTA_ERROR_CODES.has(e.code));
}
