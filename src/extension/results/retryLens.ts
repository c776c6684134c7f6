import * as vscode from 'vscode';
import type { JobStore } from '../../core/jobs/store';
import { countOf, statusText } from '../../core/format';
import { iconSafeText } from '../../core/safeText';
import { planForRetryFile } from '../../jobs/retry';

/**
 * Above the first line of a retry file (`<job folder>/retry-N.jsonl`, written by "Review File First"): submit it as
 * the retry, however long after the review toast went away; once sent, which job it became.
 */
export class RetryFileLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly store: JobStore,
    refreshOn: vscode.Event<void>,
  ) {
    this.subscription = refreshOn(() => this.changed.fire());
  }

  private readonly subscription: vscode.Disposable;

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (doc.uri.scheme !== 'file') return [];
    const plan = await planForRetryFile(this.store, doc.uri.fsPath).catch(() => undefined);
    if (!plan) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const sent = plan.submittedAs[0];
    if (sent) {
      return [new vscode.CodeLens(top, { title: `$(history) Submitted as ${iconSafeText(sent.name)} (${statusText(sent.status)}): Open Results`, command: 'batchwise.job.openResults', arguments: [sent.id] })];
    }
    return [
      new vscode.CodeLens(top, {
        title: `$(cloud-upload) Submit as Retry: "${iconSafeText(plan.name)}", ${countOf(plan.requests, 'line')}`,
        tooltip: 'Send these lines as a retry of the batch they failed in; the results panel merges the answers',
        command: 'batchwise.submitRetryFile',
        arguments: [doc.uri],
      }),
    ];
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
