import { isTerminal, type RequestCounts } from '../status';
import type { Job, JobPart } from './job';

/**
 * A part's counts that add up: succeeded + failed + expired + canceled + processing = total. A part that has not
 * reported counts yet counts its requests; lines a running part has not finished are processing, and lines an ended
 * part never answered (a batch that failed validation, a part that was never sent) are failed, expired or canceled
 * as the part ended: they are what a retry sends again.
 */
export function partCounts(part: JobPart): RequestCounts {
  const c = part.counts;
  const total = c.total || part.requests;
  const finished = c.succeeded + c.failed + c.expired + c.canceled;
  const out: RequestCounts = { total, succeeded: c.succeeded, failed: c.failed, processing: 0, expired: c.expired, canceled: c.canceled };
  const rest = Math.max(0, total - finished);
  if (!isTerminal(part.status)) out.processing = rest;
  else if (part.status === 'expired') out.expired += rest;
  else if (part.status === 'cancelled') out.canceled += rest;
  else out.failed += rest;
  return out;
}

/** Sum of the parts' counts (each as `partCounts`). */
export function sumPartCounts(parts: readonly JobPart[]): RequestCounts {
  const sum: RequestCounts = { total: 0, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 };
  for (const p of parts) {
    const c = partCounts(p);
    sum.total += c.total;
    sum.succeeded += c.succeeded;
    sum.failed += c.failed;
    sum.processing += c.processing;
    sum.expired += c.expired;
    sum.canceled += c.canceled;
  }
  return sum;
}

/** A job's counts; before any part exists, `total` is the job's request count. */
export function jobCounts(job: Job): RequestCounts {
  const sum = sumPartCounts(job.parts);
  if (sum.total === 0) sum.total = job.requests;
  return sum;
}

/** Lines that ended without a success (errored, expired, canceled): what "Resubmit Failed" sends again. */
export function failedLines(counts: RequestCounts): number {
  return counts.failed + counts.expired + counts.canceled;
}
