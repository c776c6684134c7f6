import { resolve } from 'node:path';
import { CliError, EXIT_FAILED, EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { isTerminal } from '../../core/status';
import { chainOf, rootOf } from '../../core/results/merge';
import { exportFormatOf, exportResults, ExportFormatError, unsupportedFormat } from '../../core/export/exporter';
import { cliStore, providerForJob } from '../../jobs/providerForJob';
import { undownloadedOf } from '../../jobs/results';
import { loadChain } from '../../jobs/retry';
import { providerFailure } from '../errors';
import { checkOutputFile } from '../inputFile';
import { SourceRowsError } from '../../core/export/sourceRows';
import { lookupPrice } from '../../core/pricingData';

const USAGE = 'export <job> --to FILE [--table T] [--json]';

/** `batchwise export`: the merged results of a job's retry chain (with its source rows) to SQLite, Parquet, CSV or JSONL. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { to: { type: 'string' }, table: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  const ref = positionals[0];
  if (!ref || positionals.length > 1) throw new UsageError(`give one job id\nusage: batchwise ${USAGE}`);
  const to = values.to;
  if (!to) throw new UsageError(`give the file to write with --to FILE (.sqlite, .duckdb, .parquet, .csv or .jsonl)\nusage: batchwise ${USAGE}`);
  let format;
  try {
    format = exportFormatOf(to);
  } catch (err) {
    if (err instanceof ExportFormatError) throw new UsageError(err.message);
    throw err;
  }
  const unsupported = unsupportedFormat(format, to);
  if (unsupported) throw new CliError(unsupported, EXIT_FAILED);
  if (values.table !== undefined && values.table.trim() === '') throw new UsageError('--table needs a name, e.g. --table results');
  if (values.table !== undefined && format !== 'sqlite' && format !== 'duckdb') throw new UsageError(`--table is for .sqlite and .duckdb files; ${to} is ${format}`);
  await checkOutputFile(to, '--to');
  const store = cliStore(io.env);
  const job = await store.resolve(ref);
  if (!job.resultsPath && !isTerminal(job.status)) {
    io.err(`batchwise export: ${job.id} is ${job.status}; results come when it ends (batchwise status ${job.id} --watch)\n`);
    return EXIT_FAILED;
  }
  const root = await rootOf(store, job);
  const chain0 = await chainOf(store, root);
  const inputs = new Set(chain0.flatMap((j) => [j.inputPath, ...(j.sourceRowsPath ? [j.sourceRowsPath] : [])]).map((p) => resolve(p)));
  if (inputs.has(resolve(to))) throw new UsageError(`--to ${to} is an input of this job: writing there would replace it. Give another file.`);
  const provider = (await undownloadedOf(chain0)).length > 0 ? providerForJob(job, io.env) : undefined;
  let chain;
  try {
    chain = await loadChain(store, job, provider, { signal: io.signal });
  } catch (err) {
    throw providerFailure(err, { provider: job.provider, baseUrl: job.baseUrl, next: `Nothing was lost: run "batchwise export ${job.id} --to ${to}" again later.` });
  }
  const price = lookupPrice(chain.root.model) ?? undefined;
  let res;
  try {
    res = await exportResults({ rows: chain.rows, root: chain.root, ...(price ? { price } : {}) }, to, { ...(values.table ? { table: values.table } : {}), signal: io.signal });
  } catch (err) {
    if (err instanceof ExportFormatError || err instanceof SourceRowsError) throw new CliError(err.message, EXIT_FAILED);
    throw err;
  }
  if (values.json) {
    printJson(io, { job: job.id, out: to, format: res.format, rows: res.rows });
    return EXIT_OK;
  }
  io.out(`${res.rows.toLocaleString('en-US')} row${res.rows === 1 ? '' : 's'} of ${root.name} (${root.id}${chain.jobs.length > 1 ? `, ${chain.jobs.length - 1} retr${chain.jobs.length === 2 ? 'y' : 'ies'} merged` : ''}) written to ${to} (${res.format})\n`);
  if (chain.pending.length) io.out(`not downloaded yet: ${chain.pending.map((j) => `${j.id} (${j.status})`).join(', ')}; their lines keep their earlier outcome\n`);
  return EXIT_OK;
}
