import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export { webviewOptions } from '../results/html';

export const VIEW_TYPE = 'batchwise.newBatch';

/**
 * The form's HTML, as the results panel's: a strict CSP (the script runs by nonce, styles come from media/newBatch.css,
 * @vscode-elements uses constructable stylesheets), the bundle, and nothing else: the webview builds its DOM itself.
 */
export function newBatchHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'newBatch.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'newBatch.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    // Not covered by default-src: no <base> to redirect the bundle's URL, no form posting anywhere.
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>New Batch from Data</title>
</head>
<body>
<div id="app" data-state="loading">Reading the data file…</div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
