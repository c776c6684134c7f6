import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '../jobs/job';
import type { JobStore, StoreProblem } from '../jobs/store';
import { ResultsSummarySchema, type ResultsSummary } from '../results/summary';
import { jobStatsOf, rootsOf, type JobStats } from './jobStats';

/** Written beside a job's results.jsonl when they are joined (jobs/results.ts). */
export const RESULTS_SUMMARY_FILE = 'summary.json';

async function resultsSummary(store: JobStore, id: string): Promise<ResultsSummary | undefined> {
  try {
    const parsed = ResultsSummarySchema.safeParse(JSON.parse(await readFile(join(store.jobDir(id), RESULTS_SUMMARY_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // No results yet, or a summary that cannot be read: the job's own counts stand in.
    return undefined;
  }
}

/**
 * A job's results summary changes only when its results are joined again (which saves the job too), so a long-lived
 * reader (the dashboard, re-reading on every store change) keeps each one until the job's file changes.
 */
export class ResultsSummaryCache {
  private readonly byId = new Map<string, { key: string; summary: ResultsSummary | undefined }>();

  async get(store: JobStore, job: Job): Promise<ResultsSummary | undefined> {
    const key = `${job.resultsPath}\u0000${job.updatedAt}`;
    const hit = this.byId.get(job.id);
    if (hit?.key === key) return hit.summary;
    const summary = await resultsSummary(store, job.id);
    this.byId.set(job.id, { key, summary });
    return summary;
  }

  /** Forgets the jobs no longer in the store. */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.byId.keys()) if (!ids.has(id)) this.byId.delete(id);
  }
}

/** Every job's numbers, from the job files and their results summaries (read again unless a cache holds them). */
export async function loadJobStats(store: JobStore, cache?: ResultsSummaryCache): Promise<{ stats: JobStats[]; problems: StoreProblem[] }> {
  const { jobs, problems } = await store.list();
  const roots = rootsOf(jobs);
  const stats: JobStats[] = [];
  for (const job of jobs) {
    const results = job.resultsPath ? await (cache ? cache.get(store, job) : resultsSummary(store, job.id)) : undefined;
    stats.push(jobStatsOf(job, roots.get(job.id) ?? job.id, results));
  }
  cache?.keepOnly(new Set(jobs.map((j) => j.id)));
  return { stats, problems };
}
