import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { registerCommand } from '../commands';
import { errorMessage } from '../errors';
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
  registerCommand(ctx, 'batchwise.validate', (uri?: unknown, uris?: unknown) => command.execute(uri, uris));
  // Internal (the BOM quick fix's command): not in package.json, so it takes only what the code action passes.
  registerCommand(ctx, REMOVE_BOM_COMMAND, async (uri: unknown) => {
    if (!(uri instanceof vscode.Uri)) throw new Error('Remove BOM needs the file: use the quick fix on the byte order mark warning.');
    try {
      if (!(await removeBom(uri))) return;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc) await live.validateNow(doc);
      else await large.validate(uri);
    } catch (err) {
      throw new Error(`could not remove the BOM from ${uri.fsPath}: ${errorMessage(err)}`);
    }
  });
}
