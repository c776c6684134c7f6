import * as vscode from 'vscode';
import { iconSafeText } from '../../core/safeText';
import type { TreeRow } from '../../core/jobs/treeModel';
import { redactSecrets } from '../errors';

/** Maps the model's rows to TreeItems; all decisions about what a row shows live in core/jobs/treeModel. */
export class BatchesTreeProvider implements vscode.TreeDataProvider<TreeRow>, vscode.Disposable {
  private rows: TreeRow[] = [];
  private parents = new Map<string, TreeRow | undefined>();
  private readonly changed = new vscode.EventEmitter<TreeRow | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  setRows(rows: TreeRow[]): void {
    this.rows = rows;
    this.parents = new Map();
    const walk = (list: TreeRow[], parent: TreeRow | undefined) => {
      for (const r of list) {
        this.parents.set(r.id, parent);
        walk(r.children, r);
      }
    };
    walk(rows, undefined);
    this.changed.fire(undefined);
  }

  get roots(): readonly TreeRow[] {
    return this.rows;
  }

  getChildren(row?: TreeRow): TreeRow[] {
    return row ? row.children : this.rows;
  }

  getParent(row: TreeRow): TreeRow | undefined {
    return this.parents.get(row.id);
  }

  getTreeItem(row: TreeRow): vscode.TreeItem {
    const state =
      row.children.length === 0
        ? vscode.TreeItemCollapsibleState.None
        : row.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(iconSafeText(row.label), state);
    item.id = row.id;
    item.description = row.description === undefined ? undefined : iconSafeText(row.description);
    item.contextValue = row.contextValue;
    item.iconPath = new vscode.ThemeIcon(row.iconId, row.colorId ? new vscode.ThemeColor(row.colorId) : undefined);
    if (row.tooltipMarkdown) {
      // Untrusted (names, paths and provider errors are in it, escaped by the model); a base URL with
      // credentials or a `?key=` would be shown as is, so secrets are redacted too.
      const md = new vscode.MarkdownString(redactSecrets(row.tooltipMarkdown), true);
      md.isTrusted = false;
      md.supportHtml = false;
      item.tooltip = md;
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
