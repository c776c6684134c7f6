import { resolve } from 'node:path';
import type { Job } from './job';

/**
 * Jobs submitted from `inputPath` (the original file or a retry file), newest first: what "Open Results"
 * on an input file in the explorer opens. Paths are compared resolved, so `./a.jsonl` and `/w/a.jsonl` match.
 */
export function jobsSubmittedFrom(jobs: readonly Job[], inputPath: string): Job[] {
  const target = resolve(inputPath);
  return jobs
    .filter((j) => j.inputPath && resolve(j.inputPath) === target)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}
