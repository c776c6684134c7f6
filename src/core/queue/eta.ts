import type { Job, JobPart } from '../jobs/job';
import { isTerminal } from '../status';

/**
 * The ETA of a job whose parts go through the local queue: the work not done yet (queued parts whole, parts in flight
 * by their unfinished lines) divided by the pace the job has kept since its first part was created.
 *
 * Work is counted in enqueued tokens (requests when a part has no token count): the queue admits parts by tokens, so
 * tokens through per second is the pace the waiting parts will get, with the quota, the provider's speed and how many
 * parts run at once all in the one observed figure. "Parts waiting x mean turnaround" would count parts that run side
 * by side one after another, and parts of unequal size (the last one) as equal.
 */
export function queueEtaSeconds(job: Job, now: number): number | undefined {
  if (isTerminal(job.status) || !job.parts.some((p) => p.queuedAt !== undefined)) return undefined;
  const byTokens = job.parts.every((p) => p.enqueuedTokens !== undefined);
  const work = (p: JobPart) => (byTokens ? p.enqueuedTokens! : p.requests);
  let done = 0;
  let left = 0;
  for (const p of job.parts) {
    const fraction = isTerminal(p.status) ? 1 : p.remoteId === null || p.counts.total === 0 ? 0 : Math.min(1, (p.counts.succeeded + p.counts.failed) / p.counts.total);
    done += work(p) * fraction;
    left += work(p) * (1 - fraction);
  }
  const starts = job.parts.map((p) => p.submittedAt).filter((t): t is string => t !== undefined).map(Date.parse);
  const elapsed = starts.length ? (now - Math.min(...starts)) / 1000 : 0;
  // Nothing finished yet: no pace to go by.
  if (done <= 0 || elapsed <= 0) return undefined;
  return left / (done / elapsed);
}
