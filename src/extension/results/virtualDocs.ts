import * as vscode from 'vscode';
import { VirtualDocuments } from '../virtualDocuments';

export const RESULT_SCHEME = 'batchwise-result';
const MAX_DOCS = 64;

/**
 * Read-only virtual documents for `Open in Diff Editor`: the input's last user text and the output of one
 * row, so VS Code's own diff editor compares them. Content is kept for the most recent documents only.
 */
export class ResultDocuments extends VirtualDocuments {
  constructor() {
    super('(this result is no longer open: open it again from the results panel)', MAX_DOCS);
  }

  set(key: string, name: string, text: string): vscode.Uri {
    return this.put(vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${encodeURIComponent(key)}/${name}` }), text);
  }
}
