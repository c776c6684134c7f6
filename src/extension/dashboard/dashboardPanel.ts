import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { parseMessage } from '../../shared/resultsProtocol';
import {
  DashboardWebviewMessageSchema,
  type DashboardFilter,
  type DashboardHostMessage,
  type DashboardWebviewMessage,
  type JobGroup,
} from '../../shared/dashboardProtocol';
import { countOf, formatMoney, statusText } from '../../core/format';
import { showInformation, showPick } from '../notify';
import { errorMessage } from '../errors';
import { DASHBOARD_VIEW_TYPE, dashboardHtml, dashboardWebviewOptions } from './html';
import { dashboardView, jobsBehind } from './dashboardData';
import type { StatsFeed, StatsSnapshot } from './statsFeed';
import { localTimeZone } from '../../core/monitor/aggregate';

const DEFAULT_FILTER: DashboardFilter = { period: '30d' };

/** The one dashboard panel: the figures of `aggregate` over the job store, sent again whenever a job changes. */
export class DashboardPanel {
  private static current: DashboardPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private filter: DashboardFilter;
  private disposed = false;

  static show(ctx: BatchwiseContext, feed: StatsFeed): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Batchwise Dashboard', vscode.ViewColumn.Active, dashboardWebviewOptions(ctx.extension.extensionUri));
    return new DashboardPanel(ctx, feed, panel, DEFAULT_FILTER);
  }

  /** Restores the panel after a reload, with the period and provider it had. */
  static revive(ctx: BatchwiseContext, feed: StatsFeed, panel: vscode.WebviewPanel, filter: DashboardFilter | undefined): DashboardPanel {
    DashboardPanel.current?.dispose();
    panel.webview.options = dashboardWebviewOptions(ctx.extension.extensionUri);
    return new DashboardPanel(ctx, feed, panel, filter ?? DEFAULT_FILTER);
  }

  static disposeCurrent(): void {
    DashboardPanel.current?.dispose();
  }

  private constructor(
    private readonly ctx: BatchwiseContext,
    private readonly feed: StatsFeed,
    readonly panel: vscode.WebviewPanel,
    filter: DashboardFilter,
  ) {
    DashboardPanel.current = this;
    this.filter = filter;
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'batchwise.svg');
    panel.webview.html = dashboardHtml(panel.webview, ctx.extension.extensionUri);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      // Sent only while the panel is visible: a hidden webview is rebuilt on show and asks again with `ready`.
      feed.subscribe((s) => {
        if (panel.visible) this.send(s);
      }),
      ctx.config.onDidChange((e) => {
        if (e.affectsConfiguration('batchwise.budget')) void this.refresh();
      }),
    );
  }

  private post(message: DashboardHostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private send(s: StatsSnapshot): void {
    const view = dashboardView(s.stats, this.filter, { now: new Date(), timeZone: localTimeZone(), budget: this.ctx.config.budget, problems: s.problems });
    this.post({ type: 'view', view });
  }

  private async refresh(): Promise<void> {
    try {
      this.send(await this.feed.current());
    } catch (err) {
      this.ctx.log.error('dashboard: could not read the job store', err);
      this.post({ type: 'error', message: `Could not read the job store at ${this.ctx.store.home}: ${errorMessage(err)}. Check the batchwise.home setting, then reopen the dashboard.` });
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseMessage(DashboardWebviewMessageSchema, raw, (reason) => this.ctx.log.warn(`dashboard: ignored a malformed message (${reason})`));
    if (!m) return;
    try {
      await this.handle(m);
    } catch (err) {
      this.ctx.log.error(`dashboard: ${m.type} failed`, err);
      this.post({ type: 'error', message: errorMessage(err) });
    }
  }

  private async handle(m: DashboardWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.filter = m.filter;
        await this.refresh();
        return;
      case 'filter':
        this.filter = m.filter;
        await this.refresh();
        return;
      case 'openJob':
        await vscode.commands.executeCommand('batchwise.job.openResults', m.jobId);
        return;
      case 'showJobs':
        await this.pickJob(m.group);
        return;
    }
  }

  /** The jobs behind a bar or point: one opens at once, several in a quick pick (texts made safe by showPick). */
  private async pickJob(group: JobGroup): Promise<void> {
    const { stats } = await this.feed.current();
    const jobs = jobsBehind(stats, this.filter, group, { now: new Date(), timeZone: localTimeZone() });
    if (!jobs.length) {
      void showInformation('Batchwise: no jobs behind that point any more.');
      return;
    }
    if (jobs.length === 1) {
      await vscode.commands.executeCommand('batchwise.job.openResults', jobs[0]!.id);
      return;
    }
    const what = group.kind === 'day' ? `${group.day}${group.provider ? ` · ${group.provider}` : ''}` : group.kind === 'provider' ? group.provider : group.key;
    const pick = await showPick(
      jobs.map((j) => ({
        label: j.name || j.id,
        description: `${statusText(j.status)} · ${j.provider} · ${countOf(j.requests, 'line')}${j.costUsd !== null ? ` · ${formatMoney(j.costUsd)}` : ''}`,
        detail: j.id,
        id: j.id,
      })),
      { placeHolder: `${countOf(jobs.length, 'job')} in ${what}: open which?`, matchOnDetail: true },
    );
    if (pick) await vscode.commands.executeCommand('batchwise.job.openResults', pick.id);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
