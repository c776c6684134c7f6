import * as vscode from 'vscode';
import { webviewHtml } from '../webviewHtml';

export { localRoots, webviewOptions } from '../webviewHtml';

export const VIEW_TYPE = 'batchwise.results';

export function resultsHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewHtml(webview, extensionUri, { bundle: 'results', title: 'Batchwise Results', loading: 'Loading results…' });
}
