import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { PanelStateSchema, parseMessage } from '../../shared/resultsProtocol';
import { VIEW_TYPE } from './html';
import { RESULT_SCHEME, ResultDocuments } from './virtualDocs';
import { ResultsPanel, type PanelDeps } from './resultsPanel';
import { ResultsCommands, type JobArg } from './commands';

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

  const cmd = (id: string, fn: (...args: never[]) => Promise<void>) =>
    ctx.register(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await (fn as (...a: unknown[]) => Promise<void>)(...args);
        } catch (err) {
          ctx.log.error(`${id} failed`, err);
          void vscode.window.showErrorMessage(`Batchwise: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
  cmd('batchwise.openResults', (arg?: JobArg) => commands.openResults(arg));
  cmd('batchwise.job.openResults', (arg?: JobArg) => commands.openJobResults(arg));
  cmd('batchwise.job.downloadResults', (arg?: JobArg, format?: 'jsonl' | 'csv') => commands.downloadResults(arg, format));
  cmd('batchwise.job.resubmitFailed', (arg?: JobArg) => commands.resubmitFailed(arg));

  ctx.register(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const s = parseMessage(PanelStateSchema, state);
        if (!s) {
          // Nothing to restore from (saved before the first load finished): close rather than show an empty panel.
          panel.dispose();
          return;
        }
        await ResultsPanel.revive(deps, panel, s.source);
      },
    }),
  );
}
