import * as vscode from 'vscode';

/**
 * Read-only text documents served from memory under one URI scheme (never dirty, never asked to be saved).
 * `maxDocs` keeps only the most recently set ones.
 */
export class VirtualDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly missingText: string, private readonly maxDocs = Infinity) {}

  protected put(uri: vscode.Uri, text: string): vscode.Uri {
    this.docs.delete(uri.toString());
    this.docs.set(uri.toString(), text);
    while (this.docs.size > this.maxDocs) this.docs.delete(this.docs.keys().next().value!);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? this.missingText;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
