import * as vscode from 'vscode';
import { createContext, type BatchwiseContext } from './context';
import { registerCommand } from './commands';
import { errorMessage } from './errors';
import { registerValidation } from './validation/register';
import { registerSubmit } from './submit/register';
import { registerTracker } from './tracker/register';
import { registerResults } from './results/register';
import { registerSandbox } from './sandbox/register';
import { registerRunner } from './runner/register';
import { registerDashboard } from './dashboard/register';
import { registerNewBatch } from './newBatch/register';
import { registerPipelines } from './pipelines/register';
import { showError } from './notify';

/** Composition root: build the shared context, then let each feature register its parts. */
export function activate(extension: vscode.ExtensionContext): void {
  let ctx: BatchwiseContext;
  try {
    ctx = createContext(extension);
  } catch (err) {
    // Nothing works without the context (log, settings, job store): say so instead of failing silently.
    void showError(`Batchwise could not start: ${errorMessage(err)}`);
    throw err;
  }
  const features = { registerValidation, registerSubmit, registerTracker, registerResults, registerSandbox, registerRunner, registerDashboard, registerNewBatch, registerPipelines };
  for (const [name, register] of Object.entries(features)) {
    try {
      register(ctx);
    } catch (err) {
      ctx.log.error(`${name} failed to start`, err);
      void showError(`Batchwise: ${name.replace('register', '')} could not start: ${errorMessage(err)}`);
    }
  }
  registerCommand(ctx, 'batchwise.showLog', () => ctx.log.show());
  ctx.log.info(`Batchwise activated; job store at ${ctx.store.home}`);
}

export function deactivate(): void {}
