import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

/** Only the webview bundles and media/ can be loaded by a panel. */
export function localRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: localRoots(extensionUri) };
}

/**
 * A panel's HTML: a strict CSP (no inline script, no inline style element: the script runs by nonce, styles come
 * from media/<name>.css, @vscode-elements uses constructable stylesheets and Chart.js sizes through the CSSOM, which
 * CSP does not restrict; no eval anywhere), the bundle dist/webview/<name>.js, and nothing else: the webview builds
 * its DOM itself.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: { bundle: string; title: string; loading: string }): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${page.bundle}.js`));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${page.bundle}.css`));
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
<title>${page.title}</title>
</head>
<body>
<div id="app" data-state="loading">${page.loading}</div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
