import { cliStore } from '../../jobs/providerForJob';
import { EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { failedLines, jobCounts } from '../../core/jobs/counts';
import { statusLabel } from './jobFormat';

const USAGE = 'list [--json]';

/**
 * `batchwise list`: the jobs in the store, newest first, as recorded at their last refresh (no network, no key).
 * Unreadable job files are reported on stderr and skipped, never fatal.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
  const store = cliStore(io.env);
  const { jobs, problems } = await store.list();
  for (const p of problems) io.err(`warning: skipped ${p.path}: ${p.message}\n`);
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

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}
