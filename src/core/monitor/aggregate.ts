import { isTerminal, type JobStatus, type ProviderId } from '../status';
import type { Quality } from '../results/quality';
import type { JobStats } from './jobStats';

export interface StatsFilter {
  /** Jobs created at or after this instant (undefined: all). */
  since?: Date;
  until?: Date;
  provider?: ProviderId;
  model?: string;
  profile?: string;
  pipeline?: string;
}

export type GroupBy = 'day' | 'provider' | 'model';

export interface StatsOptions extends StatsFilter {
  by?: GroupBy;
  /** IANA time zone the days and months are counted in (default UTC). */
  timeZone?: string;
  now?: Date;
}

type Flagged = Partial<Record<Exclude<Quality, 'ok'>, number>>;

export interface StatsGroup {
  key: string;
  jobs: number;
  requests: number;
  succeeded: number;
  failed: number;
  flagged: Flagged;
  costUsd: number;
}

export interface Stats {
  since: string | null;
  jobs: number;
  byStatus: Partial<Record<JobStatus, number>>;
  requests: number;
  succeeded: number;
  failed: number;
  failedBy: { errored: number; expired: number; canceled: number; missing: number };
  processing: number;
  /** Succeeded lines over finished lines (null before any finished). */
  successRate: number | null;
  flagged: Flagged;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  standardCostUsd: number;
  savedUsd: number;
  /** Jobs whose cost is unknown (no price for the model, or no usage yet): not in the sums. */
  jobsWithoutCost: number;
  monthToDateUsd: number;
  turnaroundSeconds: { median: number | null; p90: number | null; max: number | null };
  turnaroundBy: { key: string; median: number; p90: number; max: number; jobs: number }[];
  groups: StatsGroup[];
  spendPerDay: { day: string; provider: ProviderId; costUsd: number }[];
  topErrors: { message: string; count: number; jobs: string[] }[];
  running: { id: string; name: string; provider: ProviderId; done: number; total: number; etaSeconds: number | null }[];
}

const TOP_ERRORS = 10;
const JOBS_PER_ERROR = 20;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The time zone days and months are counted in: `TZ` when set (the environment given), else the system's, else UTC. */
export function localTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  return env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** `YYYY-MM-DD` of an instant in a time zone. */
export function dayIn(iso: string | Date, timeZone = 'UTC'): string {
  let f = formatters.get(timeZone);
  if (!f) formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f.format(typeof iso === 'string' ? new Date(iso) : iso);
}

/** `--since 30d` / `7d` / `2026-11-01` (a day in the time zone: its local midnight) → the instant, or undefined for "all". */
export function parseSince(text: string | undefined, now: Date, timeZone = 'UTC'): Date | undefined {
  if (text === undefined || text === 'all') return undefined;
  const rel = /^(\d+)d$/.exec(text);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * 86_400_000);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a period: use 7d, 30d, 90d, all, or a day as YYYY-MM-DD`);
  return localMidnight(Number(m[1]), Number(m[2]), Number(m[3]), timeZone);
}

/** The instant a local day starts in a time zone (offset found by formatting, so no tz database is needed). */
export function localMidnight(y: number, mo: number, d: number, timeZone: string): Date {
  const guess = Date.UTC(y, mo - 1, d);
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(guess));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const shown = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return new Date(guess - (shown - guess));
}

/** Whether a job is in the period and filters (created at or after `since`, before `until`). */
export function inFilter(j: JobStats, f: StatsFilter): boolean {
  const created = Date.parse(j.createdAt);
  if (created < (f.since?.getTime() ?? -Infinity) || created >= (f.until?.getTime() ?? Infinity)) return false;
  return !((f.provider && j.provider !== f.provider) || (f.model && j.model !== f.model) || (f.profile && j.profile !== f.profile) || (f.pipeline && j.pipeline !== f.pipeline));
}

/** The turnaround group of a job: `openai gpt-4o-mini`. */
export const turnaroundKey = (j: Pick<JobStats, 'provider' | 'model'>): string => `${j.provider} ${j.model ?? '(no model)'}`;

const seconds = (j: JobStats) => (j.finishedAt ? Math.max(0, (Date.parse(j.finishedAt) - Date.parse(j.createdAt)) / 1000) : undefined);

function addFlagged(into: Flagged, f: Flagged): void {
  for (const [k, v] of Object.entries(f) as [keyof Flagged, number][]) into[k] = (into[k] ?? 0) + v;
}

/**
 * The monitoring numbers over job summaries: one pass, no file read. Lines are counted once per retry chain: a
 * line that failed, then succeeded in a retry, is one succeeded line; tokens and cost count every attempt (each
 * was billed).
 */
export function aggregate(all: readonly JobStats[], opts: StatsOptions = {}): Stats {
  const now = opts.now ?? new Date();
  const tz = opts.timeZone ?? 'UTC';
  const month = dayIn(now, tz).slice(0, 7);
  const s: Stats = {
    since: opts.since?.toISOString() ?? null,
    jobs: 0, byStatus: {}, requests: 0, succeeded: 0, failed: 0, failedBy: { errored: 0, expired: 0, canceled: 0, missing: 0 }, processing: 0, successRate: null, flagged: {},
    inputTokens: 0, outputTokens: 0, costUsd: 0, standardCostUsd: 0, savedUsd: 0, jobsWithoutCost: 0, monthToDateUsd: 0,
    turnaroundSeconds: { median: null, p90: null, max: null }, turnaroundBy: [], groups: [], spendPerDay: [], topErrors: [], running: [],
  };
  const chains = new Map<string, JobStats[]>();
  const groups = new Map<string, StatsGroup>();
  const turnarounds: number[] = [];
  const turnaroundBy = new Map<string, number[]>();
  const spend = new Map<string, number>();
  const errors = new Map<string, { count: number; jobs: string[] }>();
  const keyOf = (j: JobStats): string => (opts.by === 'provider' ? j.provider : opts.by === 'model' ? (j.model ?? '(no model)') : dayIn(j.createdAt, tz));
  for (const j of all) {
    if (!inFilter(j, opts)) continue;
    const created = Date.parse(j.createdAt);
    s.jobs++;
    s.byStatus[j.status] = (s.byStatus[j.status] ?? 0) + 1;
    s.inputTokens += j.inputTokens;
    s.outputTokens += j.outputTokens;
    if (j.costUsd === null) s.jobsWithoutCost++;
    else {
      s.costUsd += j.costUsd;
      if (j.standardCostUsd !== null) {
        s.standardCostUsd += j.standardCostUsd;
        s.savedUsd += j.standardCostUsd - j.costUsd;
      }
      const day = dayIn(j.finishedAt ?? j.createdAt, tz);
      if (day.startsWith(month)) s.monthToDateUsd += j.costUsd;
      spend.set(`${day}\u0000${j.provider}`, (spend.get(`${day}\u0000${j.provider}`) ?? 0) + j.costUsd);
    }
    addFlagged(s.flagged, j.flagged);
    const t = seconds(j);
    if (t !== undefined && isTerminal(j.status)) {
      turnarounds.push(t);
      const k = turnaroundKey(j);
      (turnaroundBy.get(k) ?? turnaroundBy.set(k, []).get(k)!).push(t);
    }
    for (const e of j.topErrors) {
      const entry = errors.get(e.message) ?? errors.set(e.message, { count: 0, jobs: [] }).get(e.message)!;
      entry.count += e.count;
      if (entry.jobs.length < JOBS_PER_ERROR) entry.jobs.push(j.id);
    }
    if (!isTerminal(j.status)) {
      const done = j.succeeded + j.errored + j.expired + j.canceled;
      const elapsed = (now.getTime() - created) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      s.running.push({ id: j.id, name: j.name, provider: j.provider, done, total: j.requests, etaSeconds: rate > 0 ? Math.round((j.requests - done) / rate) : null });
    }
    (chains.get(j.rootId) ?? chains.set(j.rootId, []).get(j.rootId)!).push(j);
    const g = groups.get(keyOf(j)) ?? groups.set(keyOf(j), { key: keyOf(j), jobs: 0, requests: 0, succeeded: 0, failed: 0, flagged: {}, costUsd: 0 }).get(keyOf(j))!;
    g.jobs++;
    g.costUsd += j.costUsd ?? 0;
    addFlagged(g.flagged, j.flagged);
  }
  // Lines, once per chain: the root's requests; a retry's successes turn earlier failures into successes.
  for (const chain of chains.values()) {
    chain.sort((a, b) => a.attempt - b.attempt);
    const root = chain[0]!;
    const requests = chain.find((j) => j.attempt === 1)?.requests ?? root.requests;
    const succeeded = Math.min(requests, chain.reduce((n, j) => n + j.succeeded, 0));
    const processing = chain.reduce((n, j) => n + j.processing, 0);
    const failed = Math.max(0, requests - succeeded - processing);
    s.requests += requests;
    s.succeeded += succeeded;
    s.processing += processing;
    s.failed += failed;
    // The kinds of what is still failed: the latest attempt's kinds first (its lines are the newest word on them).
    let left = failed;
    for (const j of [...chain].reverse()) {
      for (const kind of ['errored', 'expired', 'canceled', 'missing'] as const) {
        const take = Math.min(left, j[kind]);
        s.failedBy[kind] += take;
        left -= take;
      }
    }
    s.failedBy.errored += left;
    const g = groups.get(keyOf(root));
    if (g) {
      g.requests += requests;
      g.succeeded += succeeded;
      g.failed += failed;
    }
  }
  const finished = s.succeeded + s.failed;
  s.successRate = finished > 0 ? s.succeeded / finished : null;
  turnarounds.sort((a, b) => a - b);
  s.turnaroundSeconds = { median: percentile(turnarounds, 50), p90: percentile(turnarounds, 90), max: turnarounds.at(-1) ?? null };
  s.turnaroundBy = [...turnaroundBy].map(([key, v]) => {
    v.sort((a, b) => a - b);
    return { key, median: percentile(v, 50)!, p90: percentile(v, 90)!, max: v.at(-1)!, jobs: v.length };
  });
  s.groups = [...groups.values()].sort((a, b) => (opts.by === undefined || opts.by === 'day' ? a.key.localeCompare(b.key) : b.requests - a.requests));
  s.spendPerDay = [...spend].map(([k, costUsd]) => {
    const [day, provider] = k.split('\u0000') as [string, ProviderId];
    return { day, provider, costUsd };
  }).sort((a, b) => a.day.localeCompare(b.day) || a.provider.localeCompare(b.provider));
  s.topErrors = [...errors].map(([message, e]) => ({ message, count: e.count, jobs: e.jobs })).sort((a, b) => b.count - a.count).slice(0, TOP_ERRORS);
  return s;
}
