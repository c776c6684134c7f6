import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { localRoots } from '../results/html';

export const DASHBOARD_VIEW_TYPE = 'batchwise.dashboard';

export function dashboardWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: localRoots(extensionUri) };
}

/**
 * The same strict CSP as the results panel: the bundle runs by nonce, styles come from media/dashboard.css only.
 * Chart.js draws on canvas and sets sizes through the CSSOM (element.style), which `style-src` does not govern;
 * it needs no eval.
 */
export function dashboardHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'dashboard.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dashboard.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
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
<title>Batchwise Dashboard</title>
</head>
<body>
<div id="app" data-state="loading">Loading the dashboard…</div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
