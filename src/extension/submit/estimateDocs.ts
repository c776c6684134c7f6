import * as vscode from 'vscode';
import { basename } from 'node:path';

export const ESTIMATE_SCHEME = 'batchwise-estimate';

/**
 * The estimate's "Details" as a read-only virtual document (`batchwise-estimate:/labels.jsonl estimate`):
 * an Untitled file would be dirty and ask to be saved when closed. One document per input file, refreshed
 * by each new estimate.
 */
export class EstimateDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  show(inputPath: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: ESTIMATE_SCHEME, path: `/${basename(inputPath)} estimate`, query: encodeURIComponent(inputPath) });
    this.docs.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? 'This estimate is no longer open: run Batchwise: Estimate Batch Cost again.';
  }

  dispose(): void {
    this.changed.dispose();
  }
}
