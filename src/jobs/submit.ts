import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, resolve } from 'node:path';
import { countOf } from '../core/format';
import { NOT_SUBMITTED, type Estimate, type Job, type JobPart } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import { limitsFor } from '../core/limits';
import { RequestOverTokenBudget, planParts, readPartLines, type PartPlan, type SplitLimits } from '../core/split';
import { isTerminal } from '../core/status';
import { validateFile, type ValidationResult } from '../core/validate';
import { toProviderError } from '../providers/retry';
import { ProviderError, type BatchProvider } from '../providers/types';
import { applyRemote, settleUnsentParts, withAggregate } from './refresh';
import { describeOwner, tryLock, type LockOwner } from '../core/lockFile';
import { sidecarPathFor } from '../core/build/sidecar';
import { stat } from 'node:fs/promises';
import { partTokenBudget, quotaFromSettings, tighter, type Quota, type QuotaSettings } from '../core/queue/quotas';
import { enqueuedTokenCounter } from '../core/enqueuedTokens';
import { learnedQuotaFor, pumpQueueLocked, sha256OfPart } from './queue';

/** The input has errors: nothing was sent. `result` carries the diagnostics to show. */
export class SubmitRefused extends Error {
  constructor(readonly result: ValidationResult) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error' && !SPLIT_HANDLES.has(d.code));
    const first = errors[0];
    super(`${result.file} has ${countOf(errors.length, 'error')}${first ? `; first at line ${first.line}: ${first.message.replace(/\.$/, '')}` : ''}. Nothing was submitted.`);
    this.name = 'SubmitRefused';
  }
}

/** The same input (by SHA-256) is already a live job; submit again with `force` to send it anyway. */
export class DuplicateSubmission extends Error {
  constructor(readonly jobs: Job[]) {
    super(`this input is already being processed as ${jobs.map((j) => `${j.id} (${j.status})`).join(', ')}; use --force to submit it again`);
    this.name = 'DuplicateSubmission';
  }
}

/** Another process is submitting the same input right now: sending it too would create a second, billable job. */
export class SubmitInProgress extends Error {
  constructor(readonly owner: LockOwner) {
    super(`this input is being submitted right now by ${describeOwner(owner)}; wait for it to finish (batchwise list), then use --force if you really want a second job`);
    this.name = 'SubmitInProgress';
  }
}

/**
 * Ctrl+C (or a cancelled progress notification) while a part's batch was being created: the provider may have
 * created it. The job stays in the store with that part pending and marked `submit_interrupted`, so the next
 * refresh finds the batch by the job id it carries (or marks the part not submitted): a billable batch is never
 * left untracked.
 */
export class SubmitInterrupted extends Error {
  constructor(
    readonly job: Job,
    readonly partIndex: number,
  ) {
    super(
      `interrupted while creating ${job.parts.length > 1 ? `part ${partIndex + 1} of ${job.parts.length}` : 'the batch'}: the provider may have created it, so the job is kept as ${job.id}. ` +
        `Run "batchwise status ${job.id}" to find it (or mark it not submitted), and "batchwise cancel ${job.id}" to stop it`,
    );
    this.name = 'SubmitInterrupted';
  }
}

/**
 * The create failed in a way that does not tell whether the batch exists (a timeout, a dropped connection, a 5xx
 * after the request went out): the job is kept so the next refresh looks the batch up instead of forgetting it.
 */
export class CreateUncertain extends ProviderError {
  constructor(
    readonly job: Job,
    cause: ProviderError,
  ) {
    super(`${cause.message.replace(/\s+$/, '').replace(/\.?$/, '.')} The batch may have been created anyway: job ${job.id} is kept and its next status refresh looks for it.`, cause.status, cause.code, cause.retryAfterMs);
    this.name = 'CreateUncertain';
  }
}

/** The error code a part carries while it is unclear whether its interrupted create went through. */
export const SUBMIT_INTERRUPTED = 'submit_interrupted';

/** Limit diagnostics that splitting resolves: an input over a provider's limits becomes several remote batches. */
export const SPLIT_HANDLES: ReadonlySet<string> = new Set(['too-many-requests', 'file-too-large', 'too-many-embedding-inputs']);

export interface SubmitOptions {
  store: JobStore;
  provider: BatchProvider;
  inputPath: string;
  name?: string;
  parentId?: string;
  attempt?: number;
  estimate?: Estimate;
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (msg: string) => void;
  /** Overrides the provider's limits (tests, or a user who wants smaller batches). */
  limits?: { maxRequests: number; maxBytes: number };
  /** The model when the lines do not name it (Gemini takes it from the batch, not the line). */
  model?: string;
  /** Validation already done by the caller (the extension validated before its confirmation). */
  validation?: ValidationResult;
  /** The pipeline cycle this submission belongs to. */
  pipeline?: Job['pipeline'];
  /**
   * The provider's quota for this model (`--max-enqueued-tokens`, `batchwise.quotas`), tightened by what the store
   * learned: with one, parts are planned by tokens too and created only as they fit, the rest wait in the job.
   */
  quota?: Quota;
  /** `batchwise.quotas`, for the model the input names; `quota` wins over it. */
  quotaSettings?: QuotaSettings;
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Jobs with this input hash that are still running (or in a state we do not know yet). */
export async function findLiveJobsByHash(store: JobStore, sha: string): Promise<Job[]> {
  const { jobs } = await store.list();
  return jobs.filter((j) => j.inputSha256 === sha && !isTerminal(j.status));
}

/** The source rows of a built input (`batchwise build`'s sidecar beside it); a retry keeps its parent's, ids being the same. */
async function sourceRowsFor(store: JobStore, inputPath: string, parentId: string | undefined): Promise<string | undefined> {
  if (parentId) return (await store.get(parentId))?.sourceRowsPath;
  const sidecar = sidecarPathFor(inputPath);
  if (sidecar === inputPath) return undefined;
  return (await stat(sidecar).catch(() => undefined))?.isFile() ? sidecar : undefined;
}

async function sha256Lines(lines: AsyncIterable<string>): Promise<string> {
  const hash = createHash('sha256');
  for await (const line of lines) hash.update(line + '\n');
  return hash.digest('hex');
}

/**
 * Validates, checks for a duplicate, plans the parts by the provider's limits, and creates one remote batch per part.
 * The job is written to the store BEFORE any remote batch is created and again after each one, so a crash or kill
 * never loses the id of a batch that exists (and costs money).
 */
export async function submitJob(opts: SubmitOptions): Promise<Job> {
  const { store, provider, signal } = opts;
  const inputPath = resolve(opts.inputPath);
  const progress = opts.onProgress ?? (() => undefined);

  progress('Validating');
  const result = opts.validation ?? (await validateFile(inputPath, { provider: provider.id, limits: limitsFor(provider.profile), signal }));
  if (result.diagnostics.some((d) => d.severity === 'error' && !SPLIT_HANDLES.has(d.code))) throw new SubmitRefused(result);
  if (result.requests === 0) throw new SubmitRefused({ ...result, diagnostics: [...result.diagnostics, { line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', code: 'empty-file', message: 'The file has no requests.' }] });

  const sha = await sha256File(inputPath, signal);
  // One submit of an input at a time across processes (CLI, extension windows): the duplicate check and the
  // creates happen under the lock, so two submits at the same moment cannot both pass the check.
  const lock = await tryLock(store.submitLockPath(sha), `submit ${inputPath}`);
  if ('heldBy' in lock) throw new SubmitInProgress(lock.heldBy);
  try {
    return await submitLocked(opts, { inputPath, sha, result, progress });
  } finally {
    await lock.release();
  }
}

async function submitLocked(opts: SubmitOptions, ctx: { inputPath: string; sha: string; result: ValidationResult; progress: (msg: string) => void }): Promise<Job> {
  const { store, provider, signal } = opts;
  const { inputPath, sha, result, progress } = ctx;
  // Under the lock no other submit of this input runs: parts of earlier submits that never got as far as their
  // create (killed during the upload) are not submitted, and do not block this one.
  await settleUnsentParts(store, sha);
  if (!opts.force) {
    const live = await findLiveJobsByHash(store, sha);
    if (live.length) throw new DuplicateSubmission(live);
  }

  const limits = opts.limits ?? limitsFor(provider.profile);
  const model = opts.model ?? result.model;
  const quota = tighter(opts.quota ?? quotaFromSettings(opts.quotaSettings, provider.id, model), await learnedQuotaFor(store, { provider: provider.id, profile: provider.profile.name, model }));
  const plans = quota ? await planQueuedParts(inputPath, limits, quota, provider.id, signal) : await planParts(inputPath, limits, { signal });
  progress(plans.length > 1 ? `Split into ${plans.length} parts` : 'One part');

  const sourceRowsPath = await sourceRowsFor(store, inputPath, opts.parentId);
  const now = new Date().toISOString();
  const id = store.newId();
  let job: Job = {
    version: 1,
    id,
    name: opts.name ?? basename(inputPath),
    provider: provider.id,
    profile: provider.profile.name,
    ...(provider.profile.baseUrl ? { baseUrl: provider.profile.baseUrl } : {}),
    endpoint: result.endpoint,
    model: opts.model ?? result.model,
    inputPath,
    inputSha256: sha,
    inputLines: result.lines,
    requests: result.requests,
    parts: quota ? await queuedParts(inputPath, plans, now) : plans.map(pendingPart),
    ...(quota ? { quota } : {}),
    ...(opts.parentId ? { parentId: opts.parentId } : {}),
    ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
    ...(sourceRowsPath ? { sourceRowsPath } : {}),
    attempt: opts.attempt ?? 1,
    status: 'validating',
    createdAt: now,
    updatedAt: now,
    ...(opts.estimate ? { estimate: opts.estimate } : {}),
  };
  await store.save(job);
  if (quota) return submitQueued(store, job, provider, { signal, progress });

  for (const plan of plans) {
    // True from the moment the create may reach the provider until its batch id is in the store.
    let sending = false;
    try {
      signal?.throwIfAborted();
      progress(plans.length > 1 ? `Uploading part ${plan.index + 1} of ${plans.length}` : 'Uploading');
      const partSha = await sha256Lines(readPartLines(inputPath, plan));
      const remote = await provider.create(
        {
          beforeCreate: async () => {
            job = await store.update(id, (j) => ({ ...j, parts: j.parts.map((p) => (p.index === plan.index ? { ...p, createStartedAt: new Date().toISOString() } : p)) }));
            sending = true;
          },
          jobId: id,
          partIndex: plan.index,
          sha256: partSha,
          endpoint: result.endpoint,
          model: opts.model ?? result.model,
          lines: readPartLines(inputPath, plan),
          bytes: plan.bytes,
          displayName: plans.length > 1 ? `${job.name} (part ${plan.index + 1}/${plans.length})` : job.name,
        },
        signal,
      );
      const submittedAt = new Date().toISOString();
      job = await store.update(id, (j) => withAggregate(j, j.parts.map((p) => (p.index === plan.index ? { ...applyRemote({ ...p, errors: [] }, remote), submittedAt } : p))));
    } catch (err) {
      if (sending && signal?.aborted) throw new SubmitInterrupted(await recordInterrupted(store, job, plan), plan.index);
      if (sending && createMayHaveHappened(err)) {
        // A timeout, dropped connection or 5xx after the request went out: the batch may exist (and bill), so the job
        // stays tracked and the next refresh looks it up instead of it being forgotten.
        const kept = await recordInterrupted(store, job, plan);
        const e = toProviderError(err);
        throw new CreateUncertain(kept, e);
      }
      await recordFailure(store, job, plan, err);
      throw err;
    }
  }
  progress(`Submitted ${job.id}`);
  return job;
}

/**
 * A refusal (4xx, 503 unavailable, 429) created nothing. A dropped connection, a timeout, or a 500/502/504 (which a
 * gateway returns when the service behind it may already have acted) may have.
 */
export function createMayHaveHappened(err: unknown): boolean {
  if (err instanceof SubmitRefused || err instanceof DuplicateSubmission || err instanceof SubmitInProgress) return false;
  if (neverConnected(err)) return false;
  const { status } = toProviderError(err);
  return status === undefined || status === 408 || status === 500 || status === 502 || status === 504;
}

/** Refused or unresolvable: the request never reached a server. */
function neverConnected(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true;
    if (message === 'bad port') return true; // fetch refuses ports it deems unsafe before connecting

  }
  return false;
}

/** Keeps the job: the interrupted part stays pending (a refresh looks its batch up), later parts are not sent. */
async function recordInterrupted(store: JobStore, job: Job, plan: PartPlan): Promise<Job> {
  const current = (await store.get(job.id)) ?? job;
  const now = new Date().toISOString();
  const parts = current.parts.map((p): JobPart => {
    if (p.remoteId !== null || p.index < plan.index) return p;
    if (p.index === plan.index) {
      return { ...p, submittedAt: now, errors: [{ code: SUBMIT_INTERRUPTED, message: 'The submit was interrupted while this batch was being created; it may exist at the provider. A status refresh looks for it.' }] };
    }
    return { ...p, status: 'failed', counts: { ...p.counts, processing: 0 }, errors: [{ code: NOT_SUBMITTED, message: `Not submitted: the submit was interrupted at part ${plan.index + 1}.` }] };
  });
  const updated = { ...withAggregate(current, parts), updatedAt: now };
  await store.save(updated);
  return updated;
}

function pendingPart(plan: PartPlan): JobPart {
  return {
    index: plan.index,
    remoteId: null,
    status: 'validating',
    lineStart: plan.lineStart,
    lineEnd: plan.lineEnd,
    requests: plan.requests,
    counts: { total: plan.requests, succeeded: 0, failed: 0, processing: plan.requests, expired: 0, canceled: 0 },
    errors: [],
  };
}

/**
 * A part that could not be created. With no remote batch at all the job is taken out of the store again (there is
 * nothing to track and the error is thrown to the caller); otherwise the part is marked failed with the provider's
 * message and the parts already created stay tracked. Parts after it are not sent.
 */
async function recordFailure(store: JobStore, job: Job, plan: PartPlan, err: unknown): Promise<void> {
  const current = (await store.get(job.id)) ?? job;
  if (current.parts.every((p) => p.remoteId === null)) {
    await store.remove(job.id);
    return;
  }
  const error = toProviderError(err);
  const failed = current.parts.map((p): JobPart =>
    p.index >= plan.index && p.remoteId === null
      ? { ...p, status: 'failed', counts: { ...p.counts, processing: 0 }, errors: p.index === plan.index ? [{ code: error.code ?? 'submit_failed', message: error.message }] : [{ code: NOT_SUBMITTED, message: `Not submitted: part ${plan.index + 1} failed before it.` }] }
      : p,
  );
  await store.save({ ...withAggregate(current, failed), updatedAt: new Date().toISOString() });
}

/**
 * Parts no larger than the quota allows (a quarter of it, see partTokenBudget; a request larger than that but within
 * the quota gets parts of the whole quota, so it is not refused for a margin).
 */
async function planQueuedParts(inputPath: string, limits: SplitLimits, quota: Quota, provider: BatchProvider['id'], signal?: AbortSignal): Promise<PartPlan[]> {
  const budget = partTokenBudget(quota);
  if (budget === undefined) return planParts(inputPath, limits, { signal });
  const of = await enqueuedTokenCounter(provider);
  try {
    return await planParts(inputPath, { ...limits, maxTokens: { budget, of } }, { signal });
  } catch (err) {
    if (!(err instanceof RequestOverTokenBudget) || err.tokens > quota.enqueuedTokens!) throw err;
    return planParts(inputPath, { ...limits, maxTokens: { budget: quota.enqueuedTokens!, of } }, { signal });
  }
}

/** Parts waiting in the local queue: where their lines are and what they hold, so any later process can send them. */
async function queuedParts(inputPath: string, plans: PartPlan[], now: string): Promise<JobPart[]> {
  const parts: JobPart[] = [];
  for (const plan of plans) {
    const span = { startOffset: plan.startOffset, endOffset: plan.endOffset, bytes: plan.bytes, sha256: await sha256OfPart(inputPath, plan) };
    parts.push({ ...pendingPart(plan), queuedAt: now, span, ...(plan.tokens !== undefined ? { enqueuedTokens: plan.tokens } : {}) });
  }
  return parts;
}

/** Creates the queued parts that fit now; the rest are created by later refreshes (status --watch, VS Code, serve). */
async function submitQueued(store: JobStore, job: Job, provider: BatchProvider, ctx: { signal?: AbortSignal; progress: (msg: string) => void }): Promise<Job> {
  try {
    const done = await pumpQueueLocked(store, job.id, provider, { signal: ctx.signal, onProgress: ctx.progress });
    const waiting = done.parts.filter((p) => p.remoteId === null && p.queuedAt !== undefined && !isTerminal(p.status)).length;
    ctx.progress(waiting ? `Submitted ${done.id}: ${done.parts.length - waiting} of ${done.parts.length} parts created, ${waiting} queued until the quota has room` : `Submitted ${done.id}`);
    return done;
  } catch (err) {
    const current = (await store.get(job.id)) ?? job;
    const sending = current.parts.find((p) => p.remoteId === null && p.createStartedAt !== undefined && !isTerminal(p.status));
    if (ctx.signal?.aborted && sending) throw new SubmitInterrupted(current, sending.index);
    throw err;
  }
}
