import { z } from 'zod';
import type { Job } from '../jobs/job';
import type { ResultsSummary } from '../results/summary';
import { QualitySchema } from '../results/quality';
import { JobStatusSchema, ProviderIdSchema } from '../status';

/**
 * What the monitoring numbers need of one job, small enough to hold ten thousand: read from the job file and, once
 * its results came, from the summary written beside them (never from the results themselves).
 */
export const JobStatsSchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: ProviderIdSchema,
  model: z.string().nullable(),
  profile: z.string(),
  pipeline: z.string().optional(),
  status: JobStatusSchema,
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  /** The first job of its retry chain (itself for an original): lines are counted once per chain. */
  rootId: z.string(),
  attempt: z.number().int().positive(),
  requests: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  errored: z.number().int().nonnegative(),
  expired: z.number().int().nonnegative(),
  canceled: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  /** Lines not finished yet. */
  processing: z.number().int().nonnegative(),
  flagged: z.partialRecord(QualitySchema.exclude(['ok']), z.number().int().nonnegative()),
  inputTokens: z.number().nonnegative(),
  outputTokens: z.number().nonnegative(),
  /** At the batch rate; null when unknown (price or usage missing). */
  costUsd: z.number().nonnegative().nullable(),
  /** The same tokens at standard prices. */
  standardCostUsd: z.number().nonnegative().nullable(),
  topErrors: z.array(z.object({ message: z.string(), count: z.number().int().positive() })),
});
export type JobStats = z.infer<typeof JobStatsSchema>;

/** A job's numbers: the results summary when its results were downloaded, else the provider's counts on the job. */
export function jobStatsOf(job: Job, rootId: string, results?: ResultsSummary): JobStats {
  const parts = job.parts;
  const sum = (f: (p: Job['parts'][number]) => number) => parts.reduce((n, p) => n + f(p), 0);
  const counts = results
    ? {
        succeeded: results.counts.succeeded ?? 0,
        errored: results.counts.errored ?? 0,
        expired: results.counts.expired ?? 0,
        canceled: results.counts.canceled ?? 0,
        missing: results.counts.missing ?? 0,
        processing: 0,
      }
    : {
        succeeded: sum((p) => p.counts.succeeded),
        errored: sum((p) => p.counts.failed),
        expired: sum((p) => p.counts.expired),
        canceled: sum((p) => p.counts.canceled),
        missing: 0,
        processing: sum((p) => p.counts.processing),
      };
  const topErrors = results
    ? results.topErrors.map((e) => ({ message: e.code && !e.message.startsWith(e.code) ? `${e.code}: ${e.message}` : e.message, count: e.count }))
    : groupPartErrors(job);
  return {
    id: job.id,
    name: job.name,
    provider: job.provider,
    model: job.model,
    profile: job.profile,
    ...(job.pipeline ? { pipeline: job.pipeline.name } : {}),
    status: job.status,
    createdAt: job.createdAt,
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    rootId,
    attempt: job.attempt,
    requests: job.requests,
    ...counts,
    flagged: job.flagged ?? {},
    inputTokens: results?.usage.inputTokens ?? job.usage?.inputTokens ?? 0,
    outputTokens: results?.usage.outputTokens ?? job.usage?.outputTokens ?? 0,
    costUsd: results?.actualCost ?? job.actualCost ?? null,
    standardCostUsd: results?.standardCost ?? null,
    topErrors,
  };
}

/** The server-side errors of a job's parts (a batch that failed validation), grouped by message. */
function groupPartErrors(job: Job): JobStats['topErrors'] {
  const byMessage = new Map<string, number>();
  for (const p of job.parts) for (const e of p.errors) byMessage.set(`${e.code}: ${e.message}`, (byMessage.get(`${e.code}: ${e.message}`) ?? 0) + 1);
  return [...byMessage].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([message, count]) => ({ message, count }));
}

/** Each job's chain root, from the parent links (a parent missing from the store makes its child a root). */
export function rootsOf(jobs: readonly Pick<Job, 'id' | 'parentId'>[]): Map<string, string> {
  const parent = new Map(jobs.map((j) => [j.id, j.parentId]));
  const roots = new Map<string, string>();
  for (const j of jobs) {
    let id = j.id;
    const seen = new Set<string>();
    for (let p = parent.get(id); p !== undefined && parent.has(p) && !seen.has(p); p = parent.get(id)) {
      seen.add(id);
      id = p;
    }
    roots.set(j.id, id);
  }
  return roots;
}
