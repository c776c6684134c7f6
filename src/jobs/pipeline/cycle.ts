import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../../core/jobs/job';
import type { JobStore } from '../../core/jobs/store';
import { liveHolder, tryLock } from '../../core/lockFile';
import { isTerminal } from '../../core/status';
import type { LoadedPipeline } from '../../core/pipeline/load';
import { retryPolicyOf } from '../../core/pipeline/schema';
import { cycleDir, newCycleId, openCycle, pipelineKey, readPipelineState, updatePipelineState, withCycle, type Cycle, type CycleStatus, type CycleTrigger, type PipelineState } from '../../core/pipeline/state';
import { validateFile } from '../../core/validate';
import { exportResults } from '../../core/export/exporter';
import { exportMerged } from '../../core/results/export';
import { lookupPrice } from '../../core/pricingData';
import type { Budget } from '../../core/monitor/budget';
import type { BatchProvider } from '../../providers/types';
import { refreshJob } from '../refresh';
import { keepResults } from '../results';
import { deleteEndedInputFiles } from '../inputFiles';
import { buildRetryFile, loadChain, submitRetry } from '../retry';
import { DuplicateSubmission, SPLIT_HANDLES, SubmitRefused, submitJob } from '../submit';
import { checkCycleSpend } from './cycleBudget';
import { InputNotReady, prepareInput } from './prepareInput';
import { DataFileError, NothingToBuild, TemplateError, TextEncodingError } from '../../core/build';
import { runCompletionHooks } from './hooks';
import type { Quota, QuotaSettings } from '../../core/queue/quotas';

/** What `pipeline run --json` prints, and what the extension and `serve` show. */
export interface CycleReport {
  pipeline: string;
  cycle: string | null;
  /** The cycle's first job (its retries hang under it). */
  job: string | null;
  jobs: string[];
  status: CycleStatus;
  step: Cycle['step'] | null;
  succeeded: number;
  failed: number;
  outputs: string[];
  hook: { ran: boolean; exitCode: number | null };
  /** True when another process runs this cycle and this call only looked at it (or waited for it). */
  attached: boolean;
  message?: string;
}

export type PipelineEvent =
  | { event: 'cycle_started'; cycle: string; trigger: CycleTrigger }
  | { event: 'cycle_resumed'; cycle: string; step: Cycle['step'] }
  | { event: 'submitted'; cycle: string; job: string; requests: number; retry: boolean }
  | { event: 'job_ended'; cycle: string; job: string; status: string }
  | { event: 'cycle_ended'; cycle: string; status: CycleStatus; succeeded: number; failed: number; message?: string }
  | { event: 'attached'; cycle: string | null; heldBy: string }
  | { event: 'note'; cycle: string; message: string };

export interface CycleDeps {
  store: JobStore;
  /** The environment of input commands and hooks (and where a webhook's secretEnv is read). */
  env: NodeJS.ProcessEnv;
  /** The adapter for the pipeline's new submissions. */
  providerFor(loaded: LoadedPipeline): BatchProvider;
  /** The adapter for a job already submitted (as recorded in the job). */
  providerForJob(job: Job): BatchProvider;
  /** The spending limits of the user (besides the pipeline's own budgetUsd). */
  budget?: Budget;
  timeZone?: string;
  signal?: AbortSignal;
  /** Waits between polls while following a job; tests move the emulator's clock here instead of sleeping. */
  pause?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onEvent?: (e: PipelineEvent) => void;
  /** Poll interval while following (default 5 s, growing to 60 s while nothing changes). */
  intervalMs?: number;
  /** `batchwise.quotas` (VS Code); the pipeline's own `quota` wins over it, and learned quotas tighten both. */
  quotas?: QuotaSettings;
  /** Delete the input files of ended parts at the provider once their results are kept (batchwise.deleteInputFilesWhenDone). */
  deleteInputFiles?: boolean;
  /** Webhook delivery (tests pass one with an instant sleep). */
  deliver?: Parameters<typeof runCompletionHooks>[0]['deliver'];
}

export interface RunCycleOptions {
  /** Follow the cycle to its end (else: advance it as far as it goes now, and leave it running). */
  wait: boolean;
  trigger?: CycleTrigger;
  scheduledFor?: Date;
  /** Only continue a cycle already open; never start one (`serve` following its cycles). */
  continueOnly?: boolean;
}

const MAX_INTERVAL_MS = 60_000;

/** A wait that ends early (without throwing) when the signal aborts; the caller checks the signal after. */
const defaultPause = (ms: number, signal?: AbortSignal) => sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined);

/**
 * One cycle of a pipeline: prepare the input, validate, check the budget, submit, follow, resend failures per
 * `retries`, write the outputs, run the hooks. Every step is recorded in the pipeline's state before the next one
 * starts, and the cycle holds the pipeline's lock, so a second call attaches to the running cycle and a call after a
 * crash continues it: the job of a submit that was killed is found by the cycle id it carries, never sent twice.
 */
export async function runPipelineCycle(loaded: LoadedPipeline, deps: CycleDeps, opts: RunCycleOptions): Promise<CycleReport> {
  const pause = deps.pause ?? defaultPause;
  const lockPath = deps.store.lockPath(`pipeline-${pipelineKey(loaded.file)}`);
  for (;;) {
    deps.signal?.throwIfAborted();
    const lock = await tryLock(lockPath, `pipeline ${loaded.pipeline.name}`);
    if ('heldBy' in lock) {
      const state = await readPipelineState(deps.store.home, loaded.file, loaded.pipeline.name);
      const open = openCycle(state);
      deps.onEvent?.({ event: 'attached', cycle: open?.id ?? null, heldBy: `pid ${lock.heldBy.pid} on ${lock.heldBy.host}` });
      if (!opts.wait || !open) return reportOf(loaded, open ?? state.cycles.at(-1), true);
      // Follow the other process's cycle from its state file; if that process dies, its lock goes stale and the
      // next turn of this loop takes the cycle over.
      const ended = await waitForCycle(deps, loaded, open.id, lockPath, pause);
      if (ended) return reportOf(loaded, ended.cycle, true);
      continue;
    }
    try {
      return await runLocked(loaded, deps, opts, pause);
    } finally {
      await lock.release();
    }
  }
}

async function waitForCycle(deps: CycleDeps, loaded: LoadedPipeline, id: string, lockPath: string, pause: NonNullable<CycleDeps['pause']>): Promise<{ state: PipelineState; cycle: Cycle } | undefined> {
  for (let wait = deps.intervalMs ?? 5000; ; wait = Math.min(MAX_INTERVAL_MS, Math.round(wait * 1.5))) {
    const state = await readPipelineState(deps.store.home, loaded.file, loaded.pipeline.name);
    const cycle = state.cycles.find((c) => c.id === id);
    if (!cycle || cycle.status !== 'running') return cycle ? { state, cycle } : undefined;
    if (!(await liveHolder(lockPath))) return undefined;
    deps.signal?.throwIfAborted();
    await pause(wait, deps.signal);
  }
}

async function runLocked(loaded: LoadedPipeline, deps: CycleDeps, opts: RunCycleOptions, pause: NonNullable<CycleDeps['pause']>): Promise<CycleReport> {
  const { store } = deps;
  const { file, pipeline } = loaded;
  const save = async (cycle: Cycle): Promise<Cycle> => {
    const s = await updatePipelineState(store.home, file, pipeline.name, (st) => withCycle(st, cycle));
    return s.cycles.find((c) => c.id === cycle.id)!;
  };
  const state = await readPipelineState(store.home, file, pipeline.name);
  let cycle = openCycle(state);
  if (cycle) deps.onEvent?.({ event: 'cycle_resumed', cycle: cycle.id, step: cycle.step });
  else {
    if (opts.continueOnly) return reportOf(loaded, state.cycles.at(-1), false);
    const now = new Date();
    cycle = await save({
      id: newCycleId(now),
      trigger: opts.trigger ?? 'manual',
      ...(opts.scheduledFor ? { scheduledFor: opts.scheduledFor.toISOString() } : {}),
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      step: 'preparing',
      status: 'running',
      jobs: [],
      outputs: [],
    });
    deps.onEvent?.({ event: 'cycle_started', cycle: cycle.id, trigger: cycle.trigger });
  }

  const stepper = new CycleSteps(loaded, deps, pause, save);
  try {
    cycle = await stepper.advance(cycle, opts.wait);
  } catch (err) {
    if (deps.signal?.aborted) throw err;
    // An error that stops the cycle (not one the next call could get past by waiting) ends it, and the hooks
    // still say so; a provider outage while following leaves the cycle running for the next call.
    if (err instanceof CycleStopped) cycle = await stepper.finish({ ...(await current(deps, loaded, cycle)), ending: err.status, message: err.message });
    else throw err;
  }
  return reportOf(loaded, cycle, false);
}

async function current(deps: CycleDeps, loaded: LoadedPipeline, cycle: Cycle): Promise<Cycle> {
  const s = await readPipelineState(deps.store.home, loaded.file, loaded.pipeline.name);
  return s.cycles.find((c) => c.id === cycle.id) ?? cycle;
}

/** Ends the cycle with this status (the hooks still run): refused before sending, or an error nothing will fix by waiting. */
class CycleStopped extends Error {
  constructor(
    readonly status: Extract<CycleStatus, 'refused' | 'error'>,
    message: string,
  ) {
    super(message);
  }
}

class CycleSteps {
  constructor(
    private readonly loaded: LoadedPipeline,
    private readonly deps: CycleDeps,
    private readonly pause: NonNullable<CycleDeps['pause']>,
    private readonly save: (c: Cycle) => Promise<Cycle>,
  ) {}

  /** The quota the cycle's submits queue under (core/queue): the pipeline's `quota`, else the settings for the model. */
  private get quota(): { quota?: Quota; quotaSettings?: QuotaSettings } {
    const { quota } = this.loaded.pipeline;
    return { ...(quota ? { quota } : {}), ...(this.deps.quotas ? { quotaSettings: this.deps.quotas } : {}) };
  }

  private get tag(): NonNullable<Job['pipeline']> {
    return { file: this.loaded.file, name: this.loaded.pipeline.name, cycle: '' };
  }

  async advance(cycle: Cycle, wait: boolean): Promise<Cycle> {
    for (;;) {
      this.deps.signal?.throwIfAborted();
      switch (cycle.step) {
        case 'preparing':
          cycle = await this.prepare(cycle);
          break;
        case 'submitting':
          cycle = await this.submit(cycle);
          break;
        case 'running': {
          const next = await this.follow(cycle, wait);
          if (!next) return cycle; // still running, and not waiting
          cycle = next;
          break;
        }
        case 'writing':
          cycle = await this.write(cycle);
          break;
        case 'hook':
          return this.finish(cycle);
        case 'done':
          return cycle;
      }
    }
  }

  private async prepare(cycle: Cycle): Promise<Cycle> {
    const { deps, loaded } = this;
    let inputPath: string;
    try {
      inputPath = await prepareInput(loaded, cycleDir(deps.store.home, loaded.file, cycle.id), deps.env, deps.signal);
    } catch (err) {
      if (err instanceof InputNotReady || err instanceof TemplateError || err instanceof DataFileError || err instanceof NothingToBuild || err instanceof TextEncodingError) throw new CycleStopped('refused', err.message);
      throw err;
    }
    const validation = await validateFile(inputPath, { provider: loaded.pipeline.provider, signal: deps.signal });
    const errors = validation.diagnostics.filter((d) => d.severity === 'error' && !SPLIT_HANDLES.has(d.code));
    if (errors.length) throw new CycleStopped('refused', `${inputPath}:${errors[0]!.line}:${errors[0]!.column}: ${errors[0]!.message} (${errors.length} error${errors.length === 1 ? '' : 's'}; batchwise validate ${inputPath}): nothing was submitted`);
    if (validation.requests === 0) throw new CycleStopped('refused', `${inputPath} has no requests: nothing was submitted`);
    const spend = await checkCycleSpend({ store: deps.store, input: inputPath, pipeline: loaded.pipeline, budget: deps.budget, timeZone: deps.timeZone, signal: deps.signal });
    if (spend.refusal) throw new CycleStopped('refused', spend.refusal);
    return this.save({ ...cycle, inputPath, step: 'submitting' });
  }

  /** The job this cycle submitted that it has not recorded yet (it was killed between the two). */
  private async unrecorded(cycle: Cycle): Promise<Job | undefined> {
    const { jobs } = await this.deps.store.list();
    return jobs.filter((j) => j.pipeline?.cycle === cycle.id && !cycle.jobs.includes(j.id)).sort((a, b) => a.attempt - b.attempt)[0];
  }

  private async submit(cycle: Cycle): Promise<Cycle> {
    const { deps, loaded } = this;
    let job = await this.unrecorded(cycle);
    if (!job) {
      try {
        job = await submitJob({
          store: deps.store,
          provider: deps.providerFor(loaded),
          inputPath: cycle.inputPath!,
          name: `${loaded.pipeline.name} ${cycle.id.slice(2, 17)}`,
          ...(loaded.pipeline.model ? { model: loaded.pipeline.model } : {}),
          pipeline: { ...this.tag, cycle: cycle.id },
          signal: deps.signal,
          ...this.quota,
        });
      } catch (err) {
        if (err instanceof SubmitRefused || err instanceof DuplicateSubmission) throw new CycleStopped('refused', err.message);
        throw err;
      }
    }
    deps.onEvent?.({ event: 'submitted', cycle: cycle.id, job: job.id, requests: job.requests, retry: false });
    return this.save({ ...cycle, jobs: [job.id], step: 'running' });
  }

  /**
   * Follows the newest job of the cycle to its end, keeps its results, and sends the failures again while the retry
   * policy allows. Undefined: the job is still running and the caller does not wait.
   */
  private async follow(cycle: Cycle, wait: boolean): Promise<Cycle | undefined> {
    const { deps } = this;
    const policy = retryPolicyOf(this.loaded.pipeline);
    let interval = deps.intervalMs ?? 5000;
    for (;;) {
      const id = cycle.jobs.at(-1)!;
      let job = await deps.store.get(id);
      if (!job) throw new CycleStopped('error', `job ${id} of cycle ${cycle.id} is not in the job store any more (${deps.store.jobsDir}): the cycle cannot go on`);
      if (!isTerminal(job.status)) {
        const before = job.updatedAt;
        try {
          job = await refreshJob(deps.store, job, deps.providerForJob(job), deps.signal);
        } catch (err) {
          if (!wait) throw err;
          deps.onEvent?.({ event: 'note', cycle: cycle.id, message: `polling ${id} failed (${err instanceof Error ? err.message : String(err)}); trying again` });
        }
        if (!isTerminal(job.status)) {
          if (!wait) return undefined;
          interval = job.updatedAt === before ? Math.min(MAX_INTERVAL_MS, Math.round(interval * 1.5)) : (deps.intervalMs ?? 5000);
          await this.pause(interval, deps.signal);
          deps.signal?.throwIfAborted();
          continue;
        }
      }
      deps.onEvent?.({ event: 'job_ended', cycle: cycle.id, job: job.id, status: job.status });
      const kept = await keepResults(deps.store, job, () => deps.providerForJob(job), { signal: deps.signal });
      if (kept.problem) {
        if (!wait) return undefined;
        deps.onEvent?.({ event: 'note', cycle: cycle.id, message: `the results of ${job.id} are not downloaded yet: ${kept.problem}; trying again` });
        await this.pause(interval, deps.signal);
        continue;
      }
      if (deps.deleteInputFiles) {
        const cleaned = await deleteEndedInputFiles(deps.store, kept.job, deps.providerForJob(kept.job), deps.signal);
        for (const w of cleaned.warnings) deps.onEvent?.({ event: 'note', cycle: cycle.id, message: w });
      }
      const retries = cycle.jobs.length - 1;
      if (retries < policy.max) {
        const next = await this.resend(cycle, kept.job, policy);
        if (next) {
          cycle = next;
          interval = deps.intervalMs ?? 5000;
          continue;
        }
      }
      return this.save({ ...cycle, step: 'writing' });
    }
  }

  /** A retry job for what is still failed (per the policy), linked to the cycle's newest job; undefined when nothing is left. */
  private async resend(cycle: Cycle, last: Job, policy: ReturnType<typeof retryPolicyOf>): Promise<Cycle | undefined> {
    const { deps, loaded } = this;
    let job = await this.unrecorded(cycle);
    if (!job) {
      const provider = deps.providerForJob(last);
      const plan = await buildRetryFile({ store: deps.store, job: last, provider, signal: deps.signal, ...(policy.only ? { only: policy.only } : {}), raiseMaxTokens: policy.raiseMaxTokens, enforceSchema: policy.enforceSchema });
      if (plan.requests === 0) return undefined;
      const spend = await checkCycleSpend({ store: deps.store, input: plan.retryFile, pipeline: loaded.pipeline, budget: deps.budget, timeZone: deps.timeZone, signal: deps.signal, spentInCycle: cycle.jobs });
      if (spend.refusal) {
        deps.onEvent?.({ event: 'note', cycle: cycle.id, message: `no more retries: ${spend.refusal}` });
        return undefined;
      }
      job = await submitRetry({ store: deps.store, plan, provider, signal: deps.signal, pipeline: { ...this.tag, cycle: cycle.id }, ...(spend.estimate ? { estimate: spend.estimate } : {}), ...this.quota });
    }
    deps.onEvent?.({ event: 'submitted', cycle: cycle.id, job: job.id, requests: job.requests, retry: true });
    return this.save({ ...cycle, jobs: [...cycle.jobs, job.id] });
  }

  /** Every output from the merged results of the cycle's jobs; the counts of the cycle. */
  private async write(cycle: Cycle): Promise<Cycle> {
    const { deps, loaded } = this;
    const root = await deps.store.get(cycle.jobs[0]!);
    if (!root) throw new CycleStopped('error', `job ${cycle.jobs[0]} of cycle ${cycle.id} is not in the job store any more`);
    const chain = await loadChain(deps.store, root, deps.providerForJob(root), { signal: deps.signal });
    const succeeded = chain.summary.counts.succeeded ?? 0;
    const failed = chain.summary.total - succeeded;
    // One merged JSONL for the hook: the job's own results file when there was no retry, else the merged view.
    let results = chain.jobs.length === 1 ? chain.jobs[0]!.resultsPath : undefined;
    if (!results) {
      results = join(cycleDir(deps.store.home, loaded.file, cycle.id), 'results.jsonl');
      await exportMerged(chain.rows, results, deps.signal, chain.root.inputPath);
    }
    const price = lookupPrice(chain.root.model) ?? undefined;
    const outputs: string[] = [];
    const problems: string[] = [];
    for (const out of loaded.pipeline.outputs ?? []) {
      try {
        await exportResults({ rows: chain.rows, root: chain.root, ...(price ? { price } : {}) }, out, { signal: deps.signal });
        outputs.push(out);
      } catch (err) {
        if (deps.signal?.aborted) throw err;
        problems.push(`${out}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const next = await this.save({ ...cycle, succeeded, failed, results, outputs, step: 'hook' });
    if (problems.length) throw new CycleStopped('error', `could not write ${problems.join('; ')}. The results are kept in the job store (batchwise export ${root.id} --to FILE)`);
    return next;
  }

  /** Runs the hooks once (a hook killed mid-run is not run again), then closes the cycle with its status. */
  async finish(cycle: Cycle): Promise<Cycle> {
    const { deps, loaded } = this;
    const status = cycle.ending ?? ((cycle.failed ?? 0) > 0 || cycle.succeeded === undefined ? 'failed' : 'completed');
    let c = await this.save({ ...cycle, ending: status, step: 'hook' });
    c = await runCompletionHooks({ cycle: c, status, loaded, env: deps.env, save: this.save, cycleFolder: cycleDir(deps.store.home, loaded.file, c.id), ...(deps.deliver ? { deliver: deps.deliver } : {}), ...(deps.signal ? { signal: deps.signal } : {}) });
    c = await this.save({ ...c, status, step: 'done', finishedAt: new Date().toISOString() });
    deps.onEvent?.({ event: 'cycle_ended', cycle: c.id, status, succeeded: c.succeeded ?? 0, failed: c.failed ?? 0, ...(c.message ? { message: c.message } : {}) });
    return c;
  }
}

export function reportOf(loaded: LoadedPipeline, cycle: Cycle | undefined, attached: boolean): CycleReport {
  return {
    pipeline: loaded.pipeline.name,
    cycle: cycle?.id ?? null,
    job: cycle?.jobs[0] ?? null,
    jobs: cycle?.jobs ?? [],
    status: cycle?.status ?? 'running',
    step: cycle?.step ?? null,
    succeeded: cycle?.succeeded ?? 0,
    failed: cycle?.failed ?? 0,
    outputs: cycle?.outputs ?? [],
    hook: { ran: cycle?.hook?.startedAt !== undefined, exitCode: cycle?.hook?.exitCode ?? null },
    attached,
    ...(cycle?.message ? { message: cycle.message } : {}),
  };
}
