import * as vscode from 'vscode';
import { basename } from 'node:path';
import { ValidationScheduler } from '../../core/validationScheduler';
import type { BatchwiseContext } from '../context';
import { errorMessage, FailureReporter } from '../errors';
import type { DiagnosticsStore, ValidationEntry } from './diagnosticsStore';
import { isJsonlDocument } from './documents';
import { validateDocument } from './runValidation';
import { showError } from '../notify';

export function isJsonlTextDocument(doc: vscode.TextDocument): boolean {
  return isJsonlDocument({ languageId: doc.languageId, scheme: doc.uri.scheme, path: doc.uri.path });
}

/**
 * Keeps the diagnostics of open `.jsonl` documents current: validated on open, after a pause in typing
 * (batchwise.validation.debounceMs), again when the provider setting changes, cleared on close.
 * A run for an older version is aborted and never published.
 */
export class LiveValidation implements vscode.Disposable {
  private readonly scheduler: ValidationScheduler<string>;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Encoding seen at the last run: a switch to or from `utf8bom` changes the BOM warning without changing text. */
  private readonly encodings = new Map<string, string>();
  private readonly failures = new FailureReporter<string>(1);

  constructor(
    private readonly ctx: BatchwiseContext,
    private readonly store: DiagnosticsStore,
  ) {
    this.scheduler = new ValidationScheduler<string>(
      (key, signal) => this.run(key, signal),
      undefined,
      (key, err) => {
        const path = vscode.Uri.parse(key).fsPath;
        ctx.log.error(`Validation of ${path} failed`, err);
        // Once per streak of failures of a file, not at every keystroke.
        if (this.failures.failed(key)) {
          void showError(`Batchwise could not validate ${basename(path)}: ${errorMessage(err)}. Its problems may be out of date; see the Batchwise log.`);
        }
      },
    );
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.onOpen(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.onClose(doc)),
      ctx.config.onDidChange((e) => {
        if (e.affectsConfiguration('batchwise.validation.enabled') || e.affectsConfiguration('batchwise.provider')) this.revalidateAll();
      }),
    );
    this.revalidateAll();
  }

  /** Validates `doc` now (the Validate command) and returns what was published. */
  async validateNow(doc: vscode.TextDocument): Promise<ValidationEntry | undefined> {
    await this.scheduler.runNow(doc.uri.toString());
    const entry = this.store.get(doc.uri);
    return entry && entry.version === doc.version ? entry : undefined;
  }

  private revalidateAll(): void {
    if (!this.ctx.config.validationEnabled) {
      for (const key of this.scheduler.busyKeys) this.scheduler.cancel(key);
      this.store.clearAll();
      return;
    }
    for (const doc of vscode.workspace.textDocuments) this.onOpen(doc);
  }

  private onOpen(doc: vscode.TextDocument): void {
    if (!this.ctx.config.validationEnabled || !isJsonlTextDocument(doc)) return;
    this.scheduler.schedule(doc.uri.toString(), 0);
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    const doc = e.document;
    if (!this.ctx.config.validationEnabled || !isJsonlTextDocument(doc)) return;
    // Saving or undoing to the saved state fires with no content change: nothing to revalidate then.
    const encodingChanged = this.encodings.has(doc.uri.toString()) && this.encodings.get(doc.uri.toString()) !== doc.encoding;
    if (e.contentChanges.length === 0 && !encodingChanged) return;
    this.scheduler.schedule(doc.uri.toString(), this.ctx.config.validationDebounceMs);
  }

  private onClose(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    this.scheduler.cancel(key);
    this.encodings.delete(key);
    this.failures.forget(key);
    this.store.setBusy(doc.uri, false);
    // A `.jsonl` that stays open in a tab without a document (too big to sync) keeps its disk diagnostics.
    if (isJsonlTextDocument(doc)) this.store.clear(doc.uri);
  }

  private async run(key: string, signal: AbortSignal): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (!doc || doc.isClosed) return;
    const version = doc.version;
    const started = Date.now();
    this.store.setBusy(doc.uri, true);
    try {
      const result = await validateDocument(doc, this.ctx.config.provider, signal);
      if (signal.aborted || doc.isClosed || doc.version !== version) return;
      this.encodings.set(key, doc.encoding);
      this.store.publish(doc.uri, result, doc, version);
      this.failures.succeeded(key);
      const ms = Date.now() - started;
      if (ms > 200) this.ctx.log.info(`Validated ${doc.uri.fsPath} (${result.lines} lines) in ${ms} ms`);
    } finally {
      // Only the newest run clears the flag: an aborted one ends while its successor is still working.
      if (!signal.aborted) this.store.setBusy(doc.uri, false);
    }
  }

  dispose(): void {
    this.scheduler.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
