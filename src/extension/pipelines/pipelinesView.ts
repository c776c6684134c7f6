import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { pipelineOverview, type PipelineOverview } from '../../core/pipeline/overview';
import { PIPELINE_FILE } from '../../core/pipeline/schema';
import { pipelineRows, type PipelineRow } from '../../core/pipeline/treeModel';
import { watchPipelineStates } from '../../core/pipeline/watch';
import { errorMessage } from '../errors';
import { PipelinesTreeProvider } from './treeProvider';

export const PIPELINE_GLOB = '**/*.batchwise.{yaml,yml,json}';
/** Set once the workspace was searched: the view's welcome text waits for it (package.json viewsWelcome). */
const LOADED_CONTEXT = 'batchwise.pipelinesLoaded';
/** "next in 3h", "2m ago" move on while the view is visible. */
const TICK_MS = 30_000;

/**
 * The Pipelines view's controller: the pipeline files of the workspace (searched the first time the view is shown,
 * then kept by a file watcher), their state in the job store (watched, so cycles run here, by the CLI or by `serve`
 * show as they go), and the rows. Nothing is searched or read at activation.
 */
export class PipelinesView implements vscode.Disposable {
  readonly tree: PipelinesTreeProvider;
  readonly view: vscode.TreeView<PipelineRow>;
  private readonly overviews = new Map<string, PipelineOverview>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after the rows were rebuilt from disk (the CodeLens follows it). */
  readonly onDidChange = this.changed.event;
  private started: Promise<void> | undefined;
  private loading: Promise<void> | undefined;
  private loadAgain = false;
  private dirty = false;
  private readonly expansion = new Map<string, boolean>();

  constructor(private readonly ctx: BatchwiseContext) {
    this.tree = new PipelinesTreeProvider(() => void this.start());
    this.view = vscode.window.createTreeView('batchwise.pipelines', { treeDataProvider: this.tree });
    const timer = setInterval(() => {
      if (this.view.visible && this.overviews.size > 0) this.render();
    }, TICK_MS);
    this.disposables.push(
      this.tree,
      this.view,
      this.changed,
      { dispose: () => clearInterval(timer) },
      this.view.onDidChangeVisibility((e) => {
        if (!e.visible) return;
        if (!this.started) void this.start();
        else if (this.dirty) this.render();
      }),
      this.view.onDidExpandElement((e) => void this.expansion.set(e.element.id, true)),
      this.view.onDidCollapseElement((e) => void this.expansion.set(e.element.id, false)),
    );
  }

  /** The pipelines known so far (empty until the view was first shown or a command asked). */
  get known(): readonly PipelineOverview[] {
    return [...this.overviews.values()];
  }

  /** Searches the workspace once, then watches it and the pipelines' state; later calls wait for the same search. */
  start(): Promise<void> {
    this.started ??= (async () => {
      const watcher = vscode.workspace.createFileSystemWatcher(PIPELINE_GLOB);
      this.disposables.push(
        watcher,
        watcher.onDidCreate((uri) => void this.reload([uri.fsPath])),
        watcher.onDidChange((uri) => void this.reload([uri.fsPath])),
        watcher.onDidDelete((uri) => {
          this.overviews.delete(uri.fsPath);
          this.render();
          this.changed.fire();
        }),
        watchPipelineStates(this.ctx.store.home, () => void this.reload()),
      );
      try {
        await this.rescan();
      } finally {
        await vscode.commands.executeCommand('setContext', LOADED_CONTEXT, true).then(undefined, () => undefined);
      }
    })();
    return this.started;
  }

  /** Searches the workspace again (Refresh): files gone since are dropped, new ones added. */
  async rescan(): Promise<void> {
    const found = new Set((await vscode.workspace.findFiles(PIPELINE_GLOB, '**/node_modules/**')).filter((u) => u.scheme === 'file').map((u) => u.fsPath));
    const inWorkspace = (f: string) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(f)) !== undefined;
    for (const f of this.overviews.keys()) if (!found.has(f) && inWorkspace(f)) this.overviews.delete(f);
    await this.reload([...found]);
  }

  /** Adds a file the watcher may not see (opened from outside the workspace, or before the search ran). */
  async track(file: string): Promise<void> {
    if (!PIPELINE_FILE.test(file)) return;
    await this.start();
    if (!this.overviews.has(file)) await this.reload([file]);
  }

  /** Re-reads these files (default: every known one) and their state; concurrent calls coalesce. */
  reload(files?: readonly string[]): Promise<void> {
    for (const f of files ?? []) if (!this.overviews.has(f)) this.overviews.set(f, { file: f, name: f.split(/[\\/]/).pop() ?? f, paused: false, cycles: [] });
    if (this.loading) {
      this.loadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.loadAgain = false;
        const now = new Date();
        await Promise.all(
          [...this.overviews.keys()].map(async (file) => {
            const o = await pipelineOverview(this.ctx.store.home, file, now).catch((err: unknown) => {
              this.ctx.log.warn(`pipeline ${file}: ${errorMessage(err)}`);
              // A state file that cannot be read (PipelineStateError) is shown as the row's problem, with its path.
              return { file, name: file.split(/[\\/]/).pop() ?? file, problem: `${file}: ${errorMessage(err)}`, paused: false, cycles: [] } satisfies PipelineOverview;
            });
            if (this.overviews.has(file)) this.overviews.set(file, o);
          }),
        );
        this.render();
        this.changed.fire();
      } while (this.loadAgain);
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }

  render(): void {
    const running = this.known.filter((o) => o.running).length;
    this.view.badge = running > 0 ? { value: running, tooltip: `${running} pipeline ${running === 1 ? 'cycle' : 'cycles'} running` } : undefined;
    if (!this.view.visible) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    const rows = pipelineRows(this.known, { now: Date.now() });
    for (const r of rows) {
      const chosen = this.expansion.get(r.id);
      if (chosen !== undefined) r.expanded = chosen;
    }
    this.tree.setRows(rows);
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // Keep disposing the rest.
      }
    }
  }
}
