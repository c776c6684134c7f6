import { aggregate, dayIn, inFilter, parseSince, turnaroundKey } from '../../core/monitor/aggregate';
import { spendOf, type Budget } from '../../core/monitor/budget';
import type { JobStats } from '../../core/monitor/jobStats';
import type { ProviderId } from '../../core/status';
import type { DashboardFilter, DashboardView, JobGroup } from '../../shared/dashboardProtocol';
import { budgetLine } from './budgetText';

/** No `vscode` here: the panel's data is a pure function of the job summaries, tested on its own. */

export interface ShapeOptions {
  now: Date;
  timeZone: string;
  budget?: Budget | undefined;
  problems?: number;
}

/** The period and provider as `aggregate` options: the same call `batchwise stats --since P --provider X` makes. */
function statsOptions(filter: DashboardFilter, now: Date, timeZone: string) {
  const since = parseSince(filter.period, now, timeZone);
  return { ...(since ? { since } : {}), by: 'day' as const, timeZone, now, ...(filter.provider ? { provider: filter.provider } : {}), ...(filter.pipeline ? { pipeline: filter.pipeline } : {}) };
}

export function dashboardView(stats: readonly JobStats[], filter: DashboardFilter, o: ShapeOptions): DashboardView {
  const s = aggregate(stats, statsOptions(filter, o.now, o.timeZone));
  const providers = [...new Set(stats.map((j) => j.provider))].sort() as ProviderId[];
  const pipelines = [...new Set(stats.map((j) => j.pipeline).filter((p): p is string => p !== undefined))].sort();
  return {
    filter,
    providers,
    pipelines,
    cards: {
      jobs: s.jobs,
      byStatus: s.byStatus,
      requests: s.requests,
      succeeded: s.succeeded,
      failed: s.failed,
      processing: s.processing,
      successRate: s.successRate,
      costUsd: s.costUsd,
      standardCostUsd: s.standardCostUsd,
      savedUsd: s.savedUsd,
      jobsWithoutCost: s.jobsWithoutCost,
      monthToDateUsd: s.monthToDateUsd,
      turnaroundMedian: s.turnaroundSeconds.median,
      turnaroundP90: s.turnaroundSeconds.p90,
      flaggedLines: Object.values(s.flagged).reduce((n, v) => n + v, 0),
      flagged: s.flagged,
    },
    days: s.groups.map((g) => {
      const finished = g.succeeded + g.failed;
      return { day: g.key, jobs: g.jobs, requests: g.requests, succeeded: g.succeeded, failed: g.failed, successRate: finished > 0 ? g.succeeded / finished : null };
    }),
    spendPerDay: s.spendPerDay,
    turnaroundBy: s.turnaroundBy,
    topErrors: s.topErrors,
    running: s.running,
    ...(o.budget ? { budget: budgetLine(spendOf(stats, o.now, o.timeZone), o.budget) } : {}),
    problems: o.problems ?? 0,
  };
}

/**
 * The jobs behind a clicked bar or point, newest first, within the panel's period and provider. A day is the day a
 * job was created (as in the requests chart), or, for spend, the day it finished: both are offered.
 */
export function jobsBehind(stats: readonly JobStats[], filter: DashboardFilter, group: JobGroup, o: { now: Date; timeZone: string }): JobStats[] {
  const opts = statsOptions(filter, o.now, o.timeZone);
  const inView = stats.filter((j) => inFilter(j, opts));
  const match = (j: JobStats): boolean => {
    switch (group.kind) {
      case 'day':
        return (!group.provider || j.provider === group.provider) && (dayIn(j.createdAt, o.timeZone) === group.day || dayIn(j.finishedAt ?? j.createdAt, o.timeZone) === group.day);
      case 'provider':
        return j.provider === group.provider;
      case 'turnaround':
        return turnaroundKey(j) === group.key && j.finishedAt !== undefined;
    }
  };
  return inView.filter(match).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Whether anything the dashboard draws changed between two loads (the store watcher fires on every poll write). */
export function statsSignature(stats: readonly JobStats[]): string {
  return stats
    .map((j) => `${j.id}:${j.status}:${j.succeeded}:${j.errored}:${j.expired}:${j.canceled}:${j.processing}:${j.costUsd ?? ''}:${j.finishedAt ?? ''}`)
    .sort()
    .join('|');
}
