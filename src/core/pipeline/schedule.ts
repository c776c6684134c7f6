import { Cron } from 'croner';
import type { ScheduleSpec } from './schema';

/** A run that starts this long after its slot still counts as on time; an older slot was missed. */
export const ON_TIME_MS = 5 * 60 * 1000;

/** Enough slots to tell "missed once" from "missed many times" without walking a year of every-minute slots. */
const MAX_SLOTS_COUNTED = 10_000;

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

/** The cron expression read by croner (not started: it never fires on its own), or a message saying what is wrong. */
export function compileSchedule(spec: ScheduleSpec): Cron {
  if (spec.timezone !== undefined && !isTimeZone(spec.timezone)) {
    throw new ScheduleError(`unknown time zone "${spec.timezone}": give an IANA name such as Europe/Berlin or America/New_York`);
  }
  try {
    return new Cron(spec.cron, { paused: true, ...(spec.timezone ? { timezone: spec.timezone } : {}) });
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
    throw new ScheduleError(`"${spec.cron}" is not a cron expression (${why}): give 5 fields "minute hour day-of-month month day-of-week", e.g. "0 2 * * *" for 02:00 every day`);
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The first slot strictly after `after`, or null when the expression has none left. */
export function nextRunAfter(spec: ScheduleSpec, after: Date): Date | null {
  return compileSchedule(spec).nextRun(after);
}

export interface DueRun {
  /** The slot to run for now, if one is due under the catch-up policy. */
  runFor?: Date;
  /** Slots in the window that are not run (missed while nothing ran, or skipped by the policy). */
  skipped: number;
  /** The newest slot in the window: the next check starts after it. */
  newestSlot?: Date;
}

/**
 * Which run is due at `now`, given the last slot already handled (or the moment the pipeline was first seen).
 * The newest slot of the window runs if it is on time; older slots were missed while nothing was running (or while
 * a cycle was still going): `catchUp: skip` drops them, `once` runs one cycle for all of them.
 */
export function dueRun(spec: ScheduleSpec, since: Date, now: Date): DueRun {
  const cron = compileSchedule(spec);
  let total = 0;
  let newest: Date | undefined;
  // A service down for a year under "* * * * *" is half a million slots: count them, stop looking after a bound.
  for (let at = cron.nextRun(since); at && at.getTime() <= now.getTime(); at = cron.nextRun(at)) {
    total++;
    newest = at;
    if (total >= MAX_SLOTS_COUNTED) {
      newest = cron.previousRuns(1, now)[0] ?? at;
      break;
    }
  }
  if (!newest) return { skipped: 0 };
  const onTime = now.getTime() - newest.getTime() <= ON_TIME_MS;
  if (onTime) return { runFor: newest, skipped: total - 1, newestSlot: newest };
  if (spec.catchUp === 'once') return { runFor: newest, skipped: total - 1, newestSlot: newest };
  return { skipped: total, newestSlot: newest };
}
