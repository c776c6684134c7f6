import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { REMOVE_BOM_COMMAND, removeBom, ValidationCodeActions } from './codeActions';
import { DiagnosticsStore } from './diagnosticsStore';
import { LargeFileValidation } from './largeFiles';
import { LiveValidation } from './liveValidation';
import { ValidationStatusBar } from './statusBar';
import { ValidateCommand } from './validateCommand';

/**
 * Validation in the editor: live diagnostics for `.jsonl` documents, disk validation for files too big
 * for an editor, the status bar summary, quick fixes and the `batchwise.validate` command.
 */
export function registerValidation(ctx: BatchwiseContext): void {
  const store = ctx.register(new DiagnosticsStore());
  const live = ctx.register(new LiveValidation(ctx, store));
  const large = ctx.register(new LargeFileValidation(ctx, store));
  ctx.register(new ValidationStatusBar(store, () => ctx.config.validationEnabled));
  ctx.register(
    vscode.languages.registerCodeActionsProvider(
      [{ language: 'jsonl' }, { pattern: '**/*.jsonl' }],
      new ValidationCodeActions(store),
      ValidationCodeActions.metadata,
    ),
  );
  const command = new ValidateCommand(ctx, store, live, large);
  ctx.register(vscode.commands.registerCommand('batchwise.validate', (uri?: unknown, uris?: unknown) => command.execute(uri, uris)));
  ctx.register(
    vscode.commands.registerCommand(REMOVE_BOM_COMMAND, async (uri: vscode.Uri) => {
      try {
        if (!(await removeBom(uri))) return;
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        if (doc) await live.validateNow(doc);
        else await large.validate(uri);
      } catch (err) {
        ctx.log.error(`Removing the BOM from ${uri.fsPath}`, err);
        void vscode.window.showErrorMessage(`Batchwise could not remove the BOM: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
}
