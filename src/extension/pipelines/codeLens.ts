import * as vscode from 'vscode';
import type { JobStore } from '../../core/jobs/store';
import { parsePipeline } from '../../core/pipeline/load';
import { readPipelineState } from '../../core/pipeline/state';
import { pipelineRows } from '../../core/pipeline/treeModel';
import { iconSafeText } from '../../core/safeText';
import { isPipelineDocument } from './diagnostics';

/**
 * At the top of a pipeline file: "▶ Run pipeline now", Pause or Resume, and the last cycle (opening its results).
 * A file with problems gets none (its diagnostics say what to fix); the lenses follow the pipeline's state.
 */
export class PipelineLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly store: JobStore,
    refreshOn: vscode.Event<void>,
  ) {
    this.subscription = refreshOn(() => this.changed.fire());
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!isPipelineDocument(doc)) return [];
    let loaded;
    try {
      loaded = parsePipeline(doc.uri.fsPath, doc.getText());
    } catch {
      return [];
    }
    const state = await readPipelineState(this.store.home, loaded.file, loaded.pipeline.name).catch(() => undefined);
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [new vscode.CodeLens(top, { title: '▶ Run pipeline now', tooltip: 'Run one cycle of this pipeline and follow it to its end', command: 'batchwise.pipelines.runNow', arguments: [doc.uri] })];
    if (!state) return lenses;
    lenses.push(
      state.paused
        ? new vscode.CodeLens(top, { title: 'Resume', tooltip: 'batchwise serve runs it on its schedule again', command: 'batchwise.pipelines.resume', arguments: [doc.uri] })
        : new vscode.CodeLens(top, { title: 'Pause', tooltip: 'batchwise serve starts no scheduled cycle until it is resumed (Run Now still works)', command: 'batchwise.pipelines.pause', arguments: [doc.uri] }),
    );
    // The cycle row's own text, so the lens and the Pipelines view say the same.
    const [row] = pipelineRows([{ file: loaded.file, name: loaded.pipeline.name, loaded, paused: state.paused, cycles: state.cycles, ...(state.cycles.at(-1) ? { last: state.cycles.at(-1)! } : {}) }], { now: Date.now() });
    const cycle = row?.children[0];
    if (cycle) {
      const title = iconSafeText(`Last cycle ${cycle.label}: ${cycle.description}`);
      lenses.push(new vscode.CodeLens(top, cycle.jobId ? { title, tooltip: 'Open its results', command: 'batchwise.job.openResults', arguments: [cycle.jobId] } : { title, command: '' }));
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
