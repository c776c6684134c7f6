/**
 * Debounces validation runs per key (a document) and cancels a stale run when a newer one is asked for.
 *
 * Why here and not in the extension: the timing logic is the part that goes wrong (a run for an old
 * version overwriting a newer result, timers leaking after close), so it is kept free of `vscode`
 * and tested with an injected clock.
 */

/** The two timer functions the scheduler needs; tests pass a fake one. */
export interface SchedulerClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: SchedulerClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** One run of the validator for `key`; it must stop early (or at least not publish) once `signal` aborts. */
export type ScheduledRun<K> = (key: K, signal: AbortSignal) => Promise<void>;

export class ValidationScheduler<K> {
  private readonly timers = new Map<K, unknown>();
  private readonly running = new Map<K, AbortController>();
  private disposed = false;

  constructor(
    private readonly run: ScheduledRun<K>,
    private readonly clock: SchedulerClock = realClock,
    private readonly onError: (key: K, err: unknown) => void = () => {},
  ) {}

  /**
   * Runs `key` after `delayMs` of quiet. Another call before then restarts the wait; a run already in
   * flight for `key` is aborted, because its result would describe text that no longer exists.
   */
  schedule(key: K, delayMs: number): void {
    if (this.disposed) return;
    this.clearTimer(key);
    this.abortRunning(key);
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key);
      void this.start(key);
    }, Math.max(0, delayMs));
    this.timers.set(key, handle);
  }

  /** Runs `key` now (dropping any pending or running run for it) and resolves when this run ends. */
  runNow(key: K): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.clearTimer(key);
    this.abortRunning(key);
    return this.start(key);
  }

  /** Forgets `key`: no pending run fires and a running one is aborted. */
  cancel(key: K): void {
    this.clearTimer(key);
    this.abortRunning(key);
  }

  isPending(key: K): boolean {
    return this.timers.has(key);
  }

  isRunning(key: K): boolean {
    return this.running.has(key);
  }

  /** Keys with a pending or running validation. */
  get busyKeys(): K[] {
    return [...new Set([...this.timers.keys(), ...this.running.keys()])];
  }

  dispose(): void {
    this.disposed = true;
    for (const key of [...this.timers.keys()]) this.clearTimer(key);
    for (const key of [...this.running.keys()]) this.abortRunning(key);
  }

  private async start(key: K): Promise<void> {
    const controller = new AbortController();
    this.running.set(key, controller);
    try {
      await this.run(key, controller.signal);
    } catch (err) {
      // An aborted run is expected (a newer edit arrived); anything else is the caller's to report.
      if (!controller.signal.aborted) this.onError(key, err);
    } finally {
      // Only the newest run owns the slot: an older one finishing late must not drop the newer controller.
      if (this.running.get(key) === controller) this.running.delete(key);
    }
  }

  private clearTimer(key: K): void {
    const handle = this.timers.get(key);
    if (handle !== undefined) {
      this.clock.clearTimeout(handle);
      this.timers.delete(key);
    }
  }

  private abortRunning(key: K): void {
    const controller = this.running.get(key);
    if (controller) {
      controller.abort();
      this.running.delete(key);
    }
  }
}
