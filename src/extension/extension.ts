import * as vscode from 'vscode';
import { createContext } from './context';
import { registerValidation } from './validation/register';
import { registerSubmit } from './submit/register';
import { registerTracker } from './tracker/register';
import { registerResults } from './results/register';
import { registerSandbox } from './sandbox/register';
import { registerRunner } from './runner/register';

/** Composition root: build the shared context, then let each feature register its parts. */
export function activate(extension: vscode.ExtensionContext): void {
  const ctx = createContext(extension);
  const features = { registerValidation, registerSubmit, registerTracker, registerResults, registerSandbox, registerRunner };
  for (const [name, register] of Object.entries(features)) {
    try {
      register(ctx);
    } catch (err) {
      ctx.log.error(`${name} failed to start`, err);
      void vscode.window.showErrorMessage(`Batchwise: ${name.replace('register', '')} could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  ctx.register(vscode.commands.registerCommand('batchwise.showLog', () => ctx.log.show()));
  ctx.log.info(`Batchwise activated; job store at ${ctx.store.home}`);
}

export function deactivate(): void {}
