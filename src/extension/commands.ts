import * as vscode from 'vscode';
import type { BatchwiseContext } from './context';
import { errorMessage } from './errors';
import { showError } from './notify';

/**
 * Registers a command whose failures are never silent and never an unhandled rejection: the error is
 * logged and shown (redacted) with a way to the log. Every Batchwise command goes through here.
 * Resolves undefined when the handler failed.
 */
export function registerCommand(ctx: BatchwiseContext, id: string, handler: (...args: unknown[]) => unknown): vscode.Disposable {
  return ctx.register(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        // The result is passed on: `batchwise.validate` resolves with what it found (tests and other commands use it).
        return await handler(...args);
      } catch (err) {
        reportError(ctx, id, err);
        return undefined;
      }
    }),
  );
}

/** Logs a command's failure and tells the user what happened, with the log one click away. */
export function reportError(ctx: BatchwiseContext, what: string, err: unknown): void {
  ctx.log.error(`${what} failed`, err);
  void showError(`Batchwise: ${errorMessage(err)}`, 'Show Log').then(
    (choice) => {
      if (choice === 'Show Log') ctx.log.show();
    },
    () => undefined,
  );
}
