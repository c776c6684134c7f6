/**
 * The emulator's clock. A batch's state is a pure function of how many ticks have passed since it was created
 * (and since a cancel, if any), so no timer per batch is needed and a retrieve at any moment is exact.
 *
 * Lifecycle in ticks after creation (default tick 500 ms, so a batch ends after 4 s):
 *   [0, 1)  validating / pending
 *   [1, 7)  in progress: the processed share of lines grows by one sixth per tick, in input order
 *   [7, 8)  finalizing (everything processed)
 *   8+      terminal
 * A cancel freezes the processed share at that moment: cancelling for one tick, then cancelled.
 * A batch still unfinished at its `expiresMs` (an `[[expire]]` line never finishes; a slow clock may not finish in
 * the window) is expired from that moment, with the share processed by then, as the real services expire them.
 *
 * Time is wall time plus an offset that `advance` moves; a manual clock starts frozen, so only `advance` moves it
 * and tests drive every state change without sleeping.
 */
export const VALIDATE_TICKS = 1;
export const PROCESS_TICKS = 6;
export const TERMINAL_TICK = VALIDATE_TICKS + PROCESS_TICKS + 1;
export const CANCEL_TICKS = 1;
export const DEFAULT_TICK_MS = 500;

export type Phase = 'validating' | 'processing' | 'finalizing' | 'done' | 'cancelling' | 'cancelled' | 'expired';

export interface Lifecycle {
  createdMs: number;
  cancelMs?: number;
  /** When the batch expires if it has not ended by then (the provider's window, or sooner for `[[expire]]`). */
  expiresMs: number;
  /** Whether some line never finishes (an `[[expire]]` marker), so the batch can only end by expiry or cancel. */
  stalls: boolean;
}

export interface PhaseInfo {
  phase: Phase;
  /** Share of (non-expiring) lines processed, 0..1. */
  fraction: number;
}

export class Clock {
  private offsetMs = 0;
  private readonly advanceListeners: (() => void)[] = [];

  constructor(
    readonly tickMs: number,
    private readonly nowFn: () => number = Date.now,
  ) {}

  /** A clock that stands still until `advance` moves it. */
  static manual(tickMs: number, startMs = Date.now()): Clock {
    return new Clock(tickMs, () => startMs);
  }

  now(): number {
    return this.nowFn() + this.offsetMs;
  }

  /** Moves time forward (never back: batches' timestamps would contradict each other). */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`The clock only moves forward (got ${ms} ms).`);
    this.offsetMs += ms;
    for (const listener of this.advanceListeners) listener();
    return this.now();
  }

  /** Called after every `advance`: state changes computed from the clock (batch ends) happen at that moment. */
  onAdvance(listener: () => void): void {
    this.advanceListeners.push(listener);
  }

  /** The wall-clock time `ticks` ticks after `startMs`. */
  at(startMs: number, ticks: number): number {
    return startMs + ticks * this.tickMs;
  }

  phase(lc: Lifecycle): PhaseInfo {
    const now = this.now();
    const endMs = this.endMs(lc);
    if (lc.cancelMs !== undefined && lc.cancelMs < endMs) {
      const fraction = this.fractionAt(lc.createdMs, lc.cancelMs);
      const sinceCancel = Math.floor((now - lc.cancelMs) / this.tickMs);
      return { phase: sinceCancel >= CANCEL_TICKS ? 'cancelled' : 'cancelling', fraction };
    }
    if (now >= endMs) {
      return endMs === lc.expiresMs && !this.finishesBefore(lc) ? { phase: 'expired', fraction: this.fractionAt(lc.createdMs, endMs) } : { phase: 'done', fraction: 1 };
    }
    const ticks = Math.floor((now - lc.createdMs) / this.tickMs);
    const fraction = this.fractionAt(lc.createdMs, now);
    if (ticks < VALIDATE_TICKS) return { phase: 'validating', fraction };
    if (ticks < VALIDATE_TICKS + PROCESS_TICKS || lc.stalls) return { phase: 'processing', fraction };
    return { phase: 'finalizing', fraction };
  }

  /** When the batch ends on its own: its natural end, or its expiry if that comes first (or it never finishes). */
  endMs(lc: Lifecycle): number {
    return this.finishesBefore(lc) ? this.at(lc.createdMs, TERMINAL_TICK) : lc.expiresMs;
  }

  /** Whether a batch had ended (terminal, not cancellable) at `atMs`. */
  isDoneAt(lc: Lifecycle, atMs: number): boolean {
    return atMs >= this.endMs(lc);
  }

  private finishesBefore(lc: Lifecycle): boolean {
    return !lc.stalls && this.at(lc.createdMs, TERMINAL_TICK) <= lc.expiresMs;
  }

  private fractionAt(createdMs: number, atMs: number): number {
    const ticks = Math.floor((atMs - createdMs) / this.tickMs);
    return Math.min(1, Math.max(0, (ticks - VALIDATE_TICKS) / PROCESS_TICKS));
  }
}

/**
 * A new batch's expiry: the provider's window after creation, or, when a line carries `[[expire]]`, the moment the
 * other lines are done, so the marker still ends a batch quickly and `expires_at` says when.
 */
export function expiryOf(clock: Clock, createdMs: number, windowMs: number, stalls: boolean): number {
  return stalls ? clock.at(createdMs, TERMINAL_TICK) : createdMs + windowMs;
}

/** Unix seconds, as OpenAI and Anthropic timestamps are derived from. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
