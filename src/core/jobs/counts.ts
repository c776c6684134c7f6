import type { RequestCounts } from '../status';
import type { Job, JobPart } from './job';

/** Sum of the parts' counts; a part that has not reported counts yet still counts its requests in `total`. */
export function sumPartCounts(parts: readonly JobPart[]): RequestCounts {
  const sum: RequestCounts = { total: 0, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 };
  for (const p of parts) {
    sum.total += p.counts.total || p.requests;
    sum.succeeded += p.counts.succeeded;
    sum.failed += p.counts.failed;
    sum.processing += p.counts.processing;
    sum.expired += p.counts.expired;
    sum.canceled += p.counts.canceled;
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
