import './results/zodConfig';
import type { z } from 'zod';
import { parseMessage } from '../shared/resultsProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The webview's handle on VS Code: acquireVsCodeApi may be called once per page, so every module shares this one. */
export const vscode = acquireVsCodeApi();

/**
 * A sender for one protocol: messages are checked on this side too, so a bug here shows in the webview console
 * rather than as a silent drop on the host.
 */
export function sender<T>(schema: z.ZodType<T>): (message: T) => void {
  return (message) => {
    if (parseMessage(schema, message, (r) => console.error('batchwise: not sent:', r))) vscode.postMessage(message);
  };
}
