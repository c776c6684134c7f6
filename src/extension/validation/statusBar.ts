import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { DiagnosticsStore } from './diagnosticsStore';
import { isJsonlDocument, isJsonlPath } from './documents';
import { statusAccessibilityLabel, statusText, statusTooltip } from './summary';

/**
 * The summary of the active `.jsonl` file: `$(error) 3 errors · 12,000 requests · openai /v1/chat/completions`.
 * A click opens the Problems panel. Hidden for every other editor.
 */
export class ValidationStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('batchwise.validation', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly store: DiagnosticsStore,
    private readonly enabled: () => boolean,
  ) {
    this.item.name = 'Batchwise Validation';
    this.item.command = { command: 'workbench.actions.view.problems', title: 'Show Problems' };
    this.subscriptions.push(
      store.onDidChange((uri) => {
        if (uri.toString() === this.activeUri()?.toString()) this.update();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      // A file too big for an editor has a tab but no text editor: follow the tabs too.
      vscode.window.tabGroups.onDidChangeTabs(() => this.update()),
    );
    this.update();
  }

  /** The `.jsonl` file in front: the active text editor's, or the active tab's when VS Code gave no document. */
  activeUri(): vscode.Uri | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc) return isJsonlDocument({ languageId: doc.languageId, scheme: doc.uri.scheme, path: doc.uri.path }) ? doc.uri : undefined;
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputText && isJsonlPath(input.uri.path) ? input.uri : undefined;
  }

  update(): void {
    const uri = this.activeUri();
    const entry = uri && this.store.get(uri);
    if (!uri || (!entry && !this.store.isBusy(uri)) || (!entry && !this.enabled())) {
      this.item.hide();
      return;
    }
    if (!entry) {
      this.item.text = '$(sync~spin) Validating…';
      this.item.tooltip = `Batchwise is validating ${basename(uri.path)}`;
      this.item.accessibilityInformation = { label: `Batchwise is validating ${basename(uri.path)}` };
    } else {
      const busy = this.store.isBusy(uri) ? ' $(sync~spin)' : '';
      this.item.text = statusText(entry.summary) + busy;
      this.item.tooltip = statusTooltip(basename(uri.path), entry.summary);
      this.item.accessibilityInformation = { label: statusAccessibilityLabel(entry.summary) };
    }
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
