import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { registerCommand } from '../commands';
import { loadPipeline, PipelineFileError, type LoadedPipeline } from '../../core/pipeline/load';
import { PIPELINE_FILE } from '../../core/pipeline/schema';
import { setPaused } from '../../core/pipeline/state';
import { firstProblem } from '../../core/pipeline/treeModel';
import { showInformation, showPick, showWarning } from '../notify';
import { PipelineDiagnostics } from './diagnostics';
import { PipelineLens } from './codeLens';
import { PipelineRunner } from './runNow';
import { PIPELINE_GLOB, PipelinesView } from './pipelinesView';

/**
 * The Pipelines view (below Batches), Run Now / Pause / Resume / Open File, the CodeLens and the diagnostics of
 * pipeline files. Activation only creates the view and registers providers: the workspace is searched when the view
 * is first shown (or a command needs it).
 */
export function registerPipelines(ctx: BatchwiseContext): void {
  const view = ctx.register(new PipelinesView(ctx));
  const runner = new PipelineRunner(ctx, () => void view.reload());
  ctx.register(new PipelineDiagnostics(() => ctx.config.validationDebounceMs));
  const lens = ctx.register(new PipelineLens(ctx.store, view.onDidChange));
  ctx.register(vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: PIPELINE_GLOB }, lens));

  /** The pipeline file a command is about: a row, a URI (CodeLens, explorer), a path, the active editor, or a pick. */
  async function fileOf(arg: unknown): Promise<string | undefined> {
    if (arg instanceof vscode.Uri) return arg.fsPath;
    if (typeof arg === 'string') return arg;
    if (arg && typeof arg === 'object' && typeof (arg as { file?: unknown }).file === 'string') return (arg as { file: string }).file;
    const selected = view.view.selection[0];
    if (view.view.visible && selected) return selected.file;
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === 'file' && PIPELINE_FILE.test(active.fsPath)) return active.fsPath;
    await view.start();
    const known = view.known;
    if (!known.length) {
      void showInformation('Batchwise: no pipeline files (*.batchwise.yaml, .yml or .json) in this workspace. A pipeline file names the requests, the provider and the schedule; see the README\'s Pipelines section.');
      return undefined;
    }
    if (known.length === 1) return known[0]!.file;
    const pick = await showPick(
      known.map((o) => ({ label: o.name, description: vscode.workspace.asRelativePath(o.file), file: o.file })),
      { placeHolder: 'Which pipeline?' },
    );
    return pick?.file;
  }

  /** The pipeline, or a warning naming its first problem (with a way to it) when the file cannot be used. */
  async function loadOrExplain(file: string): Promise<LoadedPipeline | undefined> {
    try {
      const loaded = await loadPipeline(file);
      void view.track(loaded.file);
      return loaded;
    } catch (err) {
      if (!(err instanceof PipelineFileError)) throw err;
      const first = firstProblem(err.message, err.file);
      const name = file.split(/[\\/]/).pop();
      const pick = await showWarning(`Batchwise: ${name} cannot run: line ${first.line}: ${first.message}${err.problems.length > 1 ? ` (and ${err.problems.length - 1} more)` : ''}`, 'Open File');
      if (pick === 'Open File') await openAt(file, first.line, first.column);
      return undefined;
    }
  }

  const cmd = (id: string, fn: (arg?: unknown) => Promise<unknown>) => registerCommand(ctx, id, (arg?: unknown) => fn(arg));

  cmd('batchwise.pipelines.runNow', async (arg) => {
    const file = await fileOf(arg);
    const loaded = file && (await loadOrExplain(file));
    if (!loaded) return undefined;
    // Unsaved edits would not be what runs: the cycle reads the file on disk.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === loaded.file);
    if (open?.isDirty) {
      const pick = await showWarning(`Batchwise: ${loaded.file.split(/[\\/]/).pop()} has unsaved changes; the cycle runs what is on disk.`, 'Save and Run', 'Run Saved Version');
      if (!pick) return undefined;
      if (pick === 'Save and Run') {
        await open.save();
        return vscode.commands.executeCommand('batchwise.pipelines.runNow', vscode.Uri.file(loaded.file));
      }
    }
    return runner.runNow(loaded);
  });

  const pause = (paused: boolean) => async (arg?: unknown) => {
    const file = await fileOf(arg);
    const loaded = file && (await loadOrExplain(file));
    if (!loaded) return;
    await setPaused(ctx.store.home, loaded.file, loaded.pipeline.name, paused);
    await view.reload([loaded.file]);
    vscode.window.setStatusBarMessage(
      paused ? `Pipeline "${loaded.pipeline.name}" paused: batchwise serve starts no scheduled cycle of it` : `Pipeline "${loaded.pipeline.name}" resumed`,
      4000,
    );
  };
  cmd('batchwise.pipelines.pause', pause(true));
  cmd('batchwise.pipelines.resume', pause(false));

  cmd('batchwise.pipelines.openFile', async (arg) => {
    const file = await fileOf(arg);
    if (!file) return;
    const at = arg && typeof arg === 'object' && 'open' in arg ? (arg as { open?: { kind: string; line?: number; column?: number } }).open : undefined;
    await openAt(file, at?.kind === 'file' ? (at.line ?? 1) : 1, at?.kind === 'file' ? (at.column ?? 1) : 1);
  });

  cmd('batchwise.pipelines.refresh', async () => {
    await view.start();
    await view.rescan();
  });

  // A pipeline file opened in an editor shows in the view even before the view was opened.
  ctx.register(
    vscode.window.onDidChangeActiveTextEditor((e) => {
      const uri = e?.document.uri;
      if (uri?.scheme === 'file' && PIPELINE_FILE.test(uri.fsPath)) void view.track(uri.fsPath);
    }),
  );
}

async function openAt(file: string, line: number, column: number): Promise<void> {
  const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, column - 1));
  await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(pos, pos), preview: false });
}
