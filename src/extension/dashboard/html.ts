import * as vscode from 'vscode';
import { webviewHtml, webviewOptions } from '../webviewHtml';

export const DASHBOARD_VIEW_TYPE = 'batchwise.dashboard';

export const dashboardWebviewOptions = webviewOptions;

export function dashboardHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewHtml(webview, extensionUri, { bundle: 'dashboard', title: 'Batchwise Dashboard', loading: 'Loading the dashboard…' });
}
