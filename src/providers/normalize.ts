import type { JobStatus, RequestCounts } from '../core/status';

/**
 * Provider states -> Batchwise statuses, and provider counts -> RequestCounts. Pure functions so the mapping is
 * unit-tested without a server. Anything a provider adds later becomes `unknown` (with the raw value kept by the
 * caller), never `in_progress`: an unrecognized terminal state must not look like a batch still running.
 */

const OPENAI_STATUSES: Record<string, JobStatus> = {
  validating: 'validating',
  in_progress: 'in_progress',
  finalizing: 'finalizing',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
};

export function normalizeOpenAIStatus(raw: string | null | undefined): JobStatus {
  return (raw && Object.hasOwn(OPENAI_STATUSES, raw) ? OPENAI_STATUSES[raw] : undefined) ?? 'unknown';
}

export function emptyCounts(total = 0): RequestCounts {
  return { total, succeeded: 0, failed: 0, processing: total, expired: 0, canceled: 0 };
}

/**
 * OpenAI `request_counts {total, completed, failed}`: lines neither completed nor failed are still processing
 * while the batch runs; once it ended `expired` / `cancelled` they are the expired / canceled lines (their
 * `batch_expired` / `batch_cancelled` lines are in the error file but not in `failed`).
 */
export function openAICounts(rc: { total?: number; completed?: number; failed?: number } | null | undefined, status: JobStatus): RequestCounts {
  const total = rc?.total ?? 0;
  const succeeded = rc?.completed ?? 0;
  const failed = rc?.failed ?? 0;
  const rest = Math.max(0, total - succeeded - failed);
  const counts: RequestCounts = { total, succeeded, failed, processing: 0, expired: 0, canceled: 0 };
  if (status === 'expired') counts.expired = rest;
  else if (status === 'cancelled') counts.canceled = rest;
  else if (status !== 'completed' && status !== 'failed') counts.processing = rest;
  return counts;
}

export interface AnthropicCountsRaw {
  processing?: number;
  succeeded?: number;
  errored?: number;
  canceled?: number;
  expired?: number;
}

export function anthropicCounts(rc: AnthropicCountsRaw | null | undefined): RequestCounts {
  const c = { processing: rc?.processing ?? 0, succeeded: rc?.succeeded ?? 0, errored: rc?.errored ?? 0, canceled: rc?.canceled ?? 0, expired: rc?.expired ?? 0 };
  return {
    total: c.processing + c.succeeded + c.errored + c.canceled + c.expired,
    succeeded: c.succeeded,
    failed: c.errored,
    processing: c.processing,
    expired: c.expired,
    canceled: c.canceled,
  };
}

/**
 * Anthropic has one terminal state, `ended`; what it means comes from the counts, decided as follows so the
 * three providers read alike in the tracker:
 * - any `canceled` request                  -> `cancelled` (the user cancelled; finished lines keep their results,
 *   as an OpenAI cancelled batch keeps its partial output);
 * - else any `expired` request              -> `expired` (the 24 h window ran out; OpenAI reports such a batch as
 *   `expired` too, with the other lines' results kept);
 * - else                                    -> `completed`, even when every line errored: the job layer
 *   (aggregateJobStatus) turns a completed job with no succeeded line into `failed`.
 * `in_progress` and `canceling` map directly; anything else is `unknown`.
 */
export function normalizeAnthropicStatus(raw: string | null | undefined, rc: AnthropicCountsRaw | null | undefined): JobStatus {
  switch (raw) {
    case 'in_progress':
      return 'in_progress';
    case 'canceling':
      return 'cancelling';
    case 'ended': {
      if ((rc?.canceled ?? 0) > 0) return 'cancelled';
      if ((rc?.expired ?? 0) > 0) return 'expired';
      return 'completed';
    }
    default:
      return 'unknown';
  }
}

/**
 * Gemini JOB_STATE_* (the SDK maps the Developer API's BATCH_STATE_* onto these). PARTIALLY_SUCCEEDED (Vertex) is a
 * finished batch with some failed lines: `completed`, the failed lines show in the counts and results. PAUSED and
 * UPDATING are resumable non-terminal states, shown as in progress because work is still pending on the service.
 */
export function normalizeGeminiState(state: string | null | undefined): JobStatus {
  switch (state) {
    case 'JOB_STATE_QUEUED':
    case 'JOB_STATE_PENDING':
      return 'validating';
    case 'JOB_STATE_RUNNING':
    case 'JOB_STATE_UPDATING':
    case 'JOB_STATE_PAUSED':
      return 'in_progress';
    case 'JOB_STATE_SUCCEEDED':
    case 'JOB_STATE_PARTIALLY_SUCCEEDED':
      return 'completed';
    case 'JOB_STATE_FAILED':
      return 'failed';
    case 'JOB_STATE_CANCELLING':
      return 'cancelling';
    case 'JOB_STATE_CANCELLED':
      return 'cancelled';
    case 'JOB_STATE_EXPIRED':
      return 'expired';
    default:
      return 'unknown';
  }
}
