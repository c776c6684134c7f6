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
 */
export const VALIDATE_TICKS = 1;
export const PROCESS_TICKS = 6;
export const TERMINAL_TICK = VALIDATE_TICKS + PROCESS_TICKS + 1;
export const CANCEL_TICKS = 1;
export const DEFAULT_TICK_MS = 500;

export type Phase = 'validating' | 'processing' | 'finalizing' | 'done' | 'cancelling' | 'cancelled';

export interface Lifecycle {
  createdMs: number;
  cancelMs?: number;
}

export interface PhaseInfo {
  phase: Phase;
  /** Share of (non-expiring) lines processed, 0..1. */
  fraction: number;
}

export class Clock {
  constructor(
    readonly tickMs: number,
    private readonly nowFn: () => number = Date.now,
  ) {}

  now(): number {
    return this.nowFn();
  }

  /** The wall-clock time `ticks` ticks after `startMs`. */
  at(startMs: number, ticks: number): number {
    return startMs + ticks * this.tickMs;
  }

  phase(lc: Lifecycle): PhaseInfo {
    const now = this.now();
    if (lc.cancelMs !== undefined) {
      const fraction = this.fractionAt(lc.createdMs, lc.cancelMs);
      const sinceCancel = Math.floor((now - lc.cancelMs) / this.tickMs);
      return { phase: sinceCancel >= CANCEL_TICKS ? 'cancelled' : 'cancelling', fraction };
    }
    const ticks = Math.floor((now - lc.createdMs) / this.tickMs);
    const fraction = this.fractionAt(lc.createdMs, now);
    if (ticks < VALIDATE_TICKS) return { phase: 'validating', fraction };
    if (ticks < VALIDATE_TICKS + PROCESS_TICKS) return { phase: 'processing', fraction };
    if (ticks < TERMINAL_TICK) return { phase: 'finalizing', fraction };
    return { phase: 'done', fraction };
  }

  /** Whether a batch created at `createdMs` had ended (terminal, not cancellable) at `atMs`. */
  isDoneAt(createdMs: number, atMs: number): boolean {
    return Math.floor((atMs - createdMs) / this.tickMs) >= TERMINAL_TICK;
  }

  private fractionAt(createdMs: number, atMs: number): number {
    const ticks = Math.floor((atMs - createdMs) / this.tickMs);
    return Math.min(1, Math.max(0, (ticks - VALIDATE_TICKS) / PROCESS_TICKS));
  }
}

/** Unix seconds, as OpenAI and Anthropic timestamps are derived from. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
