import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { spendOf } from '../../core/monitor/budget';
import { budgetStatusText, budgetTooltip, hasLimits } from './budgetText';
import type { StatsFeed, StatsSnapshot } from './statsFeed';
import { localTimeZone } from '../../core/monitor/aggregate';

/** Month-to-date spend in the status bar, only while `batchwise.budget` sets a limit; a click opens the dashboard. */
export class BudgetStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('batchwise.budget', vscode.StatusBarAlignment.Left, 10);
  private subscription: vscode.Disposable | undefined;
  private readonly configWatch: vscode.Disposable;
  private rollover: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ctx: BatchwiseContext,
    private readonly feed: StatsFeed,
  ) {
    this.item.name = 'Batchwise Budget';
    this.item.command = 'batchwise.openDashboard';
    this.configWatch = ctx.config.onDidChange((e) => {
      if (e.affectsConfiguration('batchwise.budget')) this.update();
    });
    this.update();
  }

  private update(): void {
    if (!hasLimits(this.ctx.config.budget)) {
      this.subscription?.dispose();
      this.subscription = undefined;
      clearTimeout(this.rollover);
      this.item.hide();
      return;
    }
    this.subscription ??= this.feed.subscribe((s) => this.show(s));
    this.armRollover();
    this.feed.current().then(
      (s) => this.show(s),
      (err: unknown) => this.ctx.log.error('budget: could not read the job store', err),
    );
  }

  private show(s: StatsSnapshot): void {
    const budget = this.ctx.config.budget;
    if (!hasLimits(budget)) return;
    const spend = spendOf(s.stats, new Date(), localTimeZone());
    this.item.text = budgetStatusText(spend);
    this.item.tooltip = budgetTooltip(spend, budget);
    this.item.accessibilityInformation = { label: `Batchwise: ${budgetTooltip(spend, budget).replace(/\n/g, '. ')}` };
    this.item.show();
  }

  /**
   * Today's and this month's spend start again at local midnight even when no job changes: re-read then (and at
   * least hourly, which also follows a time zone or DST change).
   */
  private armRollover(): void {
    clearTimeout(this.rollover);
    const now = new Date();
    const midnight = new Date(now);
    midnight.setHours(24, 0, 1, 0);
    this.rollover = setTimeout(() => this.update(), Math.min(midnight.getTime() - now.getTime(), 3_600_000));
  }

  dispose(): void {
    clearTimeout(this.rollover);
    this.subscription?.dispose();
    this.configWatch.dispose();
    this.item.dispose();
  }
}
