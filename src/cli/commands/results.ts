import { undownloadedOf } from '../../jobs/results';
import { QUALITIES, describeFlagged, type Quality } from '../../core/results/quality';
import { resolve } from 'node:path';
import { EXIT_FAILED, EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { isTerminal } from '../../core/status';
import { chainOf, rootOf } from '../../core/results/merge';
import { exportMerged, writeFailedLines } from '../../core/results/export';
import { errorGroupLabel, type ResultsSummary } from '../../core/results/summary';
import { cliStore, providerForJob } from '../../jobs/providerForJob';
import { loadChain } from '../../jobs/retry';
import { providerFailure } from '../errors';
import { checkOutputFile } from '../inputFile';
import { formatMoney, formatTurnaround } from '../../core/format';

const USAGE = 'results <job> [--out FILE] [--failed-out FILE] [--json]';

/** `batchwise results`: downloads (if needed), joins and merges a job's retry chain; exports results and failed lines. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' }, 'failed-out': { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const ref = positionals[0];
  if (!ref || positionals.length > 1) throw new UsageError(`give one job id\nusage: batchwise ${USAGE}`);
  if (values.out) await checkOutputFile(values.out, '--out');
  if (values['failed-out']) await checkOutputFile(values['failed-out'], '--failed-out');
  const store = cliStore(io.env);
  const job = await store.resolve(ref);
  if (!job.resultsPath && !isTerminal(job.status)) {
    io.err(`batchwise results: ${job.id} is ${job.status}; results come when it ends (batchwise status ${job.id} --watch)\n`);
    return EXIT_FAILED;
  }
  const root = await rootOf(store, job);
  // Writing there would replace an input (atomically, so with no way back) with results or with its failed lines.
  const inputs = new Set((await chainOf(store, root)).map((j) => resolve(j.inputPath)));
  for (const [option, path] of [['--out', values.out], ['--failed-out', values['failed-out']]] as const) {
    if (path && inputs.has(resolve(path))) throw new UsageError(`${option} ${path} is the input of this job: writing there would replace it. Give another file, e.g. ${option} ${path.replace(/\.jsonl$/i, '')}.${option === '--out' ? 'results' : 'failed'}.jsonl`);
  }
  if (values.out && values['failed-out'] && resolve(values.out) === resolve(values['failed-out'])) throw new UsageError('--out and --failed-out must be different files');
  const needsDownload = (await undownloadedOf(await chainOf(store, root))).length > 0;
  // The provider (and its API key) is only needed when something must be downloaded.
  const provider = needsDownload ? providerForJob(job, io.env) : undefined;
  let chain;
  try {
    chain = await loadChain(store, job, provider, { signal: io.signal });
  } catch (err) {
    throw providerFailure(err, { provider: job.provider, baseUrl: job.baseUrl, next: `Nothing was lost: run "batchwise results ${job.id}" again later.` });
  }

  // The job folders keep one copy of the results (each job's results.jsonl); --out writes the merged view from them.
  let out = values.out ?? null;
  if (out) await exportMerged(chain.rows, out, io.signal, root.inputPath);
  else if (chain.jobs.length === 1) out = (await store.get(root.id))?.resultsPath ?? null;
  const failedOut = values['failed-out'] ?? null;
  if (failedOut) await writeFailedLines(root.inputPath, chain.rows, failedOut, { withoutId: true, signal: io.signal });

  const s = chain.summary;
  const succeeded = s.counts.succeeded;
  const failed = s.total - succeeded;
  if (values.json) {
    printJson(io, { job: job.id, succeeded, failed, quality: qualityCounts(s), out, failedOut });
    return EXIT_OK;
  }
  io.out(describe(root.name, root.id, chain.jobs.length, s));
  if (out) io.out(`results: ${out}\n`);
  else if (chain.jobs.length > 1) io.out(`results: one file per job (${chain.jobs.map((j) => j.resultsPath).filter(Boolean).join(', ')}); the merged view: --out FILE (.jsonl or .csv)\n`);
  if (failedOut) io.out(`failed lines: ${failedOut}\n`);
  if (chain.pending.length) io.out(`not downloaded yet: ${chain.pending.map((j) => `${j.id} (${j.status})`).join(', ')}\n`);
  if (failed > 0) io.out(`next: batchwise retry ${job.id}   (sends the ${failed} failed line${failed === 1 ? '' : 's'} again)\n`);
  return EXIT_OK;
}

export function describe(name: string, id: string, jobs: number, s: ResultsSummary): string {
  const failedParts = (['errored', 'expired', 'canceled', 'missing'] as const).filter((o) => s.counts[o] > 0).map((o) => `${s.counts[o]} ${o}`);
  const lines = [
    `${name} (${id}${jobs > 1 ? `, ${jobs - 1} retr${jobs === 2 ? 'y' : 'ies'}` : ''}): ${s.counts.succeeded} of ${s.total} lines succeeded${failedParts.length ? `; ${failedParts.join(', ')}` : ''}`,
  ];
  const flagged = describeFlagged(s.quality, String);
  // Succeeded, but not usable as they are: said apart, so they are not paid for again blindly.
  if (flagged) lines.push(`  of the succeeded lines: ${flagged}`);
  for (const e of s.topErrors) lines.push(`  ${errorGroupLabel(e)}: ${e.code ? `${e.code}: ` : ''}${e.message}`);
  if (s.duplicates || s.unmatched) lines.push(`  ${s.duplicates} duplicate result line(s), ${s.unmatched} result(s) for ids not in the input`);
  lines.push(`tokens: ${s.usage.inputTokens} in, ${s.usage.outputTokens} out` + (s.actualCost !== null ? `; cost ${formatMoney(s.actualCost, s.currency)} at the batch rate (${formatMoney(s.standardCost, s.currency)} standard)` : ''));
  if (s.turnaroundSeconds !== null) lines.push(`turnaround: ${formatTurnaround(s.turnaroundSeconds)}`);
  return lines.join('\n') + '\n';
}

/** Succeeded lines by quality, every class present (0 when none), for --json. */
function qualityCounts(s: ResultsSummary): Record<Quality, number> {
  return Object.fromEntries(QUALITIES.map((q) => [q, s.quality?.[q] ?? 0])) as Record<Quality, number>;
}

