import type { Job } from '../../core/jobs/job';
import type { JobStore } from '../../core/jobs/store';
import { cliStore, providerForJob } from '../../jobs/providerForJob';
import { keepResults, needsResults } from '../../jobs/results';
import { EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { failedLines, jobCounts } from '../../core/jobs/counts';
import { statusLabel } from './jobFormat';

const USAGE = 'list [--json]';

/**
 * `batchwise list`: the jobs in the store, newest first, as recorded at their last refresh (no polling). Jobs that
 * ended without their results kept get them downloaded (with the provider's key from the environment).
 * Unreadable job files are reported on stderr and skipped, never fatal.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
  const store = cliStore(io.env);
  const { jobs, problems } = await store.list();
  for (const p of problems) io.err(`warning: skipped ${p.path}: ${p.message}\n`);
  await keepEnded(store, jobs, io);
  if (values.json) {
    printJson(io, {
      jobs: jobs.map((j) => {
        const c = jobCounts(j);
        return {
          id: j.id,
          name: j.name,
          provider: j.provider,
          status: j.status,
          ...(j.rawStatus ? { rawStatus: j.rawStatus } : {}),
          requests: j.requests,
          counts: { total: c.total, succeeded: c.succeeded, failed: failedLines(c) },
          parts: j.parts.map((p) => p.remoteId),
          createdAt: j.createdAt,
          ...(j.parentId ? { parentId: j.parentId } : {}),
        };
      }),
      problems,
    });
    return EXIT_OK;
  }
  if (!jobs.length && problems.length) {
    io.out(`No readable jobs in ${store.jobsDir}: ${problems.length === 1 ? 'one job file cannot' : `${problems.length} job files cannot`} be read (see the warnings above).\n`);
    return EXIT_OK;
  }
  if (!jobs.length) {
    io.out(`No jobs in ${store.jobsDir}. Submit one with: batchwise submit FILE\n`);
    return EXIT_OK;
  }
  const rows = jobs.map((j) => {
    const c = jobCounts(j);
    return [j.id, truncate(j.name, 32), j.provider, statusLabel(j), `${c.succeeded}/${c.total}`, String(failedLines(c)), j.createdAt.slice(0, 16).replace('T', ' ')];
  });
  io.out(table(['ID', 'NAME', 'PROVIDER', 'STATUS', 'DONE', 'FAILED', 'CREATED (UTC)'], rows));
  return EXIT_OK;
}

/**
 * Jobs another process saw end (the extension, a `status` that was stopped) get their results kept now, before the
 * provider deletes them; one line per job on stderr, so the table and --json stay as they are.
 */
async function keepEnded(store: JobStore, jobs: Job[], io: CliIO): Promise<void> {
  for (const [i, job] of jobs.entries()) {
    if (!needsResults(job) || io.signal?.aborted) continue;
    const r = await keepResults(store, job, () => providerForJob(job, io.env, { retries: 1 }), { signal: io.signal });
    jobs[i] = r.job;
    if (r.kept) io.err(`kept the results of ${job.id}: ${r.kept.path}\n`);
    else if (r.problem) io.err(`warning: the results of ${job.id} are not downloaded yet: ${r.problem}\n`);
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}
