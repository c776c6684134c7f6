import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { registerCommand } from '../commands';
import { NewBatchPanel } from './newBatchPanel';

const DATA_EXTENSIONS = ['csv', 'tsv', 'parquet', 'jsonl', 'json'];

/**
 * "New Batch from Data": a form over a table (CSV, TSV, Parquet, JSONL, JSON) that writes a request file. The panel and
 * the builder load when the command runs; nothing is restored after a reload (the templates are kept per file).
 */
export function registerNewBatch(ctx: BatchwiseContext): void {
  ctx.register({ dispose: () => NewBatchPanel.disposeAll() });
  registerCommand(ctx, 'batchwise.newBatchFromData', async (arg?: unknown) => {
    const data = arg instanceof vscode.Uri ? arg : await pickDataFile();
    if (!data) return;
    NewBatchPanel.show(ctx, data);
  });
}

/** From the palette: the open data file, else one chosen in a dialog. */
async function pickDataFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && DATA_EXTENSIONS.some((e) => active.fsPath.toLowerCase().endsWith(`.${e}`))) return active;
  const [picked] =
    (await vscode.window.showOpenDialog({
      canSelectMany: false,
      ...(active?.scheme === 'file' ? { defaultUri: vscode.Uri.joinPath(active, '..') } : {}),
      filters: { 'Data tables': DATA_EXTENSIONS },
      openLabel: 'Use This Data',
      title: 'New Batch from Data: choose a table',
    })) ?? [];
  return picked;
}
