import { isTerminal } from '../status';
import type { Job } from './job';

/**
 * One scheduler for every active job. A single self-rescheduling timer wakes for the earliest due job;
 * each job has its own adaptive interval: quick right after submit, backing off while nothing changes,
 * never below the configured floor once the quick phase is over. Errors are logged and backed off,
 * never thrown into the host. Clock, timers and randomness are injected so tests run on a fake clock.
 */

export interface PollerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

export interface PollerLog {
  info?(message: string): void;
  warn(message: string): void;
}

export interface PollerSettings {
  /** `batchwise.pollIntervalSeconds` in ms: the shortest interval once the quick phase is over. */
  floorMs: number;
  /** `batchwise.maxConcurrentPolls`. */
  maxConcurrent: number;
}

export interface PollerOptions {
  /** Fetches the job's remote state, writes the store and returns the updated job. */
  refresh(job: Job, signal: AbortSignal): Promise<Job>;
  /** Read at every scheduling decision so a settings change applies at once. */
  settings(): PollerSettings;
  onJobUpdated?(job: Job): void;
  /** Called once when a tracked job reaches a terminal status. */
  onJobEnded?(job: Job): void;
  log?: PollerLog;
  timers?: Partial<PollerTimers>;
  /** First interval after a submit (default 2 s). */
  quickMs?: number;
  /** Jobs younger than this start in the quick phase (default 2 min); older ones start at the floor. */
  quickWindowMs?: number;
  /** Longest interval (default 5 min; the floor wins if set higher). */
  maxMs?: number;
  /** Growth per poll that brought no change, and per error (default 1.5). */
  backoff?: number;
  /** ± fraction of random spread so jobs submitted together do not poll in lockstep (default 0.2). */
  jitter?: number;
  /** Interval multiplier while the window is unfocused (default 4). */
  unfocusedFactor?: number;
  /** A poll with no answer after this long is abandoned and counted as an error (default 2 min). */
  pollTimeoutMs?: number;
}

interface Entry {
  job: Job;
  /** Base interval (before jitter and focus). */
  intervalMs: number;
  quick: boolean;
  /** When the last poll ended (or the job was tracked). */
  lastAt: number;
  /** Jittered delay chosen at the last poll; scaled by the focus factor when computing the due time. */
  delayMs: number;
  /** Set by Retry-After: no poll before this, whatever the focus. */
  notBefore: number;
  /** Poll as soon as a slot is free (submit, focus return, manual refresh). */
  urgent: boolean;
  inFlight?: AbortController;
  errors: number;
}

const defaults: PollerTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

export class Poller {
  private readonly entries = new Map<string, Entry>();
  private readonly t: PollerTimers;
  private timer: unknown;
  private timerAt = Infinity;
  private focused = true;
  private disposed = false;
  private readonly quickMs: number;
  private readonly quickWindowMs: number;
  private readonly maxMs: number;
  private readonly backoff: number;
  private readonly jitter: number;
  private readonly unfocusedFactor: number;
  private readonly pollTimeoutMs: number;

  constructor(private readonly opts: PollerOptions) {
    this.t = { ...defaults, ...opts.timers };
    this.quickMs = opts.quickMs ?? 2000;
    this.quickWindowMs = opts.quickWindowMs ?? 120_000;
    this.maxMs = opts.maxMs ?? 300_000;
    this.backoff = opts.backoff ?? 1.5;
    this.jitter = opts.jitter ?? 0.2;
    this.unfocusedFactor = opts.unfocusedFactor ?? 4;
    this.pollTimeoutMs = opts.pollTimeoutMs ?? 120_000;
  }

  private floorMs(): number {
    return Math.max(1000, this.opts.settings().floorMs);
  }

  private ceilingMs(): number {
    return Math.max(this.maxMs, this.floorMs());
  }

  /**
   * Starts following a job, or updates the snapshot of one already followed (e.g. the store watcher saw a CLI write).
   * A job already terminal is not followed; if it was, `onJobEnded` fires.
   */
  track(job: Job, opts: { immediate?: boolean } = {}): void {
    if (this.disposed) return;
    const existing = this.entries.get(job.id);
    if (isTerminal(job.status)) {
      if (existing) this.finish(existing, job);
      return;
    }
    if (existing) {
      if (!existing.inFlight) existing.job = job;
      if (opts.immediate) existing.urgent = true;
    } else {
      const now = this.t.now();
      const quick = now - Date.parse(job.createdAt) < this.quickWindowMs;
      // Quick means quicker than the floor: with a floor below quickMs, the floor itself is the first interval.
      const intervalMs = quick ? Math.min(this.quickMs, this.floorMs()) : this.floorMs();
      this.entries.set(job.id, { job, intervalMs, quick, lastAt: now, delayMs: this.jittered(intervalMs), notBefore: 0, urgent: !!opts.immediate, errors: 0 });
    }
    this.schedule();
  }

  /** After a restart: every non-terminal job from the store is followed again, each polled soon (the cap spreads them). */
  resume(jobs: readonly Job[]): void {
    for (const job of jobs) if (!isTerminal(job.status)) this.track(job, { immediate: true });
  }

  /** Stops following a job (removed from the list); an in-flight poll is aborted. */
  untrack(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.inFlight?.abort();
    this.entries.delete(id);
    this.schedule();
  }

  /** Polls one job (or all) as soon as a slot is free. */
  pollNow(id?: string): void {
    for (const e of this.entries.values()) if (id === undefined || e.job.id === id) e.urgent = true;
    this.schedule();
  }

  /** Slower while unfocused; everything is polled at once when focus returns. */
  setFocused(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    if (focused) this.pollNow();
    else this.schedule();
  }

  get trackedIds(): string[] {
    return [...this.entries.keys()];
  }

  /** For tests and the status bar: when the job is next due (epoch ms). */
  dueAt(id: string): number | undefined {
    const e = this.entries.get(id);
    return e ? this.due(e) : undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    for (const e of this.entries.values()) e.inFlight?.abort();
    this.entries.clear();
  }

  // ---------- scheduling ----------

  private jittered(ms: number): number {
    return ms * (1 + (this.t.random() * 2 - 1) * this.jitter);
  }

  private due(e: Entry): number {
    if (e.urgent) return Math.max(e.notBefore, 0);
    const factor = this.focused ? 1 : this.unfocusedFactor;
    return Math.max(e.notBefore, e.lastAt + e.delayMs * factor);
  }

  private inFlightCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.inFlight) n++;
    return n;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.t.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** Starts what is due (up to the cap), then sets the one timer for the next due job. */
  private schedule(): void {
    if (this.disposed) return;
    const now = this.t.now();
    const cap = Math.max(1, this.opts.settings().maxConcurrent);
    let slots = cap - this.inFlightCount();
    const idle = [...this.entries.values()].filter((e) => !e.inFlight).sort((a, b) => this.due(a) - this.due(b));
    for (const e of idle) {
      if (slots <= 0 || this.due(e) > now) break;
      slots--;
      void this.poll(e);
    }
    // With every slot busy, the next poll starts when one ends (poll() calls schedule again).
    const waiting = idle.filter((e) => !e.inFlight);
    const next = slots > 0 && waiting.length ? Math.min(...waiting.map((e) => this.due(e))) : Infinity;
    if (next === this.timerAt) return;
    this.clearTimer();
    if (next === Infinity) return;
    this.timerAt = next;
    this.timer = this.t.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.schedule();
    }, Math.max(0, next - now));
  }

  private async poll(e: Entry): Promise<void> {
    const controller = new AbortController();
    e.inFlight = controller;
    e.urgent = false;
    const before = e.job;
    let updated: Job | undefined;
    let retryAfterMs: number | undefined;
    let timedOut = false;
    let timer: unknown;
    // A request that never answers must not hold a slot forever (the cap would starve every other job).
    const timeout = new Promise<never>((_, reject) => {
      timer = this.t.setTimeout(() => {
        timedOut = true;
        controller.abort();
        reject(new Error(`no answer in ${Math.round(this.pollTimeoutMs / 1000)} s`));
      }, this.pollTimeoutMs);
    });
    try {
      updated = await Promise.race([this.opts.refresh(before, controller.signal), timeout]);
    } catch (err) {
      if (timedOut || !controller.signal.aborted) {
        e.errors++;
        retryAfterMs = retryAfterOf(err);
        this.opts.log?.warn(`poll of ${before.id} failed (${e.errors} in a row): ${err instanceof Error ? err.message : String(err)}`);
      }
    } finally {
      this.t.clearTimeout(timer);
      e.inFlight = undefined;
    }
    // Untracked or disposed while the request was out: drop the answer.
    if (this.disposed || this.entries.get(before.id) !== e) return;
    const now = this.t.now();
    if (updated) {
      e.errors = 0;
      e.job = updated;
      try {
        this.opts.onJobUpdated?.(updated);
      } catch (err) {
        this.opts.log?.warn(`onJobUpdated failed: ${String(err)}`);
      }
      if (isTerminal(updated.status)) {
        this.finish(e, updated);
        return;
      }
    }
    this.advance(e, updated ? changed(before, updated) : false);
    e.lastAt = now;
    e.delayMs = this.jittered(e.intervalMs);
    e.notBefore = retryAfterMs !== undefined ? now + retryAfterMs : 0;
    this.schedule();
  }

  /** Next base interval: unchanged while the job is moving, ×backoff while it is not (or on error). */
  private advance(e: Entry, moved: boolean): void {
    const floor = this.floorMs();
    let next = moved && !e.quick ? e.intervalMs : e.intervalMs * this.backoff;
    // The quick phase ends once its growth reaches the floor; from then on the floor is the minimum.
    if (e.quick && next >= floor) e.quick = false;
    if (!e.quick) next = Math.max(floor, next);
    e.intervalMs = Math.min(this.ceilingMs(), next);
  }

  private finish(e: Entry, job: Job): void {
    e.inFlight?.abort();
    this.entries.delete(job.id);
    try {
      this.opts.onJobEnded?.(job);
    } catch (err) {
      this.opts.log?.warn(`onJobEnded failed: ${String(err)}`);
    }
    this.schedule();
  }
}

function changed(a: Job, b: Job): boolean {
  if (a.status !== b.status || a.parts.length !== b.parts.length) return true;
  return a.parts.some((p, i) => {
    const q = b.parts[i]!;
    return p.status !== q.status || p.counts.succeeded !== q.counts.succeeded || p.counts.failed !== q.counts.failed || p.counts.processing !== q.counts.processing;
  });
}

/** ProviderError.retryAfterMs (or any error carrying it), so a 429 is not retried sooner than the provider asked. */
function retryAfterOf(err: unknown): number | undefined {
  const v = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}
