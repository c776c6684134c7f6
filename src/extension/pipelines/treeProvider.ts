import * as vscode from 'vscode';
import { iconSafeText } from '../../core/safeText';
import type { PipelineRow } from '../../core/pipeline/treeModel';

/** Maps the model's rows to TreeItems; what a row shows is decided in core/pipeline/treeModel. */
export class PipelinesTreeProvider implements vscode.TreeDataProvider<PipelineRow>, vscode.Disposable {
  private rows: PipelineRow[] = [];
  private readonly parents = new Map<string, PipelineRow | undefined>();
  private readonly changed = new vscode.EventEmitter<PipelineRow | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  /** `onFirstShow`: the view asks for its rows the first time it is shown, so files are searched only then. */
  constructor(private readonly onFirstShow: () => void) {}

  private shown = false;

  setRows(rows: PipelineRow[]): void {
    this.rows = rows;
    this.parents.clear();
    for (const r of rows) {
      this.parents.set(r.id, undefined);
      for (const c of r.children) this.parents.set(c.id, r);
    }
    this.changed.fire(undefined);
  }

  get roots(): readonly PipelineRow[] {
    return this.rows;
  }

  getChildren(row?: PipelineRow): PipelineRow[] {
    if (!row && !this.shown) {
      this.shown = true;
      this.onFirstShow();
    }
    return row ? row.children : this.rows;
  }

  getParent(row: PipelineRow): PipelineRow | undefined {
    return this.parents.get(row.id);
  }

  getTreeItem(row: PipelineRow): vscode.TreeItem {
    const state = row.children.length === 0 ? vscode.TreeItemCollapsibleState.None : row.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(iconSafeText(row.label), state);
    item.id = row.id;
    item.description = iconSafeText(row.description);
    // Already safe plain text (treeModel): a string tooltip renders no markdown, links or icons.
    item.tooltip = row.tooltip;
    item.contextValue = row.contextValue;
    item.iconPath = new vscode.ThemeIcon(row.iconId, row.colorId ? new vscode.ThemeColor(row.colorId) : undefined);
    if (row.open?.kind === 'results') item.command = { command: 'batchwise.job.openResults', title: 'Open Results', arguments: [row.open.jobId] };
    else if (row.open?.kind === 'file' && row.kind === 'problem') item.command = { command: 'batchwise.pipelines.openFile', title: 'Open Pipeline File', arguments: [row] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
