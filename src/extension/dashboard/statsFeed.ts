import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { ResultsSummaryCache, loadJobStats } from '../../core/monitor/load';
import type { JobStats } from '../../core/monitor/jobStats';
import { statsSignature } from './dashboardData';

export interface StatsSnapshot {
  stats: JobStats[];
  problems: number;
}

/**
 * Every job's summary, re-read when the store changes, for the dashboard and the budget item. The store watcher
 * fires on every poll write (debounced), but listeners hear only of changes to what they show (status, counts,
 * cost), and nothing is read while no one listens.
 */
export class StatsFeed implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StatsSnapshot>();
  private watcher: { dispose(): void } | undefined;
  private users = 0;
  private last: StatsSnapshot | undefined;
  private signature = '';
  private loading: Promise<StatsSnapshot> | undefined;
  private queued = false;
  /** Results summaries kept between reads: a store change re-reads the job files, not every summary. */
  private readonly summaries = new ResultsSummaryCache();

  constructor(private readonly ctx: BatchwiseContext) {}

  /** Listens until the returned disposable is disposed; the watcher runs while anyone listens. */
  subscribe(listener: (s: StatsSnapshot) => void): vscode.Disposable {
    const sub = this.changed.event(listener);
    if (this.users++ === 0) this.watcher = this.ctx.store.watch(() => void this.refresh());
    return new vscode.Disposable(() => {
      sub.dispose();
      if (--this.users === 0) {
        this.watcher?.dispose();
        this.watcher = undefined;
        this.last = undefined;
      }
    });
  }

  /** The latest snapshot, loading it if none is held. */
  current(): Promise<StatsSnapshot> {
    return this.last ? Promise.resolve(this.last) : this.load();
  }

  /** Re-reads the store; listeners hear of it when a figure changed. Overlapping calls collapse into one more read. */
  async refresh(): Promise<void> {
    if (this.loading) {
      this.queued = true;
      return;
    }
    try {
      await this.load();
    } catch (err) {
      this.ctx.log.error('dashboard: could not read the job store', err);
    }
    if (this.queued) {
      this.queued = false;
      await this.refresh();
    }
  }

  private load(): Promise<StatsSnapshot> {
    this.loading ??= (async () => {
      try {
        const { stats, problems } = await loadJobStats(this.ctx.store, this.summaries);
        const snap = { stats, problems: problems.length };
        const sig = `${statsSignature(stats)}#${snap.problems}`;
        this.last = snap;
        if (sig !== this.signature) {
          this.signature = sig;
          this.changed.fire(snap);
        }
        return snap;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
