import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enqueuedTokenCounter } from '../core/enqueuedTokens';
import { writeFileAtomic } from '../core/fsAtomic';
import type { Job, JobPart } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import { isBlankLine, readJsonlFile } from '../core/jsonl';
import { tryLock } from '../core/lockFile';
import { exceedsQuotaAlone, failedForQuota, isQueued, partsToSubmit, quotaUsage, requeued, QUOTA_ERROR_CODES } from '../core/queue/admission';
import { LearnedQuotasSchema, lowerAfterRateLimit, lowerAfterTokenRefusal, quotaKey, tighter, type LearnedQuotas, type Quota } from '../core/queue/quotas';
import { readPartLines, type PartPlan } from '../core/split';
import { isTerminal } from '../core/status';
import { toProviderError } from '../providers/retry';
import type { BatchProvider } from '../providers/types';
import { applyRemote, findUnrecordedPart, INTERRUPTED_GRACE_MS, withAggregate } from './refresh';
import { createMayHaveHappened } from './submit';

/**
 * The local queue's I/O: quotas learned from the providers' refusals (`<home>/quotas.json`), and the creation of
 * queued parts as room frees up. The decisions (what fits, backoff, what a refusal teaches) are in core/queue.
 */

function learnedPath(store: JobStore): string {
  return join(store.home, 'quotas.json');
}

/** The learned quotas; a missing or unreadable file is "nothing learned" (it is only ever a tightening). */
export async function readLearnedQuotas(store: JobStore): Promise<LearnedQuotas> {
  try {
    const parsed = LearnedQuotasSchema.safeParse(JSON.parse(await readFile(learnedPath(store), 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Missing or not JSON: start over.
  }
  return { version: 1, quotas: {} };
}

export async function learnedQuotaFor(store: JobStore, of: Pick<Job, 'provider' | 'profile' | 'model'>): Promise<Quota | undefined> {
  const entry = (await readLearnedQuotas(store)).quotas[quotaKey(of.provider, of.profile, of.model)];
  if (!entry) return undefined;
  const { learnedAt: _at, ...quota } = entry;
  return quota;
}

/** Lowers the learned quota (never raises it: two processes learning at once keep the stricter). Atomic write. */
export async function recordLearnedQuota(store: JobStore, of: Pick<Job, 'provider' | 'profile' | 'model'>, quota: Quota): Promise<void> {
  const all = await readLearnedQuotas(store);
  const key = quotaKey(of.provider, of.profile, of.model);
  const { learnedAt: _at, ...before } = all.quotas[key] ?? { learnedAt: '' };
  all.quotas[key] = { ...(tighter(before, quota) ?? quota), learnedAt: new Date().toISOString() };
  await writeFileAtomic(learnedPath(store), JSON.stringify(all, null, 2) + '\n');
}

/** The job's own quota tightened by what was learned for its provider account and model. */
export async function effectiveQuota(store: JobStore, job: Job): Promise<Quota | undefined> {
  return tighter(job.quota, await learnedQuotaFor(store, job));
}

/**
 * The byte range, upload size and enqueued tokens of a part, read from the input by its line range (for parts
 * planned without them: a job submitted before a quota was known).
 */
async function measurePart(job: Job, part: JobPart, signal?: AbortSignal): Promise<{ span: NonNullable<JobPart['span']>; tokens: number }> {
  const count = await enqueuedTokenCounter(job.provider);
  let startOffset: number | undefined;
  let endOffset = 0;
  let bytes = 0;
  let tokens = 0;
  for await (const l of readJsonlFile(job.inputPath, { signal })) {
    if (l.line < part.lineStart) continue;
    if (l.line > part.lineEnd) break;
    startOffset ??= l.offset;
    endOffset = l.offset + l.bytes + l.eol.length;
    if (isBlankLine(l.text)) continue;
    bytes += Buffer.byteLength(l.text) + 1;
    tokens += count(l.text);
  }
  return { span: { startOffset: startOffset ?? 0, endOffset, bytes }, tokens };
}

function planOf(part: JobPart, span: NonNullable<JobPart['span']>): PartPlan {
  return { index: part.index, lineStart: part.lineStart, lineEnd: part.lineEnd, requests: part.requests, bytes: span.bytes, startOffset: span.startOffset, endOffset: span.endOffset };
}

export async function sha256OfPart(inputPath: string, plan: PartPlan): Promise<string> {
  const hash = createHash('sha256');
  for await (const line of readPartLines(inputPath, plan)) hash.update(line + '\n');
  return hash.digest('hex');
}

/**
 * Parts whose batch the provider failed for quota (`token_limit_exceeded`) go back to the queue with backoff instead
 * of failing, so the job never looks ended meanwhile. refreshJob gets `apply` for the parts it is about to store and
 * calls `learn` after: the learned quota is lowered below what was in flight with the refused parts.
 */
export async function planRequeue(store: JobStore, job: Job, polled: readonly JobPart[], signal?: AbortSignal): Promise<{ apply: (parts: JobPart[]) => JobPart[]; learn: (stored: Job) => Promise<void>; supersededInputs: string[] } | undefined> {
  const refused = polled.filter(failedForQuota);
  if (!refused.length) return undefined;
  const latest = new Map(job.parts.map((p) => [p.index, p]));
  for (const p of polled) latest.set(p.index, p);
  // Tokens of the parts that still hold quota or go back to it (a job planned without a quota has none yet).
  const measured = new Map<number, Awaited<ReturnType<typeof measurePart>>>();
  for (const p of latest.values()) {
    if (p.enqueuedTokens !== undefined && p.span) continue;
    if (isTerminal(p.status) && !failedForQuota(p)) continue;
    measured.set(p.index, await measurePart(job, p, signal));
  }
  const now = Date.now();
  const apply = (parts: JobPart[]): JobPart[] =>
    parts.map((p) => {
      const m = measured.get(p.index);
      const withTokens: JobPart = m ? { ...p, enqueuedTokens: p.enqueuedTokens ?? m.tokens, span: p.span ?? m.span } : p;
      return failedForQuota(withTokens) ? requeued(withTokens, now) : withTokens;
    });
  const learn = async (stored: Job): Promise<void> => {
    const refusedNow = stored.parts.filter((p) => refused.some((r) => r.index === p.index));
    const largest = Math.max(...refusedNow.map((p) => p.enqueuedTokens ?? 0));
    // The tokens in flight when a refused batch was created (recorded then); for parts created without a quota, what
    // holds quota now plus the refused part, the best estimate there is.
    const recorded = refused.map((p) => p.tokensInFlightAtCreate).filter((n): n is number => n !== undefined && n > 0);
    const { jobs } = await store.list();
    const observed = recorded.length ? Math.min(...recorded) : quotaUsage([...jobs.filter((j) => j.id !== stored.id), stored], stored, Date.now()).tokensInFlight + largest;
    await recordLearnedQuota(store, stored, lowerAfterTokenRefusal(await effectiveQuota(store, stored), observed, largest));
  };
  // The refused batches' input files: the next create uploads the lines again, so these copies only take up room.
  const supersededInputs = refused.map((p) => p.inputFileId).filter((id): id is string => id !== undefined);
  return { apply, learn, supersededInputs };
}

export interface PumpOptions {
  signal?: AbortSignal;
  onProgress?: (msg: string) => void;
}

/**
 * Creates the job's queued parts that fit now, under the input's submit lock so two processes (a CLI watch, VS Code,
 * a pipeline) never create the same part. Another process holding the lock is submitting: it does the work.
 */
export async function pumpQueue(store: JobStore, job: Job, provider: BatchProvider, opts: PumpOptions = {}): Promise<Job> {
  if (!job.parts.some(isQueued)) return job;
  const lock = await tryLock(store.submitLockPath(job.inputSha256), `queue of ${job.id}`);
  if ('heldBy' in lock) return job;
  try {
    return await pumpQueueLocked(store, job.id, provider, opts);
  } finally {
    await lock.release();
  }
}

/** pumpQueue for a caller that already holds the input's submit lock (submitJob). One part at a time, re-deciding after each. */
export async function pumpQueueLocked(store: JobStore, jobId: string, provider: BatchProvider, opts: PumpOptions = {}): Promise<Job> {
  for (;;) {
    opts.signal?.throwIfAborted();
    const job = await store.get(jobId);
    if (!job) throw new Error(`job ${jobId} is not in the store any more`);
    if (!job.parts.some(isQueued)) return job;
    const quota = await effectiveQuota(store, job);
    const head = job.parts.filter(isQueued).sort((a, b) => a.index - b.index)[0]!;
    if (exceedsQuotaAlone(head, quota)) {
      await failPart(store, job, head, 'over_quota', `This part holds ${head.enqueuedTokens} enqueued tokens, more than the quota of ${quota!.enqueuedTokens} for ${job.model ?? 'this model'}: it can never be created. Submit the lines again with a smaller --max-enqueued-tokens so they are split into smaller parts.`);
      continue;
    }
    // A create sent by a process that was killed: its batch may exist. Looked up (by the job id and part in its
    // metadata) before anything is created again; too recent to be listed yet, it is looked up on a later pump.
    const unsure = job.parts.find((p) => isQueued(p) && p.createStartedAt !== undefined);
    if (unsure) {
      const found = await findUnrecordedPart(provider, job.id, unsure.index, opts.signal);
      if (found && !unsure.supersededRemoteIds?.includes(found.id)) {
        await store.update(job.id, (j) => withAggregate(j, j.parts.map((p) => (p.index === unsure.index ? { ...applyRemote({ ...p, errors: [] }, found), submittedAt: p.createStartedAt ?? new Date().toISOString() } : p))));
        continue;
      }
      if (Date.now() - Date.parse(unsure.createStartedAt!) < INTERRUPTED_GRACE_MS) return job;
      // Never created: an ordinary queued part again.
      await store.update(job.id, (j) => ({ ...j, parts: j.parts.map((p) => (p.index === unsure.index ? withoutCreateStart(p) : p)) }));
      continue;
    }
    const now = Date.now();
    const usage = quotaUsage((await store.list()).jobs, job, now);
    const [next] = partsToSubmit(job.parts, usage, quota, now);
    if (!next) return job;
    const outcome = await createQueuedPart(store, job, next, provider, { quota, tokensInFlight: usage.tokensInFlight }, opts);
    if (outcome === 'stop') return (await store.get(jobId)) ?? job;
  }
}

function withoutCreateStart(part: JobPart): JobPart {
  const { createStartedAt: _c, tokensInFlightAtCreate: _t, ...rest } = part;
  return rest;
}

async function failPart(store: JobStore, job: Job, part: JobPart, code: string, message: string): Promise<void> {
  await store.update(job.id, (j) => withAggregate(j, j.parts.map((p) => (p.index === part.index ? { ...p, status: 'failed', counts: { ...p.counts, processing: 0 }, errors: [{ code, message }] } : p))));
}

/** One create. 'stop' when the queue should wait (refused for quota, or unsure whether the create went through). */
async function createQueuedPart(store: JobStore, job: Job, part: JobPart, provider: BatchProvider, room: { quota: Quota | undefined; tokensInFlight: number }, opts: PumpOptions): Promise<'next' | 'stop'> {
  const { signal } = opts;
  const { quota } = room;
  const measured = part.span ? undefined : await measurePart(job, part, signal);
  const span = part.span ?? measured!.span;
  const plan = planOf(part, span);
  const sha = await sha256OfPart(job.inputPath, plan);
  if (span.sha256 && span.sha256 !== sha) {
    await failPart(store, job, part, 'input_changed', `Lines ${part.lineStart}-${part.lineEnd} of ${job.inputPath} changed after the job was submitted, so this queued part was not sent. Submit the file again.`);
    return 'next';
  }
  const total = job.parts.length;
  opts.onProgress?.(total > 1 ? `Uploading part ${part.index + 1} of ${total}` : 'Uploading');
  let sending = false;
  try {
    const remote = await provider.create(
      {
        beforeCreate: async () => {
          await store.update(job.id, (j) => {
            const current = j.parts.find((p) => p.index === part.index);
            // Cancelled (or created by another route) while it was uploading: the create must not go out.
            if (!current || !isQueued(current)) throw new Error(`part ${part.index + 1} of ${job.id} is no longer queued`);
            const tokensInFlightAtCreate = room.tokensInFlight + (part.enqueuedTokens ?? 0);
            return { ...j, parts: j.parts.map((p) => (p.index === part.index ? { ...p, createStartedAt: new Date().toISOString(), tokensInFlightAtCreate } : p)) };
          });
          sending = true;
        },
        jobId: job.id,
        partIndex: part.index,
        sha256: sha,
        endpoint: job.endpoint,
        model: job.model,
        lines: readPartLines(job.inputPath, plan),
        bytes: span.bytes,
        displayName: total > 1 ? `${job.name} (part ${part.index + 1}/${total})` : job.name,
      },
      signal,
    );
    const submittedAt = new Date().toISOString();
    await store.update(job.id, (j) =>
      withAggregate(
        j,
        j.parts.map((p) => {
          if (p.index !== part.index) return p;
          const { notBefore: _n, ...rest } = p;
          return { ...applyRemote({ ...rest, errors: [] }, remote), submittedAt, ...(measured ? { span, enqueuedTokens: p.enqueuedTokens ?? measured.tokens } : {}) };
        }),
      ),
    );
    return 'next';
  } catch (err) {
    // Ctrl+C: a create that went out keeps `createStartedAt`, so the next pump or refresh looks its batch up.
    if (signal?.aborted) throw err;
    const e = toProviderError(err);
    if (e.status === 429 || QUOTA_ERROR_CODES.has(e.code ?? '')) {
      const now = Date.now();
      const usage = quotaUsage((await store.list()).jobs, job, now);
      await store.update(job.id, (j) => withAggregate(j, j.parts.map((p) => (p.index === part.index ? requeued(p, now, e.code !== 'token_limit_exceeded') : p))));
      const lesson = e.code === 'token_limit_exceeded' ? lowerAfterTokenRefusal(quota, room.tokensInFlight + (part.enqueuedTokens ?? 0), part.enqueuedTokens ?? 0) : lowerAfterRateLimit(quota, usage.createdInLastHour - (sending ? 1 : 0));
      await recordLearnedQuota(store, job, lesson);
      return 'stop';
    }
    if (sending && createMayHaveHappened(err)) return 'stop';
    const current = await store.get(job.id);
    const p = current?.parts.find((x) => x.index === part.index);
    if (p && isQueued(p)) await failPart(store, job, part, e.code ?? 'submit_failed', e.message);
    return 'next';
  }
}
