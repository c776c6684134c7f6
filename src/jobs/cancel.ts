import type { Job, JobPart } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import { isTerminal } from '../core/status';
import type { BatchProvider } from '../providers/types';
import { applyRemote, withAggregate } from './refresh';

/**
 * Cancels every part still running. A part whose batch ended meanwhile (the provider refuses the cancel) is
 * refreshed instead, so its real final state is kept; a part never created is marked cancelled. Finished lines keep
 * their results on every provider. The first provider error is thrown after the store has what did succeed.
 */
export async function cancelJob(store: JobStore, job: Job, provider: BatchProvider, signal?: AbortSignal): Promise<Job> {
  const updates = new Map<number, JobPart>();
  let firstError: unknown;
  for (const part of job.parts) {
    if (isTerminal(part.status)) continue;
    if (!part.remoteId) {
      updates.set(part.index, { ...part, status: 'cancelled', counts: { ...part.counts, processing: 0, canceled: part.requests } });
      continue;
    }
    try {
      updates.set(part.index, applyRemote(part, await provider.cancel(part.remoteId, signal)));
    } catch (err) {
      if (signal?.aborted) throw err;
      try {
        const remote = await provider.retrieve(part.remoteId, signal);
        updates.set(part.index, applyRemote(part, remote));
        if (!isTerminal(remote.status) && remote.status !== 'cancelling') firstError ??= err;
      } catch {
        firstError ??= err;
      }
    }
  }
  const updated = updates.size ? await store.update(job.id, (current) => withAggregate(current, current.parts.map((p) => updates.get(p.index) ?? p))) : job;
  if (firstError) throw firstError;
  return updated;
}
