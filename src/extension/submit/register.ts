import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { BatchwiseContext } from '../context';
import { formatEstimate } from '../../core/estimate';
import { setApiKeyCommand } from '../profiles';
import { estimateWithProgress, saveIfDirty, submitFile } from './flow';
import { estimateSummary } from './confirmText';

/**
 * Files a command applies to: the explorer's multi-selection, else the clicked file (explorer or
 * editor title), else the active editor's document.
 */
function targets(uri: unknown, uris: unknown): vscode.Uri[] {
  if (Array.isArray(uris) && uris.length > 0 && uris.every((u) => u instanceof vscode.Uri)) return uris as vscode.Uri[];
  if (uri instanceof vscode.Uri) return [uri];
  const active = vscode.window.activeTextEditor?.document.uri;
  return active ? [active] : [];
}

function noFile(action: string): void {
  void vscode.window.showWarningMessage(`Open a .jsonl file (or select one in the Explorer) to ${action} it.`);
}

export function registerSubmit(ctx: BatchwiseContext): void {
  ctx.register(
    vscode.commands.registerCommand('batchwise.submit', async (uri?: unknown, uris?: unknown) => {
      const files = targets(uri, uris);
      if (files.length === 0) return noFile('submit');
      // One after the other: each has its own confirmation and progress.
      for (const f of files) await submitFile(ctx, f);
    }),
  );

  ctx.register(
    vscode.commands.registerCommand('batchwise.estimate', async (uri?: unknown, uris?: unknown) => {
      const files = targets(uri, uris);
      if (files.length === 0) return noFile('estimate');
      for (const f of files) {
        if (f.scheme !== 'file' || !(await saveIfDirty(f))) continue;
        const { estimate, error } = await estimateWithProgress(ctx, f, ctx.config.provider === 'auto' ? undefined : ctx.config.provider);
        if (!estimate) {
          void vscode.window.showErrorMessage(`Batchwise: could not estimate ${basename(f.fsPath)}: ${error ?? 'unknown error'}`);
          continue;
        }
        const choice = await vscode.window.showInformationMessage(estimateSummary(basename(f.fsPath), estimate), 'Details');
        if (choice === 'Details') {
          const doc = await vscode.workspace.openTextDocument({ content: formatEstimate(f.fsPath, estimate), language: 'plaintext' });
          await vscode.window.showTextDocument(doc, { preview: true });
        }
      }
    }),
  );

  ctx.register(vscode.commands.registerCommand('batchwise.setApiKey', () => setApiKeyCommand(ctx)));
}
