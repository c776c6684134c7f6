import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fsAtomic';
import { RESULTS_SUMMARY_FILE } from '../core/monitor/load';
import type { Job, JobPart } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import type { PricingOverrides } from '../core/pricing';
import { lookupPrice } from '../core/pricingData';
import type { ProviderResult } from '../core/results/record';
import { joinResults, type LineFallback } from '../core/results/join';
import type { ResultsSummary } from '../core/results/summary';
import { flaggedCounts } from '../core/results/quality';
import { ProviderError, type BatchProvider, type RemoteBatch } from '../providers/types';
import { isTerminal } from '../core/status';

export const RESULTS_FILE = 'results.jsonl';
export const SUMMARY_FILE = RESULTS_SUMMARY_FILE;

/** A part the provider no longer knows: polled as gone (404), or its results answered 404 at download. */
export function isGonePart(part: JobPart): boolean {
  return part.rawStatus === 'not_found' || part.errors.some((e) => e.code === NOT_FOUND && e.line === undefined);
}

const NOT_FOUND = 'not_found';

/**
 * An ended part as its last poll recorded it: what an adapter needs to fetch the results (the batch id, OpenAI's
 * output and error file ids), without asking the provider again (a self-hosted run would count its output anew).
 */
function remoteOfPart(part: JobPart, remoteId: string): RemoteBatch {
  return {
    id: remoteId,
    status: part.status,
    rawStatus: part.rawStatus ?? part.status,
    counts: part.counts,
    errors: [],
    ...(part.outputFileId ? { outputFileId: part.outputFileId } : {}),
    ...(part.errorFileId ? { errorFileId: part.errorFileId } : {}),
    ...(part.endedAt ? { endedAt: part.endedAt } : {}),
  };
}

/**
 * Every part's results, one part after another (ids are unique across the job, so order does not matter). A part
 * the provider no longer knows (404) gives what it gave before the 404 and is added to `gone`: its other lines are
 * known locally only, as not found, instead of the whole download failing at every try.
 */
async function* resultsOfParts(job: Job, provider: BatchProvider, gone: Set<number>, signal?: AbortSignal): AsyncGenerator<ProviderResult> {
  for (const part of job.parts) {
    if (!part.remoteId) continue;
    if (isGonePart(part)) {
      gone.add(part.index);
      continue;
    }
    try {
      yield* provider.results(isTerminal(part.status) ? remoteOfPart(part, part.remoteId) : await provider.retrieve(part.remoteId, signal), signal);
    } catch (err) {
      if (!(err instanceof ProviderError && err.status === 404)) throw err;
      gone.add(part.index);
    }
  }
}

/**
 * Lines with no result get the outcome of their part when the part ended as a whole (expired, cancelled,
 * failed validation), so the summary says why; otherwise they stay `missing`.
 */
export function partFallback(parts: readonly JobPart[], gone: ReadonlySet<number> = new Set()): LineFallback {
  const lineErrors = new Map<number, { code: string; message: string }>();
  for (const p of parts) for (const e of p.errors) if (e.line !== undefined) lineErrors.set(e.line, e);
  return (line) => {
    const e = lineErrors.get(line);
    if (e) return { outcome: 'errored', errorCode: e.code, errorMessage: e.message };
    const part = parts.find((p) => line >= p.lineStart && line <= p.lineEnd);
    if (!part) return undefined;
    if (gone.has(part.index) || isGonePart(part)) {
      return { outcome: 'errored', errorCode: NOT_FOUND, errorMessage: `The provider no longer has batch ${part.remoteId ?? ''} (404), so this line has no result: send it again (retry).` };
    }
    switch (part.status) {
      case 'expired':
        return { outcome: 'expired', errorCode: 'batch_expired', errorMessage: 'The batch expired before this request finished.' };
      case 'cancelled':
        return { outcome: 'canceled', errorCode: 'batch_cancelled', errorMessage: 'The batch was canceled before this request ran.' };
      case 'failed': {
        const first = part.errors[0];
        return { outcome: 'errored', errorCode: first?.code ?? 'batch_failed', errorMessage: first?.message ?? `The batch${part.remoteId ? ` ${part.remoteId}` : ''} failed as a whole.` };
      }
      default:
        return undefined;
    }
  };
}

/**
 * Downloads a job's results (output and error files, partial results of cancelled and expired batches),
 * joins them to the input lines by custom_id, and writes `<jobDir>/results.jsonl` and `<jobDir>/summary.json`.
 */
export async function downloadResults(
  store: JobStore,
  job: Job,
  provider: BatchProvider,
  opts: { signal?: AbortSignal; pricing?: PricingOverrides; onProgress?: (received: number) => void } = {},
): Promise<{ job: Job; summary: ResultsSummary; path: string }> {
  const dir = store.jobDir(job.id);
  const path = join(dir, RESULTS_FILE);
  const gone = new Set<number>();
  const { summary: builder } = await joinResults({
    inputPath: job.inputPath,
    results: resultsOfParts(job, provider, gone, opts.signal),
    outPath: path,
    jobId: job.id,
    attempt: job.attempt,
    fallback: partFallback(job.parts, gone),
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  const price = lookupPrice(job.model, opts.pricing) ?? undefined;
  const ended = job.finishedAt ?? job.parts.map((p) => p.endedAt).filter((d): d is string => !!d).sort().pop();
  const summary = builder.build({ jobId: job.id, price, createdAt: job.createdAt, finishedAt: ended });
  await writeFileAtomic(join(dir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + '\n');
  const goneAt = new Date().toISOString();
  const updated = await store.update(job.id, (j) => ({
    ...j,
    // Said on the part, so `status` shows why lines are missing and later downloads do not ask again.
    parts: j.parts.map((p) => (gone.has(p.index) && !isGonePart(p) ? { ...p, lastPolledAt: goneAt, errors: [...p.errors, { code: NOT_FOUND, message: `${provider.id} has no results for batch ${p.remoteId} any more (404): the lines without a result here are counted as failed; send them again with retry.` }] } : p)),
    resultsPath: path,
    usage: { inputTokens: summary.usage.inputTokens, outputTokens: summary.usage.outputTokens, ...(summary.usage.cachedTokens ? { cachedTokens: summary.usage.cachedTokens } : {}) },
    ...(summary.actualCost !== null ? { actualCost: summary.actualCost } : {}),
    ...flaggedOf(summary),
  }));
  return { job: updated, summary, path };
}

/**
 * Whether the results of a job should be fetched and kept now: it ended, none are kept yet, and it has an input to
 * join them to (an imported batch has none). Providers delete results after a while (OpenAI 30 days, Anthropic
 * 29 days, Gemini 48 h), and a sandbox forgets them when it restarts, so they are kept the moment the job ends.
 */
/** The job's results are in its folder: recorded, and the file is still there (a deleted one is downloaded again). */
export async function resultsKept(job: Job): Promise<boolean> {
  return job.resultsPath !== undefined && (await stat(job.resultsPath).then((s) => s.isFile(), () => false));
}

/** Ended jobs of a chain whose results are not in their folder (never downloaded, or the file was deleted). */
export async function undownloadedOf(jobs: readonly Job[]): Promise<Job[]> {
  const out: Job[] = [];
  for (const j of jobs) if (isTerminal(j.status) && !(await resultsKept(j))) out.push(j);
  return out;
}

/** The summary's flagged counts (non-zero, not ok), for the job record: the completion notice and the tooltip say them. */
function flaggedOf(summary: ResultsSummary): Pick<Job, 'flagged'> {
  const flagged = flaggedCounts(summary.quality);
  return Object.keys(flagged).length ? { flagged } : {};
}

export function needsResults(job: Job): boolean {
  return isTerminal(job.status) && !job.resultsPath && job.inputPath !== '';
}

/**
 * Downloads and keeps the results of a job that ended, if not kept yet. Never throws: what went wrong comes back
 * as `problem` (the caller says it and carries on; `batchwise results` and the panel try again).
 */
export async function keepResults(
  store: JobStore,
  job: Job,
  provider: BatchProvider | (() => BatchProvider | Promise<BatchProvider | undefined>),
  opts: { signal?: AbortSignal; pricing?: PricingOverrides } = {},
): Promise<{ job: Job; kept?: { path: string; summary: ResultsSummary }; problem?: string }> {
  if (!needsResults(job)) return { job };
  try {
    await assertInputExists(job);
    const p = typeof provider === 'function' ? await provider() : provider;
    if (!p) return { job, problem: 'no API key for its provider' };
    const r = await downloadResults(store, job, p, opts);
    return { job: r.job, kept: { path: r.path, summary: r.summary } };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return { job, problem: err instanceof Error ? err.message : String(err) };
  }
}

/** Throws a message naming the job and its input when the input file was moved or deleted after the submit. */
export async function assertInputExists(job: Job): Promise<void> {
  try {
    const info = await stat(job.inputPath);
    if (info.isFile()) return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  throw new Error(
    `the input file of ${job.id} is gone: ${job.inputPath}. Results are matched to its lines by custom_id, so it is needed: put the file back at that path (the same content as submitted) and run the command again. Nothing was lost: the job and its remote results are kept`,
  );
}
