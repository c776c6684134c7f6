import { join } from 'node:path';
import { writeFileAtomic } from '../core/fsAtomic';
import type { Job, JobPart } from '../core/jobs/job';
import type { JobStore } from '../core/jobs/store';
import type { PricingOverrides } from '../core/pricing';
import { lookupPrice } from '../core/pricingData';
import type { ProviderResult } from '../core/results/record';
import { joinResults, type LineFallback } from '../core/results/join';
import type { ResultsSummary } from '../core/results/summary';
import type { BatchProvider } from '../providers/types';

export const RESULTS_FILE = 'results.jsonl';
export const SUMMARY_FILE = 'summary.json';

/** Every part's results, one part after another (ids are unique across the job, so order does not matter). */
async function* resultsOfParts(job: Job, provider: BatchProvider, signal?: AbortSignal): AsyncGenerator<ProviderResult> {
  for (const part of job.parts) {
    if (!part.remoteId) continue;
    const batch = await provider.retrieve(part.remoteId, signal);
    yield* provider.results(batch, signal);
  }
}

/**
 * Lines with no result get the outcome of their part when the part ended as a whole (expired, cancelled,
 * failed validation), so the summary says why; otherwise they stay `missing`.
 */
export function partFallback(parts: readonly JobPart[]): LineFallback {
  const lineErrors = new Map<number, { code: string; message: string }>();
  for (const p of parts) for (const e of p.errors) if (e.line !== undefined) lineErrors.set(e.line, e);
  return (line) => {
    const e = lineErrors.get(line);
    if (e) return { outcome: 'errored', errorCode: e.code, errorMessage: e.message };
    const part = parts.find((p) => line >= p.lineStart && line <= p.lineEnd);
    if (!part) return undefined;
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
  opts: { signal?: AbortSignal; pricing?: PricingOverrides } = {},
): Promise<{ job: Job; summary: ResultsSummary; path: string }> {
  const dir = store.jobDir(job.id);
  const path = join(dir, RESULTS_FILE);
  const { summary: builder } = await joinResults({
    inputPath: job.inputPath,
    results: resultsOfParts(job, provider, opts.signal),
    outPath: path,
    jobId: job.id,
    attempt: job.attempt,
    fallback: partFallback(job.parts),
    signal: opts.signal,
  });
  const price = lookupPrice(job.model, opts.pricing) ?? undefined;
  const ended = job.finishedAt ?? job.parts.map((p) => p.endedAt).filter((d): d is string => !!d).sort().pop();
  const summary = builder.build({ jobId: job.id, price, createdAt: job.createdAt, finishedAt: ended });
  await writeFileAtomic(join(dir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + '\n');
  const updated = await store.update(job.id, (j) => ({
    ...j,
    resultsPath: path,
    usage: { inputTokens: summary.usage.inputTokens, outputTokens: summary.usage.outputTokens, ...(summary.usage.cachedTokens ? { cachedTokens: summary.usage.cachedTokens } : {}) },
    ...(summary.actualCost !== null ? { actualCost: summary.actualCost } : {}),
  }));
  return { job: updated, summary, path };
}
