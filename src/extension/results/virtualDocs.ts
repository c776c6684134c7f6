import * as vscode from 'vscode';

export const RESULT_SCHEME = 'batchwise-result';
const MAX_DOCS = 64;

/**
 * Read-only virtual documents for `Open in Diff Editor`: the input's last user text and the output of one
 * row, so VS Code's own diff editor compares them. Content is kept for the most recent documents only.
 */
export class ResultDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(key: string, name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${encodeURIComponent(key)}/${name}` });
    this.docs.delete(uri.toString());
    this.docs.set(uri.toString(), text);
    while (this.docs.size > MAX_DOCS) this.docs.delete(this.docs.keys().next().value!);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '(this result is no longer open: open it again from the results panel)';
  }

  dispose(): void {
    this.changed.dispose();
  }
}
