import * as vscode from 'vscode';
import { webviewHtml } from '../webviewHtml';

export { webviewOptions } from '../webviewHtml';

export const VIEW_TYPE = 'batchwise.newBatch';

export function newBatchHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewHtml(webview, extensionUri, { bundle: 'newBatch', title: 'New Batch from Data', loading: 'Reading the data file…' });
}
