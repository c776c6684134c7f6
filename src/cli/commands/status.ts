import type { Job } from '../../core/jobs/job';
import type { JobStore } from '../../core/jobs/store';
import { isTerminal } from '../../core/status';
import { cliStore, providerForJob } from '../../jobs/providerForJob';
import { refreshJob } from '../../jobs/refresh';
import { keepResults, needsResults } from '../../jobs/results';
import { deleteEndedInputFiles, deleteInputFilesFromEnv } from '../../jobs/inputFiles';
import { describeResultsExpiry } from '../../core/results/retention';
import { pauseLocalRuns } from '../../providers/local';
import type { BatchProvider } from '../../providers/types';
import { providerFailure } from '../errors';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, parseCommandArgs, printJson, type CliIO } from '../io';
import { failedLines, jobCounts } from '../../core/jobs/counts';
import { describeJob, progressBar } from './jobFormat';
import { Writable } from 'node:stream';
import { describeRun, runShellCommand } from '../../jobs/pipeline/shellCommand';

const USAGE = 'status <job> [--watch] [--interval SECONDS] [--on-complete CMD] [--json]';
const MAX_INTERVAL_MS = 60_000;

/**
 * `batchwise status`: polls the job's remote batches once (or until they end with --watch) and prints the job.
 * With --watch the wait between polls starts at --interval (default 5 s) and grows by half while nothing changes,
 * up to a minute, so a 24-hour batch is not polled every 5 seconds. Exit 1 when the job failed or expired.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { watch: { type: 'boolean' }, json: { type: 'boolean' }, interval: { type: 'string' }, 'on-complete': { type: 'string' } }, USAGE);
  const onComplete = values['on-complete'];
  if (onComplete !== undefined && !values.watch) throw new UsageError('--on-complete needs --watch: the command runs when the watched job ends');
  if (onComplete !== undefined && onComplete.trim() === '') throw new UsageError('--on-complete needs a command, e.g. --on-complete "./load-results.sh"');
  const ref = positionals[0];
  if (!ref || positionals.length > 1) throw new UsageError(`give one job id (see: batchwise list)\nusage: ${USAGE}`);
  const intervalMs = values.interval === undefined ? 5000 : Number(values.interval) * 1000;
  if (!Number.isFinite(intervalMs) || intervalMs < 10) throw new UsageError(`--interval must be a number of seconds (at least 0.01), got "${values.interval}"`);

  const store = cliStore(io.env);
  const tracker = new Tracker(store, await store.resolve(ref), io);
  // Polling a local run resumes it in this process: it must not outlive the command, and Ctrl+C pauses it.
  const pause = () => void pauseLocalRuns();
  io.signal?.addEventListener('abort', pause, { once: true });
  let job: Job;
  try {
    job = values.watch ? await tracker.watch(intervalMs, Boolean(values.json)) : await tracker.pollIfRunning();
  } catch (err) {
    // Ctrl+C during a poll: what is known is in the store; show it and stop (the batch keeps running remotely).
    if (!io.signal?.aborted) throw providerFailure(err, { provider: tracker.job.provider, baseUrl: tracker.job.baseUrl, next: `The job is unchanged in the store; run "batchwise status ${tracker.job.id}" again later.` });
    job = tracker.job;
  } finally {
    io.signal?.removeEventListener('abort', pause);
    if (tracker.job.provider === 'local') await pauseLocalRuns();
  }

  // Kept the moment the job is seen ended: the provider deletes results later, a sandbox forgets them on restart.
  if (!io.signal?.aborted) job = await tracker.keepResults(Boolean(values.json));
  if (!io.signal?.aborted && deleteInputFilesFromEnv(io.env)) job = await tracker.deleteInputFiles();

  const counts = jobCounts(job);
  // Once, when the watched job has ended (not when watching was stopped).
  const hook = onComplete !== undefined && isTerminal(job.status) && !io.signal?.aborted ? await runJobHook(onComplete, job, io, Boolean(values.json)) : undefined;
  if (values.json) printJson(io, { job: job.id, status: job.status, counts: { total: counts.total, succeeded: counts.succeeded, failed: failedLines(counts) }, ...(onComplete !== undefined ? { hook: hook ?? { ran: false, exitCode: null } } : {}) });
  else {
    io.out(describeJob(job));
    const expiry = describeResultsExpiry(job, Date.now());
    if (expiry) io.out(`  results   ${expiry.replace(/^results /, '')}: run "batchwise results ${job.id}" to keep them\n`);
  }
  if (io.signal?.aborted && !isTerminal(job.status)) {
    io.err(`stopped ${values.watch ? 'watching' : 'polling'}: the batch keeps running at the provider. Resume with: batchwise status ${job.id} --watch\n`);
    return EXIT_INTERRUPTED;
  }
  return job.status === 'failed' || job.status === 'expired' ? EXIT_FAILED : EXIT_OK;
}

/**
 * `--on-complete CMD`: the command through the shell, in the current folder, with the job's outcome in its
 * environment; its output goes to stdout (stderr with --json, which keeps stdout for the one JSON document).
 */
async function runJobHook(command: string, job: Job, io: CliIO, json: boolean): Promise<{ ran: boolean; exitCode: number | null }> {
  const counts = jobCounts(job);
  const env = { ...io.env, BATCHWISE_JOB: job.id, BATCHWISE_STATUS: job.status, BATCHWISE_SUCCEEDED: String(counts.succeeded), BATCHWISE_FAILED: String(failedLines(counts)), BATCHWISE_RESULTS: job.resultsPath ?? '' };
  const print = json ? io.err : io.out;
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      print(chunk.toString('utf8'));
      done();
    },
  });
  try {
    const r = await runShellCommand(command, { cwd: process.cwd(), env, stdoutTo: out, ...(io.signal ? { signal: io.signal } : {}) });
    if (r.exitCode !== 0) io.err(`warning: ${describeRun(`the --on-complete command`, r)}\n`);
    return { ran: true, exitCode: r.exitCode };
  } catch (err) {
    if (io.signal?.aborted) throw err;
    io.err(`warning: the --on-complete command could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return { ran: true, exitCode: null };
  }
}

class Tracker {
  private provider: BatchProvider | undefined;

  constructor(
    private readonly store: JobStore,
    public job: Job,
    private readonly io: CliIO,
  ) {}

  /** Downloads the results of an ended job into its folder; a failure is a warning (`batchwise results` tries again). */
  async keepResults(quiet: boolean): Promise<Job> {
    if (!needsResults(this.job)) return this.job;
    const r = await keepResults(this.store, this.job, () => (this.provider ??= providerForJob(this.job, this.io.env)), { signal: this.io.signal });
    this.job = r.job;
    if (r.problem) this.io.err(`warning: the results of ${this.job.id} are not downloaded yet: ${r.problem}. "batchwise results ${this.job.id}" tries again.\n`);
    else if (r.kept && !quiet) this.io.err(`results kept: ${r.kept.path}\n`);
    return this.job;
  }

  /** BATCHWISE_DELETE_INPUT_FILES=1: the ended parts' input files go once the results are kept; a failure is a warning. */
  async deleteInputFiles(): Promise<Job> {
    if (!isTerminal(this.job.status) || !this.job.parts.some((p) => p.inputFileId && !p.inputFileDeletedAt)) return this.job;
    try {
      const r = await deleteEndedInputFiles(this.store, this.job, (this.provider ??= providerForJob(this.job, this.io.env)), this.io.signal);
      for (const w of r.warnings) this.io.err(`warning: ${w}\n`);
      this.job = r.job;
    } catch (err) {
      if (this.io.signal?.aborted) throw err;
      this.io.err(`warning: the input files of ${this.job.id} were not deleted: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    return this.job;
  }

  async pollIfRunning(): Promise<Job> {
    if (!isTerminal(this.job.status)) {
      this.provider ??= providerForJob(this.job, this.io.env);
      this.job = await refreshJob(this.store, this.job, this.provider, this.io.signal);
    }
    return this.job;
  }

  /** Polls until the job ends (or Ctrl+C), backing off while nothing changes; a progress bar on a terminal. */
  async watch(intervalMs: number, json: boolean): Promise<Job> {
    const { io } = this;
    let drewBar = false;
    /** Still failing after the adapter's retries: keep watching (an outage of minutes is waited out), and say why. */
    const poll = async (): Promise<void> => {
      try {
        await this.pollIfRunning();
      } catch (err) {
        if (io.signal?.aborted) return;
        io.err(`${drewBar ? '\n' : ''}warning: ${err instanceof Error ? err.message : String(err)}; still watching\n`);
      }
    };
    await poll();
    let wait = intervalMs;
    let last = fingerprint(this.job);
    const draw = () => {
      if (json || !io.isTTY) return;
      io.err(`\r${progressBar(this.job)}\u001b[K`);
      drewBar = true;
    };
    if (!json && !io.isTTY) io.err(`${this.job.id}: ${progressBar(this.job)}\n`);
    draw();
    while (!isTerminal(this.job.status) && !io.signal?.aborted) {
      await sleep(wait, io.signal);
      if (io.signal?.aborted) break;
      await poll();
      if (io.signal?.aborted) break;
      const now = fingerprint(this.job);
      if (now === last) wait = Math.min(MAX_INTERVAL_MS, Math.round(wait * 1.5));
      else {
        wait = intervalMs;
        if (!json && !io.isTTY) io.err(`${this.job.id}: ${progressBar(this.job)}\n`);
      }
      last = now;
      draw();
    }
    if (drewBar) io.err('\n');
    return this.job;
  }
}

function fingerprint(job: Job): string {
  return JSON.stringify(job.parts.map((p) => [p.status, p.rawStatus, p.counts]));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
