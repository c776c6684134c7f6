import type { Job } from '../../core/jobs/job';
import type { JobStore } from '../../core/jobs/store';
import type { PricingOverrides } from '../../core/pricing';
import { keepResults, needsResults } from '../../jobs/results';
import { deleteEndedInputFiles } from '../../jobs/inputFiles';
import type { BatchProvider } from '../../providers/types';

export interface ResultsKeeperDeps {
  store: JobStore;
  /** The adapter for a job without asking the user anything (background work); undefined when there is no key. */
  provider(job: Job): Promise<BatchProvider | undefined>;
  pricing(): PricingOverrides | undefined;
  log: { info(message: string): void; warn(message: string): void };
  onKept(job: Job): void;
  /** `batchwise.deleteInputFilesWhenDone`: delete the ended parts' input files at the provider once the results are kept. */
  deleteInputFiles?(): boolean;
}

/**
 * Downloads the results of ended jobs into their folders, one job at a time, in the background: the provider
 * deletes them after a while and a sandbox forgets them when it restarts, so the results panel, the export and
 * the retry work from this copy. A job is tried once per session unless asked again (Refresh); a failure is
 * logged, and opening the results tries again.
 */
export class ResultsKeeper {
  private readonly tried = new Set<string>();
  private readonly queue: Job[] = [];
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly deps: ResultsKeeperDeps) {}

  /** Queues the jobs that ended without their results kept; `again` forgets earlier failures for them. */
  keep(jobs: readonly Job[], opts: { again?: boolean } = {}): Promise<void> {
    for (const job of jobs) {
      if (!needsResults(job)) continue;
      if (opts.again) this.tried.delete(job.id);
      if (this.tried.has(job.id) || this.queue.some((q) => q.id === job.id)) continue;
      this.queue.push(job);
    }
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job && !this.abort.signal.aborted; job = this.queue.shift()) {
      this.tried.add(job.id);
      try {
        // The file on disk may be newer (the CLI kept them meanwhile).
        const current = (await this.deps.store.get(job.id)) ?? job;
        const r = await keepResults(this.deps.store, current, () => this.deps.provider(current), { signal: this.abort.signal, pricing: this.deps.pricing() });
        if (r.kept) {
          this.deps.log.info(`kept the results of ${job.id}: ${r.kept.path}`);
          this.deps.onKept(await this.deleteInputFiles(r.job));
        } else if (r.problem) this.deps.log.warn(`the results of ${job.id} are not downloaded yet: ${r.problem}`);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.deps.log.warn(`the results of ${job.id} are not downloaded yet: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** A failure is logged as a warning; the job is kept either way. */
  private async deleteInputFiles(job: Job): Promise<Job> {
    if (!this.deps.deleteInputFiles?.()) return job;
    const provider = await this.deps.provider(job);
    if (!provider) return job;
    try {
      const r = await deleteEndedInputFiles(this.deps.store, job, provider, this.abort.signal);
      for (const w of r.warnings) this.deps.log.warn(w);
      if (r.deleted) this.deps.log.info(`deleted ${r.deleted} input file${r.deleted === 1 ? '' : 's'} of ${job.id} at ${provider.id}`);
      return r.job;
    } catch (err) {
      if (!this.abort.signal.aborted) this.deps.log.warn(`the input files of ${job.id} were not deleted: ${err instanceof Error ? err.message : String(err)}`);
      return job;
    }
  }

  dispose(): void {
    this.abort.abort();
    this.queue.length = 0;
  }
}
