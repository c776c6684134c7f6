import { resolve } from 'node:path';
import { loadPipeline, PipelineFileError, type LoadedPipeline } from '../../core/pipeline/load';
import { findPipelineFiles, pipelineOverview } from '../../core/pipeline/overview';
import { PipelineStateError } from '../../core/pipeline/state';
import { localTimeZone } from '../../core/monitor/aggregate';
import { cliStore, providerForJob, providerFromCli } from '../../jobs/providerForJob';
import { runPipelineCycle, type CycleDeps, type CycleReport, type PipelineEvent } from '../../jobs/pipeline/cycle';
import { cliBudget } from '../budgetGate';
import { deleteInputFilesFromEnv } from '../../jobs/inputFiles';
import { providerFailure } from '../errors';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';

const USAGE = 'pipeline run <file> [--wait] [--interval S] [--json]  |  pipeline list [DIR] [--json]';

/** `batchwise pipeline run|list`: one idempotent cycle of a pipeline file; the pipelines of a folder. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'run') return runOne(rest, io);
  if (sub === 'list') return list(rest, io);
  throw new UsageError(`${sub ? `unknown pipeline command "${sub}"` : 'give a pipeline command'}\nusage: batchwise ${USAGE}`);
}

/** The same cycle steps for the CLI and `serve`: the provider from the pipeline (key from the environment). */
export async function cliCycleDeps(io: CliIO, extra: Partial<CycleDeps> = {}): Promise<CycleDeps> {
  const store = cliStore(io.env);
  const budget = await cliBudget(store, io.env);
  return {
    store,
    env: io.env,
    providerFor: (l: LoadedPipeline) => providerFromCli(l.pipeline.provider, l.pipeline.baseUrl, io.env, l.pipeline.profile),
    providerForJob: (job) => providerForJob(job, io.env),
    ...(budget ? { budget } : {}),
    timeZone: localTimeZone(io.env),
    deleteInputFiles: deleteInputFilesFromEnv(io.env),
    ...(io.signal ? { signal: io.signal } : {}),
    ...extra,
  };
}

export async function loadForCli(file: string): Promise<LoadedPipeline> {
  try {
    return await loadPipeline(file);
  } catch (err) {
    if (err instanceof PipelineFileError) throw new CliError(`${err.message}\n${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} in the pipeline file: nothing was run`, EXIT_USAGE);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw new UsageError(`${file}: ${code === 'ENOENT' ? 'no such file' : 'is a folder'}; give a pipeline file such as nightly.batchwise.yaml`);
    throw err;
  }
}

async function runOne(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { wait: { type: 'boolean' }, json: { type: 'boolean' }, interval: { type: 'string' } }, USAGE);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError(`give one pipeline file\nusage: batchwise ${USAGE}`);
  const intervalMs = values.interval === undefined ? undefined : Number(values.interval) * 1000;
  if (intervalMs !== undefined && !(Number.isFinite(intervalMs) && intervalMs >= 10)) throw new UsageError(`--interval must be a number of seconds (at least 0.01), got "${values.interval}"`);
  const loaded = await loadForCli(file);
  const onEvent = values.json ? undefined : (e: PipelineEvent) => io.err(`${describeEvent(e)}\n`);
  let report: CycleReport;
  try {
    report = await runPipelineCycle(loaded, await cliCycleDeps(io, { ...(onEvent ? { onEvent } : {}), ...(intervalMs ? { intervalMs } : {}) }), { wait: values.wait === true });
  } catch (err) {
    if (err instanceof PipelineStateError) throw new CliError(err.message, EXIT_USAGE);
    if (io.signal?.aborted) throw err;
    throw providerFailure(err, { provider: loaded.pipeline.provider, baseUrl: loaded.pipeline.baseUrl, next: `The cycle is kept where it stopped: run "batchwise pipeline run ${file}" again to continue it.` });
  }
  if (values.json) {
    printJson(io, report);
  } else io.out(describeReport(report, file));
  return exitCodeOf(report);
}

/** 0 when the cycle completed (or is still running, for a call without --wait), 1 with failures left or refused, 2 when it could not go on. */
export function exitCodeOf(r: CycleReport): number {
  if (r.status === 'completed' || r.status === 'running') return EXIT_OK;
  return r.status === 'error' ? EXIT_USAGE : EXIT_FAILED;
}

const STEP_TEXT: Record<NonNullable<CycleReport['step']>, string> = {
  preparing: 'preparing the input',
  submitting: 'submitting',
  running: 'waiting for the batch',
  writing: 'writing the outputs',
  hook: 'running the hooks',
  done: 'done',
};

function describeReport(r: CycleReport, file: string): string {
  const lines: string[] = [];
  const retries = r.jobs.length > 1 ? `, ${r.jobs.length - 1} retr${r.jobs.length === 2 ? 'y' : 'ies'}` : '';
  const counts = r.job ? `: ${r.succeeded} succeeded, ${r.failed} failed (job ${r.job}${retries})` : '';
  if (r.status === 'running') {
    lines.push(`${r.pipeline}: cycle ${r.cycle} is running${r.step ? ` (${STEP_TEXT[r.step]})` : ''}${r.job ? `, job ${r.job}` : ''}${r.attached ? ' in another process' : ''}`);
    lines.push(`Continue it with: batchwise pipeline run ${file}${r.attached ? ' --wait' : ''} (add --wait to follow it to the end)`);
  } else lines.push(`${r.pipeline}: cycle ${r.cycle} ${r.status}${r.status === 'refused' ? '' : counts}`);
  if (r.message) lines.push(`  ${r.message}`);
  for (const o of r.outputs) lines.push(`  output: ${o}`);
  if (r.hook.ran) lines.push(`  hook: ${r.hook.exitCode === null ? 'did not finish' : `exit ${r.hook.exitCode}`}`);
  return lines.join('\n') + '\n';
}

/** One line per event on stderr while a cycle runs. */
export function describeEvent(e: PipelineEvent): string {
  switch (e.event) {
    case 'cycle_started':
      return `cycle ${e.cycle} started (${e.trigger})`;
    case 'cycle_resumed':
      return `cycle ${e.cycle} continues at ${e.step}`;
    case 'submitted':
      return `${e.retry ? 'retry' : 'submitted'} ${e.job}: ${e.requests} request${e.requests === 1 ? '' : 's'}`;
    case 'job_ended':
      return `${e.job} ${e.status}`;
    case 'cycle_ended':
      return `cycle ${e.cycle} ${e.status}${e.message ? `: ${e.message}` : ''}`;
    case 'attached':
      return e.cycle ? `cycle ${e.cycle} is being run by ${e.heldBy}: following it` : `the pipeline is busy (${e.heldBy})`;
    case 'note':
      return `cycle ${e.cycle}: ${e.message}`;
  }
}

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
  if (positionals.length > 1) throw new UsageError(`give one folder\nusage: batchwise ${USAGE}`);
  const dir = resolve(positionals[0] ?? '.');
  const store = cliStore(io.env);
  const files = await findPipelineFiles(dir);
  const now = new Date();
  const all = await Promise.all(files.map((f) => pipelineOverview(store.home, f, now).catch((err: unknown) => ({ file: f, name: f, problem: err instanceof Error ? err.message : String(err), paused: false, cycles: [] }))));
  if (values.json) {
    printJson(io, {
      dir,
      pipelines: all.map((p) => ({
        file: p.file,
        name: p.name,
        ...('problem' in p && p.problem ? { problem: p.problem } : {}),
        schedule: 'schedule' in p ? (p.schedule ?? null) : null,
        nextRun: 'nextRun' in p && p.nextRun ? p.nextRun.toISOString() : null,
        paused: p.paused,
        lastCycle: 'last' in p && p.last ? { id: p.last.id, status: p.last.status, startedAt: p.last.startedAt, finishedAt: p.last.finishedAt ?? null, job: p.last.jobs[0] ?? null, succeeded: p.last.succeeded ?? null, failed: p.last.failed ?? null } : null,
      })),
    });
    return EXIT_OK;
  }
  if (!all.length) {
    io.out(`no pipeline files (*.batchwise.yaml, .yml, .json) in ${dir}\n`);
    return EXIT_OK;
  }
  for (const p of all) {
    if ('problem' in p && p.problem) {
      io.out(`${p.file}\n  cannot be used: ${p.problem.split('\n')[0]}\n`);
      continue;
    }
    const o = p as Awaited<ReturnType<typeof pipelineOverview>>;
    const when = o.schedule ? `${o.schedule}${o.timezone ? ` (${o.timezone})` : ''}, next ${o.paused ? 'paused' : (o.nextRun?.toISOString() ?? 'never')}` : 'no schedule (run by hand)';
    const last = o.last ? `last cycle ${o.last.id} ${o.last.status}${o.last.succeeded !== undefined ? ` (${o.last.succeeded} succeeded, ${o.last.failed} failed)` : ''}` : 'no cycle yet';
    io.out(`${o.name}  ${o.file}\n  ${when}; ${last}\n`);
  }
  return all.some((p) => 'problem' in p && p.problem) ? EXIT_FAILED : EXIT_OK;
}
