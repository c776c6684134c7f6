import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { registerCommand } from '../commands';
import { parseMessage } from '../../shared/resultsProtocol';
import { DashboardStateSchema } from '../../shared/dashboardProtocol';
import { DASHBOARD_VIEW_TYPE } from './html';
import { DashboardPanel } from './dashboardPanel';
import { BudgetStatus } from './budgetStatus';
import { StatsFeed } from './statsFeed';

/**
 * Dashboard feature: `Batchwise: Open Dashboard` (restored after a reload: package.json has the activation event
 * `onWebviewPanel:batchwise.dashboard`) and the month-to-date budget item in the status bar.
 */
export function registerDashboard(ctx: BatchwiseContext): void {
  const feed = ctx.register(new StatsFeed(ctx));
  ctx.register(new BudgetStatus(ctx, feed));
  registerCommand(ctx, 'batchwise.openDashboard', () => {
    DashboardPanel.show(ctx, feed);
  });
  ctx.register({ dispose: () => DashboardPanel.disposeCurrent() });
  ctx.register(
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const s = parseMessage(DashboardStateSchema, state);
        DashboardPanel.revive(ctx, feed, panel, s?.filter);
        return Promise.resolve();
      },
    }),
  );
}
