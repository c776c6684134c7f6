import type { Job, JobPart } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import { isTerminal } from '../core/status';
import type { BatchProvider } from '../providers/types';
import { applyRemote, findUnrecordedPart, withAggregate } from './refresh';
import { isQueued } from '../core/queue/admission';

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
    let remoteId = part.remoteId;
    // Waiting in the local queue, no create sent: it is never sent (the queue re-reads the part before each create).
    if (isQueued(part) && !part.createStartedAt) {
      updates.set(part.index, { ...part, status: 'cancelled', counts: { ...part.counts, processing: 0, canceled: part.requests } });
      continue;
    }
    if (!remoteId) {
      // Its submit may have been interrupted after the create went through: cancel that batch, not just the record.
      let found;
      try {
        found = await findUnrecordedPart(provider, job.id, part.index, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        firstError ??= err;
        continue;
      }
      if (!found) {
        updates.set(part.index, { ...part, status: 'cancelled', counts: { ...part.counts, processing: 0, canceled: part.requests } });
        continue;
      }
      remoteId = found.id;
      if (isTerminal(found.status)) {
        updates.set(part.index, applyRemote({ ...part, errors: [] }, found));
        continue;
      }
    }
    try {
      updates.set(part.index, applyRemote({ ...part, ...(part.remoteId ? {} : { errors: [] }) }, await provider.cancel(remoteId, signal)));
    } catch (err) {
      if (signal?.aborted) throw err;
      try {
        const remote = await provider.retrieve(remoteId, signal);
        updates.set(part.index, applyRemote(part, remote));
        if (!isTerminal(remote.status) && remote.status !== 'cancelling') firstError ??= err;
      } catch {
        firstError ??= err;
      }
    }
  }
  // A queued part another process created meanwhile keeps its batch id (a second cancel stops that batch).
  const keep = (p: JobPart, u: JobPart | undefined) => !u || (u.remoteId === null && p.remoteId !== null);
  const updated = updates.size ? await store.update(job.id, (current) => withAggregate(current, current.parts.map((p) => (keep(p, updates.get(p.index)) ? p : updates.get(p.index)!)))) : job;
  if (firstError) throw firstError;
  return updated;
}
