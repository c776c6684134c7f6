import { sumPartCounts } from '../core/jobs/counts';
import { isBlankLine, readJsonlFile } from '../core/jsonl';
import { NOT_SUBMITTED, type Job, type JobPart } from '../core/jobs/job';
import { liveHolder } from '../core/lockFile';
import { withOriginalLines } from './retryLines';
import type { JobStore } from '../core/jobs/store';
import { isTerminal, type JobStatus, type RequestCounts, type TokenUsage } from '../core/status';
import { ProviderError, type BatchProvider, type RemoteBatch } from '../providers/types';
import { isQueued } from '../core/queue/admission';
import { dropInputFiles } from './inputFiles';
import { planRequeue, pumpQueue } from './queue';

/**
 * A job's status and counts from its parts (one remote batch each):
 * - while any part runs: `cancelling` if one is cancelling, `unknown` if one reports a state we do not know,
 *   `validating` while nothing has started, `finalizing` when every running part is finalizing, else `in_progress`;
 * - once all parts ended: `failed` if a part failed, else `cancelled` if one was cancelled, else `expired` if one
 *   expired, else `completed` — except that a completed job whose lines all failed is `failed`.
 */
export function aggregateJobStatus(parts: readonly JobPart[]): { status: JobStatus; counts: RequestCounts; rawStatus?: string } {
  const counts = sumPartCounts(parts);
  if (parts.length === 0) return { status: 'completed', counts };
  const running = parts.filter((p) => !isTerminal(p.status));
  if (running.length > 0) {
    const unknown = running.find((p) => p.status === 'unknown');
    if (running.some((p) => p.status === 'cancelling')) return { status: 'cancelling', counts };
    if (unknown) return { status: 'unknown', counts, rawStatus: unknown.rawStatus };
    if (running.length === parts.length && running.every((p) => p.status === 'validating')) return { status: 'validating', counts };
    if (running.every((p) => p.status === 'finalizing')) return { status: 'finalizing', counts };
    return { status: 'in_progress', counts };
  }
  if (parts.some((p) => p.status === 'failed')) return { status: 'failed', counts };
  if (parts.some((p) => p.status === 'cancelled')) return { status: 'cancelled', counts };
  if (parts.some((p) => p.status === 'expired')) return { status: 'expired', counts };
  if (counts.total > 0 && counts.succeeded === 0) return { status: 'failed', counts };
  return { status: 'completed', counts };
}

/** Applies a remote batch to a part. Server-side validation errors get job input line numbers. */
export function applyRemote(part: JobPart, remote: RemoteBatch, lineMap?: (partLine: number) => number): JobPart {
  const counts = remote.counts.total > 0 || isTerminal(remote.status) ? remote.counts : { ...remote.counts, total: part.requests, processing: part.requests };
  const { throughput: _previous, ...rest } = part;
  return {
    ...rest,
    ...(remote.throughput && !isTerminal(remote.status) ? { throughput: remote.throughput } : {}),
    remoteId: remote.id,
    status: remote.status,
    rawStatus: remote.rawStatus,
    counts,
    ...(remote.inputFileId ? { inputFileId: remote.inputFileId } : {}),
    ...(remote.outputFileId ? { outputFileId: remote.outputFileId } : {}),
    ...(remote.errorFileId ? { errorFileId: remote.errorFileId } : {}),
    ...(remote.endedAt ? { endedAt: remote.endedAt } : {}),
    ...(remote.usage ? { usage: remote.usage } : {}),
    errors: remote.errors.length
      ? remote.errors.map((e) => ({ ...(e.line !== undefined ? { line: lineMap ? lineMap(e.line) : part.lineStart + e.line - 1 } : {}), code: e.code, message: e.message }))
      : part.errors,
    lastPolledAt: new Date().toISOString(),
  };
}

/**
 * Uploaded part line -> input line. Blank lines are not uploaded, so the n-th uploaded line is the n-th non-blank
 * line from the part's start; reading the part once gives the exact mapping (part.lineStart + n - 1 when the file
 * cannot be read any more).
 */
export async function partLineMapper(inputPath: string, part: JobPart, wanted: number[]): Promise<(n: number) => number> {
  const need = new Set(wanted);
  const found = new Map<number, number>();
  try {
    let n = 0;
    for await (const l of readJsonlFile(inputPath)) {
      if (l.line < part.lineStart) continue;
      if (l.line > part.lineEnd || found.size === need.size) break;
      if (isBlankLine(l.text)) continue;
      n++;
      if (need.has(n)) found.set(n, l.line);
    }
  } catch {
    // The input moved or changed: fall back to the offset formula.
  }
  return (n) => found.get(n) ?? part.lineStart + n - 1;
}

/** Job-level fields that follow from the parts. */
export function withAggregate(job: Job, parts: JobPart[]): Job {
  const { status, rawStatus } = aggregateJobStatus(parts);
  const usage = sumUsage(parts);
  const terminal = isTerminal(status);
  const endedAt = parts.map((p) => p.endedAt).filter((x): x is string => Boolean(x)).sort().at(-1);
  const next: Job = { ...job, parts, status, ...(usage ? { usage } : {}) };
  if (rawStatus) next.rawStatus = rawStatus;
  else delete next.rawStatus;
  if (terminal) next.finishedAt = job.finishedAt ?? endedAt ?? new Date().toISOString();
  return next;
}

function sumUsage(parts: JobPart[]): TokenUsage | undefined {
  const withUsage = parts.filter((p) => p.usage);
  if (!withUsage.length) return undefined;
  const u: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  for (const p of withUsage) {
    u.inputTokens += p.usage!.inputTokens;
    u.outputTokens += p.usage!.outputTokens;
    if (p.usage!.cachedTokens) u.cachedTokens = (u.cachedTokens ?? 0) + p.usage!.cachedTokens;
  }
  return u;
}

/** Adapters whose batches carry the job id and part (OpenAI metadata, Gemini display name) can be searched. */
interface FindsParts {
  findPart(jobId: string, partIndex: number, signal?: AbortSignal): Promise<RemoteBatch | undefined>;
}

function findsParts(provider: BatchProvider): provider is BatchProvider & FindsParts {
  return typeof (provider as Partial<FindsParts>).findPart === 'function';
}

/** The remote batch of a part whose id was never recorded, where the provider can search for it. */
export async function findUnrecordedPart(provider: BatchProvider, jobId: string, partIndex: number, signal?: AbortSignal): Promise<RemoteBatch | undefined> {
  return findsParts(provider) ? provider.findPart(jobId, partIndex, signal) : undefined;
}

/** How long a part may wait for its batch id before a submit counts as interrupted. */
export const SUBMIT_GRACE_MS = 30 * 60 * 1000;
/**
 * A part whose submit was interrupted (Ctrl+C) is not waiting for anything: once its batch can be searched for and
 * is not found after this long (time for the provider's list to show a create that was in flight), it never existed.
 */
export const INTERRUPTED_GRACE_MS = 2 * 60 * 1000;

/**
 * A part without a batch id: its submit is still running, or was killed between the create and the store write.
 * The batch is looked for by the job id it carries; found, the part gets its id (nothing is lost and nothing is
 * created twice). Not found long after the job was created, the part is marked failed so the job can end.
 */
async function recoverPart(job: Job, part: JobPart, provider: BatchProvider, now: number, submitGone: boolean, signal?: AbortSignal): Promise<JobPart | undefined> {
  const found = findsParts(provider) ? await provider.findPart(job.id, part.index, signal) : undefined;
  if (found) return applyRemote({ ...part, errors: part.errors.filter((e) => e.code !== 'submit_interrupted') }, found);
  // The submit records each part as it is created: a recent one means it may still be uploading the next.
  const lastSubmitActivity = Math.max(Date.parse(job.createdAt), ...job.parts.map((p) => (p.submittedAt ? Date.parse(p.submittedAt) : 0)));
  const interrupted = findsParts(provider) && (submitGone || part.errors.some((e) => e.code === 'submit_interrupted'));
  if (now - lastSubmitActivity < (interrupted ? INTERRUPTED_GRACE_MS : SUBMIT_GRACE_MS)) return undefined;
  const hint = findsParts(provider) ? 'no batch for it exists at the provider' : `check the provider's batch list for a batch created after ${new Date(lastSubmitActivity).toISOString()}`;
  return { ...part, status: 'failed', counts: { ...part.counts, processing: 0 }, errors: [{ code: 'submit_interrupted', message: `The submit stopped before this part's batch was recorded; ${hint}. Submit the input again.` }] };
}

/** A part whose submit ended before its create request: no batch exists for it and nothing of it is billed. */
export function unsentPart(part: JobPart): JobPart {
  return {
    ...part,
    status: 'failed',
    counts: { ...part.counts, processing: 0 },
    errors: [{ code: NOT_SUBMITTED, message: 'Not submitted: the submit stopped before this part was sent (nothing was created or billed). Submit the input again.' }],
  };
}

/** Waiting for a batch id that cannot come: no create was started for the part and its submit is not running. */
function neverCreated(part: JobPart): boolean {
  return part.remoteId === null && !part.createStartedAt && !isTerminal(part.status) && !isQueued(part);
}

async function submitRunning(store: JobStore, job: Job): Promise<boolean> {
  return (await liveHolder(store.submitLockPath(job.inputSha256)).catch(() => undefined)) !== undefined;
}

/** Marks the never-created parts of this input's jobs not submitted; call only while holding its submit lock. */
export async function settleUnsentParts(store: JobStore, inputSha256: string): Promise<void> {
  const { jobs } = await store.list();
  for (const job of jobs) {
    if (job.inputSha256 !== inputSha256 || !job.parts.some(neverCreated)) continue;
    await store.update(job.id, (j) => ({ ...withAggregate(j, j.parts.map((p) => (neverCreated(p) ? unsentPart(p) : p))), updatedAt: new Date().toISOString() }));
  }
}

/** Polls every non-terminal part (unknown included), writes the store, returns the updated job. */
/**
 * The provider no longer knows the batch (deleted, past its retention, another account's key, or a sandbox that
 * restarted): polling it forever would only fail, so the part ends as failed and says why.
 */
export function goneRemote(part: JobPart, provider: string, now: string): JobPart {
  return {
    ...part,
    status: 'failed',
    rawStatus: 'not_found',
    endedAt: part.endedAt ?? now,
    lastPolledAt: now,
    errors: [
      ...part.errors,
      {
        code: 'not_found',
        message: `${provider} has no batch ${part.remoteId} any more (404): it was deleted, passed the provider's retention, belongs to another account's API key, or lived in a sandbox that restarted. Results it had are gone; resubmit the lines if you need them.`,
      },
    ],
  };
}

export async function refreshJob(store: JobStore, job: Job, provider: BatchProvider, signal?: AbortSignal): Promise<Job> {
  const updates = new Map<number, JobPart>();
  let firstError: unknown;
  const now = Date.now();
  // Asked once, and only when a part has no batch id: is the submit that would give it one still running?
  let running: Promise<boolean> | undefined;
  for (const part of job.parts) {
    if (isTerminal(part.status)) continue;
    // Waiting in the local queue (or being created by it): pumpQueue below looks after it.
    if (isQueued(part)) continue;
    if (!part.remoteId) {
      const submitGone = !(await (running ??= submitRunning(store, job)));
      if (neverCreated(part) && submitGone) {
        updates.set(part.index, unsentPart(part));
        continue;
      }
      try {
        const recovered = await recoverPart(job, part, provider, now, submitGone, signal);
        if (recovered) updates.set(part.index, recovered);
      } catch (err) {
        if (signal?.aborted) throw err;
        firstError ??= err;
      }
      continue;
    }
    try {
      const remote = await provider.retrieve(part.remoteId, signal);
      const lines = remote.errors.map((e) => e.line).filter((n): n is number => n !== undefined);
      const map = lines.length ? await partLineMapper(job.inputPath, part, lines) : undefined;
      updates.set(part.index, applyRemote(part, remote, map));
    } catch (err) {
      if (signal?.aborted) throw err;
      if (err instanceof ProviderError && err.status === 404) {
        updates.set(part.index, goneRemote(part, provider.id, new Date(now).toISOString()));
        continue;
      }
      firstError ??= err;
    }
  }
  // A retry's errors also cite the original input's line (withOriginalLines does nothing for other jobs).
  for (const p of await withOriginalLines(store, job, [...updates.values()])) updates.set(p.index, p);
  // A part that got its id meanwhile (its submit is still running) keeps the submit's record.
  // Parts the provider refused for quota go back to the local queue in the same write: the job never looks ended.
  const requeue = await planRequeue(store, job, [...updates.values()], signal);
  const apply = (current: Job): Job => {
    const parts = current.parts.map((p) => (p.remoteId === null || p.remoteId === updates.get(p.index)?.remoteId ? (updates.get(p.index) ?? p) : p));
    const { finishedAt: _f, ...unfinished } = current;
    return requeue ? withAggregate(unfinished, requeue.apply(parts)) : withAggregate(current, parts);
  };
  const updated = updates.size ? await store.update(job.id, apply) : job;
  if (firstError && updates.size === 0) throw firstError;
  await requeue?.learn(updated);
  if (requeue) await dropInputFiles(provider, requeue.supersededInputs, signal);
  // Parts ending freed room: the queue creates what fits now.
  return pumpQueue(store, updated, provider, { signal });
}
