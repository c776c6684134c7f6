import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { BatchwiseContext } from '../context';
import { registerCommand } from '../commands';
import { formatEstimate } from '../../core/estimate';
import { setApiKeyCommand } from '../profiles';
import { estimateWithProgress, saveIfDirty, submitFile } from './flow';
import { estimateSummary } from './confirmText';
import { ESTIMATE_SCHEME, EstimateDocuments } from './estimateDocs';
import { profilesWithSecrets } from '../profileSettings';
import { showError, showInformation, showWarning } from '../notify';

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
  void showWarning(`Open a .jsonl file (or select one in the Explorer) to ${action} it.`);
}

export function registerSubmit(ctx: BatchwiseContext): void {
  registerCommand(ctx, 'batchwise.submit', async (uri?: unknown, uris?: unknown) => {
    const files = targets(uri, uris);
    if (files.length === 0) return noFile('submit');
    // One after the other: each has its own confirmation and progress.
    for (const f of files) await submitFile(ctx, f);
  });

  const estimates = new EstimateDocuments();
  ctx.register(estimates);
  ctx.register(vscode.workspace.registerTextDocumentContentProvider(ESTIMATE_SCHEME, estimates));
  registerCommand(ctx, 'batchwise.estimate', async (uri?: unknown, uris?: unknown) => {
    const files = targets(uri, uris);
    if (files.length === 0) return noFile('estimate');
    for (const f of files) {
      if (f.scheme !== 'file') {
        void showWarning(`Batchwise can only estimate files on disk (${basename(f.path)} is ${f.scheme}:). Save it to a .jsonl file first.`);
        continue;
      }
      if (!(await saveIfDirty(f))) continue;
      const { estimate, error, cancelled } = await estimateWithProgress(ctx, f, ctx.config.provider === 'auto' ? undefined : ctx.config.provider);
      if (cancelled) return;
      if (!estimate) {
        void showError(`Batchwise: could not estimate ${basename(f.fsPath)}: ${error ?? 'unknown error'}`);
        continue;
      }
      const choice = await showInformation(estimateSummary(basename(f.fsPath), estimate), 'Details');
      if (choice === 'Details') {
        const uri = estimates.show(f.fsPath, formatEstimate(f.fsPath, estimate, { validateHint: 'see the Problems panel' }));
        await vscode.window.showTextDocument(uri, { preview: true });
      }
    }
  });

  registerCommand(ctx, 'batchwise.setApiKey', () => setApiKeyCommand(ctx));

  warnAboutKeysInSettings(ctx);
  ctx.register(
    ctx.config.onDidChange((e) => {
      if (e.affectsConfiguration('batchwise.profiles')) warnAboutKeysInSettings(ctx);
    }),
  );
}

/** A key typed into `batchwise.profiles` is ignored (keys live in SecretStorage): say so, once per change. */
function warnAboutKeysInSettings(ctx: BatchwiseContext): void {
  const names = profilesWithSecrets(vscode.workspace.getConfiguration('batchwise').get<unknown>('profiles'));
  if (names.length === 0) return;
  // Names only: never the values.
  ctx.log.warn(`settings: ${names.length === 1 ? 'profile' : 'profiles'} ${names.join(', ')} ${names.length === 1 ? 'holds' : 'hold'} an API key in batchwise.profiles; it is ignored`);
  void showWarning(
      `Batchwise: the profile${names.length === 1 ? '' : 's'} ${names.map((n) => `"${n}"`).join(', ')} in your settings hold${names.length === 1 ? 's' : ''} an API key. Batchwise never reads keys from settings, where they sit in plain text: remove it and use Set API Key (stored in SecretStorage).`,
      'Set API Key',
      'Open Settings',
    )
    .then(
      async (choice) => {
        if (choice === 'Set API Key') await vscode.commands.executeCommand('batchwise.setApiKey');
        else if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettingsJson');
      },
      () => undefined,
    );
}
