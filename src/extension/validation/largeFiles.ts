import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ValidationResult } from '../../core/validate';
import type { BatchwiseContext } from '../context';
import { errorMessage } from '../errors';
import type { DiagnosticsStore } from './diagnosticsStore';
import { isJsonlPath } from './documents';
import { validateFromDisk } from './runValidation';
import { showError } from '../notify';

/** How long after a tab opens VS Code has to hand the document over before Batchwise reads the file itself. */
const DOCUMENT_GRACE_MS = 1500;

/**
 * VS Code does not hand files over ~50 MB to extensions: the tab opens but no TextDocument arrives. Such
 * `.jsonl` files are validated from disk with the streaming validator (a cancellable progress
 * notification), and the diagnostics are set on the file's Uri. Also the one place every disk validation
 * goes through, so two requests for the same file share one run.
 */
export class LargeFileValidation implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly inFlight = new Map<string, Promise<ValidationResult | undefined>>();
  /** Size and mtime at the last disk validation: reopening an unchanged file does not read 200 MB again. */
  private readonly validated = new Map<string, string>();
  /** One pending check per file: a tab fires both `opened` and `changed` as it loads. */
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly ctx: BatchwiseContext,
    private readonly store: DiagnosticsStore,
  ) {
    this.subscriptions.push(
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of [...e.opened, ...e.changed]) this.onTab(tab);
        for (const tab of e.closed) this.onTabClosed(tab);
      }),
    );
    this.subscriptions.push(
      ctx.config.onDidChange((e) => {
        if (!e.affectsConfiguration('batchwise.validation.enabled') && !e.affectsConfiguration('batchwise.provider')) return;
        this.validated.clear();
        this.checkAllTabs();
      }),
    );
    this.checkAllTabs();
  }

  private checkAllTabs(): void {
    for (const group of vscode.window.tabGroups.all) for (const tab of group.tabs) this.onTab(tab);
  }

  /** Validates a file from disk and publishes the result on its Uri; undefined when cancelled. */
  validate(uri: vscode.Uri, opts: { forceNotification?: boolean } = {}): Promise<ValidationResult | undefined> {
    const key = uri.toString();
    const running = this.inFlight.get(key);
    if (running) return running;
    const run = (async () => {
      this.store.setBusy(uri, true);
      const started = Date.now();
      try {
        const before = await fingerprint(uri.fsPath);
        const result = await validateFromDisk(uri, this.ctx.config.provider, opts);
        if (!result) {
          this.ctx.log.info(`Validation of ${uri.fsPath} canceled`);
          return undefined;
        }
        // An open document owns its diagnostics (it may hold unsaved edits): do not overwrite them.
        if (!openDocument(uri)) this.store.publish(uri, result);
        this.validated.set(key, before);
        this.ctx.log.info(`Validated ${uri.fsPath} from disk (${result.lines} lines, ${result.bytes} bytes) in ${Date.now() - started} ms`);
        return result;
      } finally {
        this.store.setBusy(uri, false);
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, run);
    return run;
  }

  private onTab(tab: vscode.Tab): void {
    const input = tab.input;
    if (!(input instanceof vscode.TabInputText) || input.uri.scheme !== 'file' || !isJsonlPath(input.uri.path)) return;
    if (!this.ctx.config.validationEnabled || openDocument(input.uri)) return;
    const uri = input.uri;
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.validateIfNoDocument(uri);
      }, DOCUMENT_GRACE_MS),
    );
  }

  private async validateIfNoDocument(uri: vscode.Uri): Promise<void> {
    if (!this.ctx.config.validationEnabled || openDocument(uri) || !hasTab(uri) || this.inFlight.has(uri.toString())) return;
    try {
      const now = await fingerprint(uri.fsPath);
      if (this.validated.get(uri.toString()) === now && this.store.get(uri)) return;
      this.ctx.log.info(`${uri.fsPath} is open in a tab without a document (too large for extensions, or a background tab): validating from disk`);
      // Background tabs restored after a reload have no document either: small files are checked quietly.
      await this.validate(uri);
    } catch (err) {
      this.ctx.log.error(`Could not validate ${uri.fsPath}`, err);
      void showError(`Batchwise could not validate ${basename(uri.fsPath)}: ${errorMessage(err)}`);
    }
  }

  private onTabClosed(tab: vscode.Tab): void {
    const input = tab.input;
    if (!(input instanceof vscode.TabInputText) || !isJsonlPath(input.uri.path)) return;
    // Diagnostics read from disk for a big open tab go when its last tab does (open documents clear their own).
    if (!hasTab(input.uri) && !openDocument(input.uri) && this.validated.has(input.uri.toString())) {
      this.validated.delete(input.uri.toString());
      this.store.clear(input.uri);
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
  }
}

function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key && !d.isClosed);
}

function hasTab(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key));
}

async function fingerprint(path: string): Promise<string> {
  const s = await stat(path);
  return `${s.size}:${s.mtimeMs}`;
}
