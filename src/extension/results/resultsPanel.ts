import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import { RowQuery } from '../../core/results/rowQuery';
import { MergedRows } from '../../core/results/rows';
import { rowDetail } from '../../core/results/detail';
import { HostMessageSchema, WebviewMessageSchema, parseMessage, type HostMessage, type PanelSource, type WebviewMessage } from '../../shared/resultsProtocol';
import { VIEW_TYPE, resultsHtml, webviewOptions } from './html';
import { loadPanelData, panelKey, panelTitle, undownloaded, type PanelData } from './panelData';
import type { ResultDocuments } from './virtualDocs';
import type { BatchProvider } from '../../providers/types';
import { panelErrorSentence, type PanelErrorContext } from './panelError';

export interface PanelDeps {
  ctx: BatchwiseContext;
  docs: ResultDocuments;
  /** The provider for a job's downloads; may ask for an API key; undefined if the user cancels. */
  providerForJob(jobId: string): Promise<BatchProvider | undefined>;
}

/**
 * One results panel per retry chain (or loose results file): loads the merged rows, answers the webview's
 * page, detail and action requests, and reloads when a job of its chain changes in the store.
 */
export class ResultsPanel {
  private static readonly panels = new Map<string, ResultsPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private readonly query = new RowQuery(new MergedRows({ jobId: '', attempt: 1 }));
  private data: PanelData | undefined;
  private loading: Promise<void> | undefined;
  private reloadQueued = false;
  private chainSignature = '';
  /** The sentence of the last failed load, shown again to a webview that (re)connects. */
  private failure: string | undefined;
  private disposed = false;
  /** Stops a load in progress (a 200 MB results file) when the panel closes. */
  private readonly abort = new AbortController();

  /** Opens (or reveals) the panel for a source. */
  static async show(deps: PanelDeps, source: PanelSource): Promise<ResultsPanel> {
    const key = await panelKey(deps.ctx.store, source);
    const existing = ResultsPanel.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      existing.post({ type: 'reset' });
      return existing;
    }
    await closeUnrevivedTabs(await panelTitle(deps.ctx.store, source));
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Batchwise Results', vscode.ViewColumn.Active, webviewOptions(deps.ctx.extension.extensionUri));
    return new ResultsPanel(deps, panel, key, source);
  }

  /** Restores a panel after a reload (webview panel serializer). */
  static async revive(deps: PanelDeps, panel: vscode.WebviewPanel, source: PanelSource): Promise<ResultsPanel> {
    const key = await panelKey(deps.ctx.store, source);
    const live = ResultsPanel.panels.get(key);
    if (live) {
      // Opened again meanwhile (a restored tab is revived only when first shown): one panel per chain, the live one.
      panel.dispose();
      live.panel.reveal();
      return live;
    }
    panel.webview.options = webviewOptions(deps.ctx.extension.extensionUri);
    return new ResultsPanel(deps, panel, key, source);
  }

  /** Closes every open panel (the extension is deactivating). */
  static disposeAll(): void {
    for (const p of [...ResultsPanel.panels.values()]) p.dispose();
  }

  /** Panels showing a chain that holds this job (to refresh after a resubmit). */
  static forKey(key: string): ResultsPanel | undefined {
    return ResultsPanel.panels.get(key);
  }

  private constructor(
    private readonly deps: PanelDeps,
    readonly panel: vscode.WebviewPanel,
    readonly key: string,
    private readonly source: PanelSource,
  ) {
    ResultsPanel.panels.set(key, this);
    panel.iconPath = vscode.Uri.joinPath(deps.ctx.extension.extensionUri, 'media', 'batchwise.svg');
    panel.webview.html = resultsHtml(panel.webview, deps.ctx.extension.extensionUri);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
    );
    if (source.kind === 'job') {
      this.disposables.push(
        deps.ctx.store.watch(() => {
          this.onStoreChange().catch((err: unknown) => this.log.error(`results panel ${this.key}: could not re-read the job store`, err));
        }),
      );
    }
    void this.reload();
  }

  private get log() {
    return this.deps.ctx.log;
  }

  private post(message: HostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  /** Loads (again), downloading finished chain jobs first; concurrent calls collapse into one more run. */
  reload(): Promise<void> {
    if (this.loading) {
      this.reloadQueued = true;
      return this.loading;
    }
    this.loading = this.load()
      .catch(async (err: unknown) => {
        if (this.disposed) return;
        this.log.error(`results panel ${this.key}`, err);
        // Never left on "Loading": the panel says what went wrong and what to do, and offers Try Again.
        this.failure = panelErrorSentence(err, await this.errorContext());
        this.post({ type: 'loadFailed', message: this.failure });
      })
      .finally(() => {
        this.loading = undefined;
        if (this.reloadQueued) {
          this.reloadQueued = false;
          void this.reload();
        }
      });
    return this.loading;
  }

  /** The job's provider and address, for error sentences. */
  private async errorContext(): Promise<PanelErrorContext> {
    if (this.source.kind !== 'job') return {};
    const job = await this.deps.ctx.store.get(this.source.jobId).catch(() => undefined);
    return job ? { provider: job.provider, profile: job.profile, ...(job.baseUrl ? { baseUrl: job.baseUrl } : {}) } : {};
  }

  private async load(): Promise<void> {
    this.post({ type: 'progress', message: 'Loading results…' });
    let provider: BatchProvider | undefined;
    if (this.source.kind === 'job') {
      const job = await this.deps.ctx.store.get(this.source.jobId);
      if (job && (await undownloaded(this.deps.ctx.store, job)).length) provider = await this.deps.providerForJob(job.id);
    }
    // A few updates a second at most: 50,000 lines give dozens of steps, each a message to the webview.
    let last = 0;
    const onProgress = (message: string, done: number, total?: number) => {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      this.post({ type: 'progress', message, done, ...(total ? { total } : {}) });
    };
    const data = await loadPanelData(this.deps.ctx.store, this.source, { provider, pricing: this.deps.ctx.config.pricing, signal: this.abort.signal, onProgress });
    if (this.disposed) return;
    this.failure = undefined;
    this.data = data;
    this.chainSignature = signature(data);
    this.query.reset(data.rows, data.inputPath);
    this.panel.title = `Results: ${data.header.title}`;
    this.post({ type: 'header', header: data.header, source: this.source });
    this.post({ type: 'invalidate' });
  }

  /** A job file changed: reload when this chain gained a job, or one of its jobs changed status or got results. */
  private async onStoreChange(): Promise<void> {
    if (!this.data?.chain || this.disposed) return;
    const { jobs } = await this.deps.ctx.store.list();
    const ids = new Set(this.data.chain.jobs.map((j) => j.id));
    const relevant = jobs.filter((j) => ids.has(j.id) || (j.parentId !== undefined && ids.has(j.parentId)));
    const sig = relevant.map((j) => `${j.id}:${j.status}:${j.resultsPath ?? ''}`).sort().join('|');
    if (sig !== this.chainSignature) await this.reload();
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseMessage(WebviewMessageSchema, raw, (reason) => this.log.warn(`results panel: ignored a malformed message (${reason})`));
    if (!m) return;
    try {
      await this.handle(m);
    } catch (err) {
      this.log.error(`results panel: ${m.type} failed`, err);
      this.post({ type: 'error', message: panelErrorSentence(err, await this.errorContext()) });
    }
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        if (this.loading) this.post({ type: 'progress', message: 'Loading results…' });
        else if (this.failure) this.post({ type: 'loadFailed', message: this.failure });
        else if (this.data) {
          this.post({ type: 'header', header: this.data.header, source: this.source });
          this.post({ type: 'invalidate' });
        }
        return;
      case 'query': {
        await this.loading;
        const page = await this.query.page(m.query, m.offset, m.count, this.abort.signal);
        this.post({ type: 'rows', requestId: m.requestId, total: page.total, offset: m.offset, rows: page.rows });
        return;
      }
      case 'detail': {
        const detail = await this.detail(m.index);
        if (detail) this.post({ type: 'detail', detail });
        return;
      }
      case 'openDiff': {
        const d = await this.detail(m.index);
        if (!d) return;
        const key = `${this.key}/${d.line}`;
        const left = this.deps.docs.set(key, `line-${d.line}-input.txt`, d.lastUserText);
        const right = this.deps.docs.set(key, `line-${d.line}-output.txt`, d.outputJson ?? d.output ?? d.error ?? '');
        await vscode.commands.executeCommand('vscode.diff', left, right, `${d.customId || `line ${d.line}`}: input ↔ output`, { preview: true });
        return;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        void vscode.window.setStatusBarMessage('Batchwise: copied', 2000);
        return;
      case 'reload':
        await this.reload();
        return;
      case 'resubmitFailed':
        // The actions work on the loaded data: wait for a load in progress.
        await this.loading;
        if (this.source.kind === 'job') await vscode.commands.executeCommand('batchwise.job.resubmitFailed', this.data?.chain?.root.id ?? this.source.jobId);
        return;
      case 'export':
        await this.loading;
        if (this.source.kind === 'job') await vscode.commands.executeCommand('batchwise.job.downloadResults', this.data?.chain?.root.id ?? this.source.jobId, m.format);
        return;
    }
  }

  private async detail(index: number) {
    await this.loading;
    const row = this.query.row(index);
    if (!row || !this.data) return undefined;
    const d = await rowDetail(row, index, this.data.inputPath);
    // Validated like every message: a record on disk could hold anything. Said, not dropped silently.
    const ok = parseMessage(HostMessageSchema, { type: 'detail', detail: d }, (reason) => this.log.warn(`results panel: the detail of line ${row.line} is malformed (${reason})`));
    if (!ok) this.post({ type: 'error', message: `The record of line ${row.line} could not be shown (malformed on disk); see the Batchwise log.` });
    return ok ? d : undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    if (ResultsPanel.panels.get(this.key) === this) ResultsPanel.panels.delete(this.key);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

function signature(data: PanelData): string {
  return (data.chain?.jobs ?? []).map((j) => `${j.id}:${j.status}:${j.resultsPath ?? ''}`).sort().join('|');
}

/**
 * After a reload VS Code restores a results tab but revives its panel only when the tab is first shown: until then
 * it is not in `panels`. Opening the same results closes such a tab first, so the chain does not get two tabs.
 */
async function closeUnrevivedTabs(title: string): Promise<void> {
  const stale = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(VIEW_TYPE) && t.label === title);
  if (stale.length) await vscode.window.tabGroups.close(stale).then(undefined, () => false);
}
