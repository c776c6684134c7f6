import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { registerCommand, reportError } from '../commands';
import { PanelStateSchema, parseMessage } from '../../shared/resultsProtocol';
import { VIEW_TYPE } from './html';
import { RESULT_SCHEME, ResultDocuments } from './virtualDocs';
import { ResultsPanel, type PanelDeps } from './resultsPanel';
import { ResultsCommands, type JobArg } from './commands';
import { RetryFileLens } from './retryLens';

/**
 * Results feature: the results panel (one per retry chain, restored after a reload), the virtual documents
 * behind `Open in Diff Editor`, and the open / download / resubmit commands.
 * package.json needs the activation event `onWebviewPanel:batchwise.results` for the restore.
 */
export function registerResults(ctx: BatchwiseContext): void {
  const docs = ctx.register(new ResultDocuments());
  ctx.register(vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, docs));
  const deps: PanelDeps = {
    ctx,
    docs,
    providerForJob: async (jobId) => {
      const job = await ctx.store.get(jobId);
      return job ? commands.providerOf(job) : undefined;
    },
  };
  const commands = new ResultsCommands(ctx, deps);

  const cmd = (id: string, fn: (...args: never[]) => Promise<void>) => registerCommand(ctx, id, fn as (...a: unknown[]) => Promise<void>);
  cmd('batchwise.openResults', (arg?: JobArg) => commands.openResults(arg));
  cmd('batchwise.job.openResults', (arg?: JobArg) => commands.openJobResults(arg));
  // From a tree menu the second argument is the selection, not a format: only 'csv' picks CSV.
  cmd('batchwise.job.downloadResults', (arg?: JobArg, format?: unknown) => commands.downloadResults(arg, format === 'csv' ? 'csv' : undefined));
  cmd('batchwise.job.resubmitFailed', (arg?: JobArg) => commands.resubmitFailed(arg));
  cmd('batchwise.submitRetryFile', (arg?: unknown) => commands.submitRetryFile(arg));
  ctx.register(commands.retryFilesChanged);
  const lens = ctx.register(new RetryFileLens(ctx.store, commands.retryFilesChanged.event));
  ctx.register(vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: '**/retry-*.jsonl' }, lens));

  // Open panels close with the extension (each also disposes itself when the user closes it).
  ctx.register({ dispose: () => ResultsPanel.disposeAll() });
  ctx.register(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const s = parseMessage(PanelStateSchema, state, (reason) => ctx.log.warn(`results panel: not restored, its saved state is unusable (${reason})`));
        if (!s) {
          // Nothing to restore from (saved before the first load finished): close rather than show an empty panel.
          panel.dispose();
          return;
        }
        try {
          await ResultsPanel.revive(deps, panel, s.source);
        } catch (err) {
          panel.dispose();
          reportError(ctx, 'restoring the results panel', err);
        }
      },
    }),
  );
}
