import { isTerminal } from '../status';
import type { ProviderProfile, RemoteBatch } from '../../providers/types';
import type { Job } from './job';

/**
 * Remote batches created elsewhere (the provider console, another machine, a script) become tracked jobs.
 * There is no local input file: the job records what the provider says and nothing it cannot know.
 */

/** Batches of `profile` not already tracked by any job part (an already-imported batch is not offered twice). */
export function untrackedBatches(batches: readonly RemoteBatch[], jobs: readonly Job[], profile: ProviderProfile): RemoteBatch[] {
  const tracked = new Set<string>();
  for (const j of jobs) {
    if (j.provider !== profile.provider) continue;
    for (const p of j.parts) if (p.remoteId) tracked.add(p.remoteId);
  }
  return batches.filter((b) => !tracked.has(b.id));
}

/** The name a user would recognize: the display name they gave, else the remote id. */
export function remoteBatchName(batch: RemoteBatch): string {
  const m = batch.metadata ?? {};
  return m['displayName'] || m['display_name'] || m['name'] || batch.id;
}

/** One QuickPick line: label, description (status, counts, age) and detail (model, endpoint). */
export function importPickItem(batch: RemoteBatch): { label: string; description: string; detail: string } {
  const c = batch.counts;
  const created = batch.createdAt ? `created ${batch.createdAt.slice(0, 16).replace('T', ' ')}` : '';
  return {
    label: remoteBatchName(batch),
    description: [batch.rawStatus || batch.status, `${c.succeeded}/${c.total}`, created].filter(Boolean).join(' · '),
    detail: [batch.id, batch.model, batch.endpoint].filter(Boolean).join(' · '),
  };
}

export function remoteBatchToJob(batch: RemoteBatch, opts: { id: string; profile: ProviderProfile; now: Date }): Job {
  const now = opts.now.toISOString();
  const total = batch.counts.total;
  const terminal = isTerminal(batch.status);
  return {
    version: 1,
    id: opts.id,
    name: remoteBatchName(batch),
    provider: opts.profile.provider,
    profile: opts.profile.name,
    ...(opts.profile.baseUrl ? { baseUrl: opts.profile.baseUrl } : {}),
    endpoint: batch.endpoint ?? null,
    model: batch.model ?? null,
    // Imported: the input lives at the provider (or nowhere); commands that need it say so.
    inputPath: '',
    inputSha256: '',
    inputLines: total,
    requests: total,
    parts: [
      {
        index: 0,
        remoteId: batch.id,
        status: batch.status,
        rawStatus: batch.rawStatus,
        lineStart: 1,
        lineEnd: Math.max(1, total),
        requests: total,
        counts: batch.counts,
        ...(batch.inputFileId ? { inputFileId: batch.inputFileId } : {}),
        ...(batch.outputFileId ? { outputFileId: batch.outputFileId } : {}),
        ...(batch.errorFileId ? { errorFileId: batch.errorFileId } : {}),
        errors: batch.errors,
        ...(batch.createdAt ? { submittedAt: batch.createdAt } : {}),
        ...(batch.endedAt ? { endedAt: batch.endedAt } : {}),
        lastPolledAt: now,
        ...(batch.usage ? { usage: batch.usage } : {}),
      },
    ],
    attempt: 1,
    status: batch.status,
    rawStatus: batch.rawStatus,
    createdAt: batch.createdAt ?? now,
    updatedAt: now,
    ...(terminal ? { finishedAt: batch.endedAt ?? now } : {}),
    ...(batch.usage ? { usage: batch.usage } : {}),
  };
}
