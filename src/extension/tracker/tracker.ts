import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import type { Job } from '../../core/jobs/job';
import { isTerminal, ProviderIdSchema, type ProviderId } from '../../core/status';
import { Poller } from '../../core/jobs/poller';
import { jobCounts } from '../../core/jobs/counts';
import { activeCount, buildTree, finishedLines, type TreeRow } from '../../core/jobs/treeModel';
import { completionMessage, hasFailedLines, shouldNotify } from '../../core/jobs/notify';
import { refreshJob } from '../../jobs/refresh';
import { BatchesTreeProvider } from './treeProvider';
import { TrackerProviders } from './providers';
import { errorMessage, FailureReporter } from '../errors';
import { ResultsKeeper } from './resultsKeeper';
import { showError, showInformation, showWarning, withProgress } from '../notify';

const FILTER_KEY = 'batchwise.tracker.providerFilter';
/** Set once the job store has been read: the view's welcome text waits for it (package.json viewsWelcome). */
const LOADED_CONTEXT = 'batchwise.jobsLoaded';
/** Polls of one job that may fail in a row (network blips, rate limits) before the user is told. */
const POLL_FAILURES_BEFORE_REPORT = 3;

/**
 * The Batches view's controller: keeps the job list in step with the store (the extension's own writes,
 * the CLI's, another window's), drives the poller, and owns the badge, the status bar item and the
 * completion notifications. Nothing here blocks: every store read and provider call is awaited off the UI path.
 */
export class Tracker implements vscode.Disposable {
  readonly tree = new BatchesTreeProvider();
  readonly view: vscode.TreeView<TreeRow>;
  readonly providers: TrackerProviders;
  readonly poller: Poller;
  readonly keeper: ResultsKeeper;
  private jobs: Job[] = [];
  private readonly statusBar: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  /** Local runs: requests/s measured between two polls (the job records counts, not rates). */
  private readonly rates = new Map<string, { done: number; at: number; rate?: number }>();
  /** Consecutive poll failures per job: reported to the user once per streak. */
  private readonly pollFailures = new FailureReporter<string>(POLL_FAILURES_BEFORE_REPORT);
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  private storeErrorShown = false;
  private dirty = false;
  /** Expand/collapse choices by row id, kept when a job moves to another group (new parent, same id). */
  private readonly expansion = new Map<string, boolean>();

  constructor(private readonly ctx: BatchwiseContext) {
    this.providers = new TrackerProviders(ctx);
    this.view = vscode.window.createTreeView('batchwise.batches', { treeDataProvider: this.tree, showCollapseAll: true });
    this.statusBar = vscode.window.createStatusBarItem('batchwise.batchesRunning', vscode.StatusBarAlignment.Left, 10);
    this.statusBar.name = 'Batchwise: batches running';
    this.statusBar.command = 'batchwise.batches.focus';
    this.poller = new Poller({
      refresh: (job, signal) => this.refreshOne(job, signal),
      settings: () => ({ floorMs: ctx.config.pollIntervalSeconds * 1000, maxConcurrent: ctx.config.maxConcurrentPolls }),
      onJobUpdated: (job) => this.upsert(job),
      onJobEnded: (job) => void this.jobEnded(job),
      log: { warn: (m) => ctx.log.warn(m), info: (m) => ctx.log.info(m) },
    });
    this.keeper = new ResultsKeeper({
      store: ctx.store,
      provider: (job) => this.providers.get(job),
      pricing: () => ctx.config.pricing,
      log: ctx.log,
      onKept: (job) => this.upsert(job),
      deleteInputFiles: () => ctx.config.deleteInputFilesWhenDone,
    });
    this.poller.setFocused(vscode.window.state.focused);
    this.disposables.push(
      this.keeper,
      this.tree,
      this.view,
      this.statusBar,
      this.providers,
      { dispose: () => this.poller.dispose() },
      ctx.store.watch(() => void this.reload()),
      vscode.window.onDidChangeWindowState((s) => {
        this.poller.setFocused(s.focused);
        // Another window or the CLI may have changed jobs while this one was in the background.
        if (s.focused) void this.reload();
      }),
      this.view.onDidExpandElement((e) => void this.expansion.set(e.element.id, true)),
      this.view.onDidCollapseElement((e) => void this.expansion.set(e.element.id, false)),
      this.view.onDidChangeVisibility((e) => {
        if (e.visible && this.dirty) this.render();
      }),
      ctx.config.onDidChange((e) => {
        if (e.affectsConfiguration('batchwise.tracker.groupBy')) this.render();
        if (e.affectsConfiguration('batchwise.home')) {
          void showInformation('Batchwise: the job store folder changed; reload the window to follow the jobs there.');
        }
      }),
      this.startTicker(),
    );
  }

  /**
   * First load after activation: every active job in the store is followed again. Until the store is read the view
   * shows a progress bar and no welcome text: "No batches yet" over a store that has jobs would be wrong.
   */
  async start(): Promise<void> {
    try {
      await withProgress({ location: { viewId: 'batchwise.batches' } }, () => this.reload());
    } finally {
      await vscode.commands.executeCommand('setContext', LOADED_CONTEXT, true).then(undefined, () => undefined);
    }
    this.poller.resume(this.jobs);
  }

  /** Keeps the results of jobs that ended while no window watched (the CLI polled them, or VS Code was closed). */
  private keepEnded(): void {
    void this.keeper.keep(this.jobs);
  }

  get providerFilter(): ProviderId | undefined {
    const v = ProviderIdSchema.safeParse(this.ctx.extension.workspaceState.get(FILTER_KEY));
    return v.success ? v.data : undefined;
  }

  async setProviderFilter(p: ProviderId | undefined): Promise<void> {
    await this.ctx.extension.workspaceState.update(FILTER_KEY, p);
    this.render();
  }

  get allJobs(): readonly Job[] {
    return this.jobs;
  }

  /** Re-reads the store; concurrent calls coalesce into one more read. */
  reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.reloadAgain = false;
        try {
          const { jobs, problems } = await this.ctx.store.list();
          for (const p of problems) this.ctx.log.warn(`job store: ${p.path}: ${p.message}`);
          // A copy newer than the files just read (a poll answered meanwhile) wins; the store decides which jobs exist.
          const mine = new Map(this.jobs.map((j) => [j.id, j]));
          this.jobs = jobs.map((j) => {
            const m = mine.get(j.id);
            return m && m.updatedAt > j.updatedAt ? m : j;
          });
          // New jobs (submitted here or by the CLI) start being polled; ended ones stop.
          for (const j of jobs) if (!isTerminal(j.status) || this.poller.trackedIds.includes(j.id)) this.poller.track(j);
          const ids = new Set(jobs.map((j) => j.id));
          for (const id of this.poller.trackedIds) if (!ids.has(id)) this.poller.untrack(id);
          this.storeErrorShown = false;
          this.keepEnded();
        } catch (err) {
          this.ctx.log.error('cannot read the job store', err);
          // Once until it works again: the watcher would otherwise repeat it at every change.
          if (!this.storeErrorShown) {
            this.storeErrorShown = true;
            void showError(`Batchwise cannot read the job store ${this.ctx.store.home}: ${errorMessage(err)}. Check the folder (setting batchwise.home), then Refresh.`);
          }
        }
        this.render();
      } while (this.reloadAgain);
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Puts a fresh copy of one job in the list (after a poll or a command) without re-reading the store. */
  upsert(job: Job): void {
    const i = this.jobs.findIndex((j) => j.id === job.id);
    if (i >= 0) this.jobs[i] = job;
    else this.jobs.unshift(job);
    this.measureRate(job);
    this.render();
  }

  private measureRate(job: Job): void {
    if (job.provider !== 'local') return;
    const done = finishedLines(jobCounts(job));
    const now = Date.now();
    const prev = this.rates.get(job.id);
    const rate = prev && now > prev.at && done >= prev.done ? ((done - prev.done) * 1000) / (now - prev.at) : prev?.rate;
    this.rates.set(job.id, { done, at: now, ...(rate !== undefined ? { rate } : {}) });
  }

  render(): void {
    const active = activeCount(this.jobs);
    this.view.badge = active > 0 ? { value: active, tooltip: `${active} ${active === 1 ? 'batch' : 'batches'} running` } : undefined;
    if (active > 0) {
      this.statusBar.text = `$(sync~spin) ${active} ${active === 1 ? 'batch' : 'batches'} running`;
      this.statusBar.tooltip = 'Show the Batches view';
      this.statusBar.show();
    } else {
      this.statusBar.hide();
    }
    const filter = this.providerFilter;
    this.view.description = filter ? `${filter} only` : undefined;
    // Skip building rows while nobody can see them; done when the view shows again.
    if (!this.view.visible) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    const rates = new Map<string, number>();
    for (const [id, r] of this.rates) if (r.rate !== undefined) rates.set(id, r.rate);
    const rows = buildTree(this.jobs, { groupBy: this.ctx.config.groupBy, provider: filter, now: Date.now(), rates });
    this.applyExpansion(rows);
    this.tree.setRows(rows);
    this.view.message = filter && this.jobs.length > 0 && this.tree.roots.length === 0 ? `No ${filter} batches. Use the filter button to show all.` : undefined;
  }

  private applyExpansion(rows: TreeRow[]): void {
    for (const row of rows) {
      const chosen = this.expansion.get(row.id);
      if (chosen !== undefined) row.expanded = chosen;
      this.applyExpansion(row.children);
    }
  }

  /** Times in the descriptions ("12m", "3h ago", "results expire in 2d") move on while the view is visible. */
  private startTicker(): vscode.Disposable {
    const timer = setInterval(() => {
      if (this.view.visible && this.jobs.length > 0) this.render();
    }, 30_000);
    return { dispose: () => clearInterval(timer) };
  }

  /**
   * The poller's refresh: the latest copy on disk (the CLI may have written it), polled through the job's profile.
   * The poller retries failures with backoff; a job that keeps failing is reported once (not at every poll).
   */
  private async refreshOne(job: Job, signal: AbortSignal): Promise<Job> {
    const current = await this.ctx.store.get(job.id);
    if (!current) {
      // Removed from the list meanwhile (here, in the CLI or another window): stop following it.
      this.pollFailures.forget(job.id);
      queueMicrotask(() => this.poller.untrack(job.id));
      throw new Error(`job ${job.id} was removed from the store`);
    }
    if (isTerminal(current.status)) return current;
    try {
      const provider = await this.providers.require(current);
      const updated = await refreshJob(this.ctx.store, current, provider, signal);
      this.pollFailures.succeeded(job.id);
      return updated;
    } catch (err) {
      // Aborted because the job stopped being followed (removed, window closing): not a failure to report.
      const stopped = signal.aborted && !this.poller.trackedIds.includes(job.id);
      if (!stopped && this.pollFailures.failed(job.id)) this.reportPollFailure(current, err);
      throw err;
    }
  }

  private reportPollFailure(job: Job, err: unknown): void {
    const n = this.pollFailures.failures(job.id);
    const message = `Batchwise: "${job.name}" could not be updated (${n} tries in a row): ${errorMessage(err)}. Batchwise keeps retrying in the background.`;
    void showWarning(message, 'Refresh Now', 'Show Log').then(
      async (choice) => {
        if (choice === 'Refresh Now') await vscode.commands.executeCommand('batchwise.job.refresh', job.id);
        else if (choice === 'Show Log') this.ctx.log.show();
      },
      () => undefined,
    );
  }

  private async jobEnded(job: Job): Promise<void> {
    this.upsert(job);
    this.rates.delete(job.id);
    // Before the notification, so "Open Results" finds them on disk (and still does after the provider forgets them).
    await this.keeper.keep([job], { again: true });
    try {
      const latest = (await this.ctx.store.get(job.id)) ?? job;
      if (!shouldNotify(latest, this.ctx.config.notifyOnCompletion)) return;
      // Recorded before showing, so a reload (or another window) does not tell the user twice.
      let mine = false;
      const marked = await this.ctx.store.update(job.id, (j) => {
        if (j.notifiedAt) return j;
        mine = true;
        return { ...j, notifiedAt: new Date().toISOString() };
      });
      this.upsert(marked);
      if (mine) await this.notify(marked);
    } catch (err) {
      this.ctx.log.error(`could not record the notification of ${job.id}`, err);
    }
  }

  private async notify(job: Job): Promise<void> {
    const message = completionMessage(job);
    const failed = hasFailedLines(job);
    const buttons = ['Open Results', ...(failed ? ['Resubmit Failed'] : [])];
    const bad = job.status === 'failed' || job.status === 'expired' || failed;
    const pick = await (bad ? showWarning(message, ...buttons) : showInformation(message, ...buttons));
    if (pick === 'Open Results') await vscode.commands.executeCommand('batchwise.job.openResults', job.id);
    else if (pick === 'Resubmit Failed') await vscode.commands.executeCommand('batchwise.job.resubmitFailed', job.id);
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // Keep disposing the rest.
      }
    }
  }
}
