import { isTerminal } from '../core/status';
import type { Job } from '../core/jobs/job';
import { findPipelineFiles, pipelineOverview, type PipelineOverview } from '../core/pipeline/overview';
import { scheduleOf } from '../core/pipeline/schema';
import { dueRun, ON_TIME_MS } from '../core/pipeline/schedule';
import { updatePipelineState } from '../core/pipeline/state';
import { refreshJob } from '../jobs/refresh';
import { runPipelineCycle, type CycleDeps, type PipelineEvent } from '../jobs/pipeline/cycle';

/** One line of the service's log (printed as JSON). */
export type ServiceLog = { level: 'info' | 'warn' | 'error'; event: string; pipeline?: string; file?: string; [k: string]: unknown };

export interface ServiceOptions {
  dir: string;
  deps: Omit<CycleDeps, 'onEvent'>;
  log: (entry: ServiceLog) => void;
  /** The service's clock (tests move it; the schedule is read against it). */
  now?: () => Date;
  /** How often a running cycle's job is polled when no webhook says it ended (default 60 s). */
  pollMs?: number;
}

/**
 * `batchwise serve`'s work, one `tick` at a time: finds the pipeline files of a folder, starts each one's cycle when
 * its schedule says so (unless paused), moves running cycles on, and refreshes a job at once when a provider's
 * webhook says it ended. Everything it knows is in the job store, so a restarted service carries on where the last
 * one stopped. A pipeline's work runs on its own (one slow upload does not hold up the others), one at a time.
 */
export class PipelineService {
  private readonly busy = new Map<string, Promise<void>>();
  private readonly lastPoll = new Map<string, number>();
  private known: PipelineOverview[] = [];
  lastTickAt: Date | undefined;

  constructor(private readonly opts: ServiceOptions) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  get pipelines(): readonly PipelineOverview[] {
    return this.known;
  }

  /** Work still going from earlier ticks (tests and shutdown wait for it). */
  async idle(): Promise<void> {
    while (this.busy.size || this.webhookWork.size) await Promise.all([...this.busy.values(), ...this.webhookWork]);
  }

  private readonly webhookWork = new Set<Promise<unknown>>();

  async tick(): Promise<void> {
    const now = this.now();
    this.lastTickAt = now;
    const files = await findPipelineFiles(this.opts.dir);
    const home = this.opts.deps.store.home;
    this.known = await Promise.all(files.map((f) => pipelineOverview(home, f, now)));
    for (const p of this.known) {
      if (p.problem) {
        this.warnOnce(p.file, p.problem);
        continue;
      }
      if (this.busy.has(p.file)) continue;
      const work = this.workFor(p, now);
      if (!work) continue;
      const run = work()
        .catch((err: unknown) => this.opts.log({ level: 'error', event: 'cycle_error', pipeline: p.name, file: p.file, message: err instanceof Error ? err.message : String(err) }))
        .finally(() => this.busy.delete(p.file));
      this.busy.set(p.file, run);
    }
  }

  private readonly warned = new Map<string, string>();
  private warnOnce(file: string, problem: string): void {
    if (this.warned.get(file) === problem) return;
    this.warned.set(file, problem);
    this.opts.log({ level: 'warn', event: 'pipeline_invalid', file, message: problem });
  }

  /** What to do for a pipeline now, if anything: continue its running cycle (when a poll is due), or start a scheduled one. */
  private workFor(p: PipelineOverview, now: Date): (() => Promise<void>) | undefined {
    const loaded = p.loaded!;
    if (p.running) {
      const due = (this.lastPoll.get(p.file) ?? 0) + (this.opts.pollMs ?? 60_000) <= now.getTime();
      if (!due) return undefined;
      return () => this.advance(p, { wait: false, continueOnly: true });
    }
    const schedule = scheduleOf(loaded.pipeline);
    if (!schedule) return undefined;
    const since = sinceFor(p);
    // First sight of a scheduled pipeline: its schedule counts from now on (recorded, so a restart does not move it).
    if (!since) return () => updatePipelineState(this.opts.deps.store.home, loaded.file, loaded.pipeline.name, (s) => ({ ...s, scheduleSince: s.scheduleSince ?? now.toISOString() })).then(() => undefined);
    const due = dueRun(schedule, since, now);
    if (!due.newestSlot) return undefined;
    const slot = due.newestSlot;
    const runFor = p.paused ? undefined : due.runFor;
    // A paused pipeline skips the slot it would have run too.
    const skipped = due.runFor && !runFor ? due.skipped + 1 : due.skipped;
    return async () => {
      // The slot is recorded before its cycle starts: a crash in between loses one run rather than making two.
      await updatePipelineState(this.opts.deps.store.home, loaded.file, loaded.pipeline.name, (s) => ({ ...s, lastSlot: slot.toISOString(), skippedSlots: s.skippedSlots + skipped }));
      if (skipped > 0) this.opts.log({ level: 'info', event: 'slots_skipped', pipeline: p.name, file: p.file, slots: skipped, reason: p.paused ? 'paused' : 'missed', newest: slot.toISOString() });
      if (!runFor) return;
      const late = now.getTime() - runFor.getTime() > ON_TIME_MS;
      await this.advance(p, { wait: false, trigger: late ? 'catch-up' : 'schedule', scheduledFor: runFor });
    };
  }

  private async advance(p: PipelineOverview, opts: Parameters<typeof runPipelineCycle>[2]): Promise<void> {
    this.lastPoll.set(p.file, this.now().getTime());
    const onEvent = (e: PipelineEvent) => this.opts.log({ level: e.event === 'cycle_ended' && e.status !== 'completed' ? 'warn' : 'info', pipeline: p.name, file: p.file, ...e });
    await runPipelineCycle(p.loaded!, { ...this.opts.deps, onEvent }, opts);
  }

  /**
   * A provider says a batch ended: refresh its job at once (results kept), and move its pipeline's cycle on.
   * Unknown batches are logged and left alone (a webhook endpoint receives the whole project's events).
   */
  batchEnded(provider: 'openai' | 'gemini', batchId: string): Promise<{ job?: string }> {
    // Tracked from the moment the webhook is taken, so idle() (shutdown, tests) waits for it.
    const work = this.onBatchEnded(provider, batchId);
    this.webhookWork.add(work);
    void work.finally(() => this.webhookWork.delete(work)).catch(() => undefined);
    return work;
  }

  private async onBatchEnded(provider: 'openai' | 'gemini', batchId: string): Promise<{ job?: string }> {
    const { store } = this.opts.deps;
    const { jobs } = await store.list();
    const job = jobs.find((j) => j.provider === provider && j.parts.some((part) => part.remoteId === batchId));
    if (!job) {
      this.opts.log({ level: 'info', event: 'webhook_unknown_batch', provider, batch: batchId });
      return {};
    }
    let fresh: Job = job;
    if (!isTerminal(job.status)) fresh = await refreshJob(store, job, this.opts.deps.providerForJob(job), this.opts.deps.signal);
    this.opts.log({ level: 'info', event: 'webhook_job_refreshed', provider, batch: batchId, job: job.id, status: fresh.status });
    const file = job.pipeline?.file;
    if (file) {
      // The next tick polls its cycle now instead of at its next poll time; a cycle busy right now picks it up after.
      this.lastPoll.delete(file);
      const p = this.known.find((k) => k.file === file) ?? (await pipelineOverview(store.home, file, this.now()));
      if (p.loaded && !this.busy.has(file)) {
        const run = this.advance(p, { wait: false, continueOnly: true })
          .catch((err: unknown) => this.opts.log({ level: 'error', event: 'cycle_error', pipeline: p.name, file, message: err instanceof Error ? err.message : String(err) }))
          .finally(() => this.busy.delete(file));
        this.busy.set(file, run);
      }
    }
    return { job: job.id };
  }
}

/** Where a pipeline's schedule is counted from: the newest slot handled, or when a service first saw it. */
function sinceFor(p: PipelineOverview): Date | undefined {
  const scheduled = p.cycles.map((c) => c.scheduledFor).filter((x): x is string => x !== undefined);
  const newest = [p.lastSlot, p.scheduleSince, ...scheduled].filter((x): x is string => x !== undefined).sort().at(-1);
  return newest ? new Date(newest) : undefined;
}
