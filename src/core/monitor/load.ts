import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Every job's numbers, from the job files and their results summaries. */
export async function loadJobStats(store: JobStore): Promise<{ stats: JobStats[]; problems: StoreProblem[] }> {
  const { jobs, problems } = await store.list();
  const roots = rootsOf(jobs);
  const stats: JobStats[] = [];
  for (const job of jobs) stats.push(jobStatsOf(job, roots.get(job.id) ?? job.id, job.resultsPath ? await resultsSummary(store, job.id) : undefined));
  return { stats, problems };
}
