import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { BatchwiseContext } from '../context';
import { errorMessage } from '../errors';
import { showError, showInformation, withProgress } from '../notify';
import { FormSchema, HostMessageSchema, WebviewMessageSchema, parseMessage, type FieldError, type Form, type HostMessage, type WebviewMessage } from '../../shared/newBatchProtocol';
import { VIEW_TYPE, newBatchHtml, webviewOptions } from './html';
import { DEFAULT_FORM, PREVIEW_SAMPLED, countRows, estimateFromSample, fieldOfReason, formToTemplate, modelSuggestions, shapePreview, type RowCount } from './preview';

/** Rows read to list the columns (JSONL rows may differ in their keys). */
const COLUMN_ROWS = 20;

// The builder (CSV/Parquet parsers, mustache) loads when the form opens, not at activation.
const loadBuilder = () => import('../../core/build/index.js');

/**
 * One form per data file: lists its columns, answers each change with a preview of the first rendered requests and an
 * estimate for the whole file, and writes the request file. Reads are async and bounded: a preview reads
 * PREVIEW_SAMPLED rows, never the file; a change in flight is aborted by the next one.
 */
export class NewBatchPanel {
  private static readonly panels = new Map<string, NewBatchPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private columns: string[] = [];
  private rowCount: Promise<RowCount> | undefined;
  private previewAbort: AbortController | undefined;
  private writing = false;
  private disposed = false;

  static show(ctx: BatchwiseContext, data: vscode.Uri): NewBatchPanel {
    const existing = NewBatchPanel.panels.get(data.fsPath);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, `New Batch: ${basename(data.fsPath)}`, vscode.ViewColumn.Active, webviewOptions(ctx.extension.extensionUri));
    return new NewBatchPanel(ctx, panel, data);
  }

  static disposeAll(): void {
    for (const p of [...NewBatchPanel.panels.values()]) p.dispose();
  }

  private constructor(
    private readonly ctx: BatchwiseContext,
    readonly panel: vscode.WebviewPanel,
    private readonly data: vscode.Uri,
  ) {
    NewBatchPanel.panels.set(data.fsPath, this);
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'batchwise.svg');
    panel.webview.html = newBatchHtml(panel.webview, ctx.extension.extensionUri);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
    );
  }

  private get path(): string {
    return this.data.fsPath;
  }

  /** The last form for this data file (workspaceState), so reopening keeps the templates. */
  private get stateKey(): string {
    return `batchwise.newBatch.form:${this.path}`;
  }

  private savedForm(): Form {
    const r = FormSchema.safeParse(this.ctx.extension.workspaceState.get(this.stateKey));
    return r.success ? r.data : DEFAULT_FORM;
  }

  private post(message: HostMessage): void {
    // Checked here too: a host bug shows in the log, not as a message the webview drops.
    if (!this.disposed && parseMessage(HostMessageSchema, message, (r) => this.ctx.log.warn(`new batch form: not sent (${r})`))) void this.panel.webview.postMessage(message);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseMessage(WebviewMessageSchema, raw, (reason) => this.ctx.log.warn(`new batch form: ignored a malformed message (${reason})`));
    if (!m) return;
    try {
      await this.handle(m);
    } catch (err) {
      this.ctx.log.error(`new batch form: ${m.type} failed`, err);
      this.post({ type: 'error', message: errorMessage(err), field: 'file' });
    }
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.init();
        return;
      case 'change':
        await this.ctx.extension.workspaceState.update(this.stateKey, m.form);
        await this.preview(m.requestId, m.form);
        return;
      case 'write':
        await this.ctx.extension.workspaceState.update(this.stateKey, m.form);
        await this.write(m.form);
        return;
    }
  }

  private async init(): Promise<void> {
    const { readRows } = await loadBuilder();
    const seen = new Set<string>();
    try {
      for await (const item of readRows(this.path, { limit: COLUMN_ROWS })) if ('values' in item) for (const k of Object.keys(item.values)) seen.add(k);
    } catch (err) {
      this.post({ type: 'init', fileName: basename(this.path), columns: [], models: modelSuggestions(), form: this.savedForm() });
      this.post({ type: 'error', message: `Cannot read ${basename(this.path)}: ${errorMessage(err)}`, field: 'file' });
      return;
    }
    this.columns = [...seen];
    this.post({ type: 'init', fileName: basename(this.path), columns: this.columns, models: modelSuggestions(), form: this.savedForm() });
  }

  private countRows(): Promise<RowCount> {
    // Once per panel: the file's size does not change while the form is edited (and a stale count only skews the estimate).
    this.rowCount ??= loadBuilder().then(({ dataFormatOf }) => countRows(this.path, dataFormatOf(this.path)));
    return this.rowCount;
  }

  private async preview(requestId: number, form: Form): Promise<void> {
    this.previewAbort?.abort();
    const abort = (this.previewAbort = new AbortController());
    const t = formToTemplate(form, this.columns);
    if ('errors' in t) {
      this.post({ type: 'preview', requestId, preview: null, errors: t.errors });
      return;
    }
    const { previewRequests, compileTemplate, TemplateError } = await loadBuilder();
    try {
      const warnings = compileTemplate(t.template).warnings;
      const items = await previewRequests(this.path, t.template, PREVIEW_SAMPLED, { signal: abort.signal });
      const count = await this.countRows().catch((err: unknown) => {
        this.ctx.log.warn(`new batch form: could not count the rows of ${this.path}: ${errorMessage(err)}`);
        return { rows: items.length, exact: false };
      });
      const estimate = items.length ? await estimateFromSample(items, t.template, count, this.ctx.config.pricing) : null;
      if (abort.signal.aborted) return;
      const errors: FieldError[] = [];
      const rendered = items.filter((i) => !('skipped' in i)).length;
      const firstSkip = items.find((i) => 'skipped' in i);
      if (items.length === 0) errors.push({ field: 'file', message: `${basename(this.path)} has no data rows.` });
      else if (rendered === 0 && firstSkip && 'skipped' in firstSkip) errors.push({ field: fieldOfReason(firstSkip.skipped), message: `Every row read so far is skipped. Row ${firstSkip.row}: ${firstSkip.skipped}` });
      this.post({ type: 'preview', requestId, preview: shapePreview(items, estimate, warnings), errors });
    } catch (err) {
      if (abort.signal.aborted) return;
      const message = errorMessage(err);
      this.post({ type: 'preview', requestId, preview: null, errors: [{ field: err instanceof TemplateError ? fieldOfReason(message) : 'file', message }] });
    }
  }

  private async write(form: Form): Promise<void> {
    if (this.writing) return;
    const t = formToTemplate(form, this.columns);
    if ('errors' in t) {
      this.post({ type: 'preview', requestId: -1, preview: null, errors: t.errors });
      return;
    }
    const { buildFile, defaultBuildOutPath, NothingToBuild } = await loadBuilder();
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(defaultBuildOutPath(this.path)),
      filters: { 'Batch requests (JSONL)': ['jsonl'] },
      saveLabel: 'Write Requests',
      title: 'Write the batch request file',
    });
    if (!target) return;
    this.writing = true;
    this.post({ type: 'writing', busy: true });
    try {
      const summary = await withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Batchwise: writing ${basename(target.fsPath)}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          try {
            return await buildFile(this.path, t.template, { out: target.fsPath, signal: abort.signal, onProgress: (rows) => progress.report({ message: `${rows.toLocaleString('en-US')} rows` }) });
          } finally {
            sub.dispose();
          }
        },
      );
      const skipped = summary.skippedCount ? `; ${summary.skippedCount.toLocaleString('en-US')} rows skipped (first: row ${summary.skipped[0]!.row}: ${summary.skipped[0]!.reason})` : '';
      const warned = summary.warnings.length ? `. ${summary.warnings.join('. ')}` : '';
      const choice = await showInformation(`Batchwise: wrote ${summary.requests.toLocaleString('en-US')} ${summary.requests === 1 ? 'request' : 'requests'} to ${basename(summary.out)}${skipped}${warned}`, 'Submit', 'Open File');
      if (choice === 'Submit') await vscode.commands.executeCommand('batchwise.submit', target);
      else if (choice === 'Open File') await vscode.window.showTextDocument(target);
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') return;
      const message = errorMessage(err);
      const field = err instanceof NothingToBuild && err.skipped[0] ? fieldOfReason(err.skipped[0].reason) : 'file';
      this.post({ type: 'error', message, field });
      void showError(`Batchwise: nothing written: ${message}`);
    } finally {
      this.writing = false;
      this.post({ type: 'writing', busy: false });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.previewAbort?.abort();
    NewBatchPanel.panels.delete(this.path);
    this.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
