import * as vscode from 'vscode';
import { basename, dirname } from 'node:path';
import type { BatchwiseContext } from '../context';
import type { Job } from '../../core/jobs/job';
import { isTerminal } from '../../core/status';
import { exportMerged } from '../../core/results/export';
import { exportResults } from '../../core/export/exporter';
import { formatOfPath } from '../../core/export/writer';
import { lookupPrice } from '../../core/pricingData';
import { describeEnforcement } from '../../core/results/enforceSchema';
import { buildRetryFile, loadChain, planForRetryFile, retryCandidates, submitRetry, type RetryPlan, type RetrySelection } from '../../jobs/retry';
import { toStoredEstimate, type FileEstimate } from '../../core/estimate';
import { estimateWithProgress } from '../submit/flow';
import { retryCostLine } from '../submit/confirmText';
import { DuplicateSubmission, SubmitRefused } from '../../jobs/submit';
import { providerFor } from '../profiles';
import type { BatchProvider } from '../../providers/types';
import { loadPanelData, undownloaded } from './panelData';
import { jobsSubmittedFrom } from '../../core/jobs/byInput';
import { looksLikeResultsFile } from '../../core/results/standalone';
import { countOf, statusText } from '../../core/format';
import { formatCount } from '../../core/jobs/treeModel';
import { ResultsPanel, type PanelDeps } from './resultsPanel';
import { showError, showInformation, showPick, showWarning, withProgress } from '../notify';

/** A tree row (`.jobId` or `.job`), a job id, or nothing (then the user picks). */
export type JobArg = string | { jobId?: unknown; job?: { id?: unknown }; id?: unknown } | undefined;

export function jobIdOf(arg: JobArg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  if (typeof arg.jobId === 'string') return arg.jobId;
  if (arg.job && typeof arg.job.id === 'string') return arg.job.id;
  if (typeof arg.id === 'string') return arg.id;
  return undefined;
}

export class ResultsCommands {
  /** Fires when a retry file was submitted (its CodeLens changes). */
  readonly retryFilesChanged = new vscode.EventEmitter<void>();

  constructor(
    private readonly ctx: BatchwiseContext,
    private readonly deps: PanelDeps,
  ) {}

  async providerOf(job: Job): Promise<BatchProvider | undefined> {
    return providerFor(this.ctx, { profile: job.profile, provider: job.provider, ...(job.baseUrl ? { baseUrl: job.baseUrl } : {}) });
  }

  private async job(arg: JobArg, purpose: string, filter: (j: Job) => boolean = (j) => isTerminal(j.status) || !!j.resultsPath): Promise<Job | undefined> {
    const ref = jobIdOf(arg);
    if (ref) {
      const job = (await this.ctx.store.get(ref)) ?? (await this.ctx.store.resolve(ref).catch(() => undefined));
      if (!job) void showWarning(`Batchwise: job ${ref} is no longer in the list.`);
      return job;
    }
    const jobs = (await this.ctx.store.list()).jobs.filter(filter);
    if (!jobs.length) {
      void showInformation('Batchwise: no finished batches yet.');
      return undefined;
    }
    const pick = await showPick(
      jobs.map((j) => ({ label: j.name || j.id, description: `${statusText(j.status)} · ${j.provider}${j.attempt > 1 ? ` · attempt ${j.attempt}` : ''}`, detail: j.id, job: j })),
      { placeHolder: purpose },
    );
    return pick?.job;
  }

  /** Palette: a finished job, or any results / output JSONL file (e.g. a `vllm run-batch` output). */
  async openResults(arg?: JobArg): Promise<void> {
    if (arg instanceof vscode.Uri) {
      if (arg.scheme !== 'file') {
        void showWarning(`Batchwise opens results files on disk only (${basename(arg.path)} is ${arg.scheme}:).`);
        return;
      }
      await this.openResultsOfFile(arg.fsPath);
      return;
    }
    if (jobIdOf(arg)) return this.openJobResults(arg);
    const jobs = (await this.ctx.store.list()).jobs.filter((j) => isTerminal(j.status) || !!j.resultsPath);
    const FILE = '$(file) Open a results file…';
    type Item = vscode.QuickPickItem & { job?: Job };
    const items: Item[] = [
      ...jobs.map((j) => ({ label: j.name || j.id, description: `${statusText(j.status)} · ${j.provider}${j.attempt > 1 ? ` · attempt ${j.attempt}` : ''}`, detail: j.id, job: j })),
      { label: FILE, detail: 'An output or error file of OpenAI, vLLM run-batch or the local runner, Anthropic or Gemini results, or a Batchwise results.jsonl' },
    ];
    const pick = await showPick(items, { placeHolder: 'Results of which batch?', matchOnDetail: true });
    if (!pick) return;
    if (pick.job) return this.openJobResults(pick.job.id);
    const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'JSON Lines': ['jsonl', 'json', 'ndjson'], 'All files': ['*'] }, openLabel: 'Open Results' });
    if (uris?.[0]) await ResultsPanel.show(this.deps, { kind: 'file', path: uris[0].fsPath });
  }

  /**
   * Explorer "Open Results" on a `.jsonl`: for an input file, the results of the jobs submitted from it
   * (a picker when there are several); for a results file, its rows. Never an empty panel for a request file.
   */
  private async openResultsOfFile(path: string): Promise<void> {
    const name = basename(path);
    const jobs = jobsSubmittedFrom((await this.ctx.store.list()).jobs, path);
    if (!jobs.length) {
      if (await looksLikeResultsFile(path)) {
        await ResultsPanel.show(this.deps, { kind: 'file', path });
        return;
      }
      const choice = await showInformation(
        `Batchwise: no batch was submitted from ${name} yet, so it has no results. Submit it first, or open a results file.`,
        'Submit…',
      );
      if (choice) await vscode.commands.executeCommand('batchwise.submit', vscode.Uri.file(path));
      return;
    }
    const withResults = jobs.filter((j) => isTerminal(j.status) || !!j.resultsPath);
    if (!withResults.length) {
      const j = jobs[0]!;
      void showInformation(
        `Batchwise: ${jobs.length === 1 ? `"${j.name}" is` : `the ${jobs.length} batches of ${name} are`} still ${statusText(j.status)}; its results open here when it ends.`,
      );
      return;
    }
    if (withResults.length === 1) return this.openJobResults(withResults[0]!.id);
    const pick = await showPick(
      withResults.map((j) => ({ label: j.name || j.id, description: `${statusText(j.status)} · ${j.provider}${j.attempt > 1 ? ` · attempt ${j.attempt}` : ''} · ${j.createdAt.slice(0, 16).replace('T', ' ')}`, detail: j.id, job: j })),
      { placeHolder: `${withResults.length} batches were submitted from ${name}: results of which one?` },
    );
    if (pick) await this.openJobResults(pick.job.id);
  }

  async openJobResults(arg?: JobArg): Promise<void> {
    const job = await this.job(arg, 'Results of which batch?');
    if (!job) return;
    await ResultsPanel.show(this.deps, { kind: 'job', jobId: job.id });
  }

  /** Save dialog; the merged view of the chain as JSONL, CSV, SQLite or Parquet (by the chosen extension). */
  async downloadResults(arg?: JobArg, format?: 'jsonl' | 'csv'): Promise<void> {
    const job = await this.job(arg, 'Download the results of which batch?');
    if (!job) return;
    if (!isTerminal(job.status) && !job.resultsPath) {
      void showInformation(`Batchwise: "${job.name}" is ${job.status}; results can be downloaded when it ends.`);
      return;
    }
    const need = await undownloaded(this.ctx.store, job);
    const provider = need.length ? await this.providerOf(job) : undefined;
    if (need.length && !provider) return;
    const data = await cancellable(`Batchwise: downloading results of "${job.name}"…`, (signal) =>
      loadPanelData(this.ctx.store, { kind: 'job', jobId: job.id }, { provider, pricing: this.ctx.config.pricing, signal }),
    );
    if (!data) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(dirname(job.inputPath));
    const stem = basename(job.inputPath).replace(/\.jsonl$/i, '');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder, `${stem}.results.${format ?? 'jsonl'}`),
      filters: {
        ...(format === 'csv' ? { CSV: ['csv'], 'JSON Lines': ['jsonl'] } : { 'JSON Lines': ['jsonl'], CSV: ['csv'] }),
        // A table per input line with the source row's columns (src/core/export), as `batchwise export` writes.
        'SQLite database': ['sqlite', 'db'],
        Parquet: ['parquet'],
      },
      saveLabel: 'Export Results',
    });
    if (!target) return;
    const table = formatOfPath(target.fsPath);
    if (data.chain && (table === 'sqlite' || table === 'parquet')) {
      const price = lookupPrice(data.chain.root.model, this.ctx.config.pricing) ?? undefined;
      await exportResults({ rows: data.rows, root: data.chain.root, ...(price ? { price } : {}) }, target.fsPath);
    } else await exportMerged(data.rows, target.fsPath, undefined, data.inputPath);
    const h = data.header;
    const choice = await showInformation(
      `Batchwise: exported ${countOf(h.total, 'row')} (${formatCount(h.counts.succeeded)} succeeded, ${formatCount(h.failed)} failed) to ${basename(target.fsPath)}.`,
      'Open File',
    );
    // A database is not a text document: VS Code shows it as binary, so offer the folder instead.
    if (choice === 'Open File') await (table === 'sqlite' || table === 'parquet' ? vscode.commands.executeCommand('revealFileInOS', target) : vscode.window.showTextDocument(target));
  }

  /** Confirm, then Submit Now, or Review File First (the retry file opens; a Submit prompt sends it as edited). */
  async resubmitFailed(arg?: JobArg): Promise<void> {
    const job = await this.job(arg, 'Resubmit the failed lines of which batch?');
    if (!job) return;
    const provider = await this.providerOf(job);
    if (!provider) return;
    const candidates = await cancellable('Batchwise: collecting the failed lines…', async (signal) =>
      retryCandidates(await loadChain(this.ctx.store, job, provider, { pricing: this.ctx.config.pricing, signal }), signal),
    );
    if (!candidates) return;
    let includeSchemaFailures = false;
    let selection: RetrySelection = {};
    if (candidates.schemaFailures > 0 || candidates.tooShort > 0) {
      const short = candidates.tooShort;
      const items = [
        { label: `Failed lines only (${formatCount(candidates.failed)})`, detail: 'errored, expired, canceled and missing rows', schema: false, selection: {} },
        ...(candidates.schemaFailures > 0
          ? [
              { label: `Failed lines and outputs that fail the JSON schema (${candidates.failed + candidates.schemaFailures})`, detail: `${countOf(candidates.schemaFailures, 'succeeded line')} whose output ${candidates.schemaFailures === 1 ? 'does' : 'do'} not follow the request's JSON schema: sent as they were`, schema: true, selection: {} },
              { label: `Failed lines and outputs that fail the JSON schema, with the schema enforced (${candidates.failed + candidates.schemaFailures})`, detail: 'strict structured output where the provider has it (OpenAI strict, Anthropic output_config / strict tool, Gemini JSON mode)', schema: true, selection: { enforceSchema: true } },
            ]
          : []),
        ...(short > 0
          ? [
              { label: `Failed lines and truncated or empty answers, with twice the token limit (${candidates.failed + short})`, detail: `${countOf(short, 'succeeded line')} cut off at max_tokens or empty: sent again with the limit doubled`, schema: false, selection: { only: new Set(['failed', 'truncated', 'empty'] as const), raiseMaxTokens: 2 } },
              { label: `Truncated or empty answers only, with twice the token limit (${short})`, detail: 'the failed lines stay as they are', schema: false, selection: { only: new Set(['truncated', 'empty'] as const), raiseMaxTokens: 2 } },
            ]
          : []),
      ];
      const pick = await showPick(items, { placeHolder: 'Which lines should be sent again?' });
      if (!pick) return;
      includeSchemaFailures = pick.schema;
      selection = pick.selection;
    }
    const plan = await buildRetryFile({ store: this.ctx.store, job, provider, includeSchemaFailures, ...selection });
    if (plan.requests === 0) {
      void showInformation(`Batchwise: every line of "${job.name}" has succeeded; nothing to resubmit.`);
      return;
    }
    const raised = (selection.raiseMaxTokens && selection.raiseMaxTokens > 1 ? ` Truncated and empty answers go with ${selection.raiseMaxTokens}x their token limit.` : '') + (plan.schema ? ` Its JSON schemas: ${describeEnforcement(plan.schema)}.` : '');
    const what = `The original input lines of the ${selection.only && !selection.only.has('failed') ? 'truncated and empty answers' : `errored, expired, canceled and missing rows${includeSchemaFailures ? ' and of the outputs that fail the JSON schema' : ''}${selection.only ? ' and of the truncated and empty answers' : ''}`} (${basename(plan.retryFile)}).${raised}`;
    await this.confirmRetry(plan, provider, what, { review: true });
  }

  /** The resubmit confirmation, with what the retry costs; "Review File First" opens the file instead. */
  private async confirmRetry(plan: RetryPlan, provider: BatchProvider, what: string, opts: { review: boolean }): Promise<void> {
    const { estimate, error, cancelled } = await estimateWithProgress(this.ctx, vscode.Uri.file(plan.retryFile), provider.id);
    if (cancelled) return;
    const SUBMIT = 'Submit Now';
    const REVIEW = 'Review File First';
    const choice = await showWarning(
      `Resubmit ${countOf(plan.requests, 'failed line')} as "${plan.name}"?`,
      { modal: true, detail: `${what} ${retryCostLine(estimate, error)}\nIt is a new batch, billed like the first; the results panel merges it with its parent.` },
      SUBMIT,
      ...(opts.review ? [REVIEW] : []),
    );
    if (choice === SUBMIT) await this.submit(plan, provider, estimate);
    else if (choice === REVIEW) await this.review(plan);
  }

  /**
   * Opens the retry file to edit. Submitting it later does not depend on this toast: the file keeps a CodeLens and
   * an editor title action ("Submit as Retry") for as long as it is not submitted.
   */
  private async review(plan: RetryPlan): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(plan.retryFile));
    await vscode.window.showTextDocument(doc, { preview: false });
    const choice = await showInformation(
      `Batchwise: review or edit ${basename(plan.retryFile)} (${countOf(plan.requests, 'line')}), then submit it as "${plan.name}" (Submit as Retry, above the first line or in the editor title).`,
      'Submit as Retry',
    );
    if (choice) await this.submitRetryFile(doc.uri);
  }

  /** `batchwise.submitRetryFile`: a retry file left for review, submitted as the retry of the job whose folder holds it. */
  async submitRetryFile(arg?: unknown): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || uri.scheme !== 'file') {
      void showInformation('Batchwise: open a retry file (retry-N.jsonl from "Review File First") to submit it.');
      return;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty) await doc.save();
    const plan = await planForRetryFile(this.ctx.store, uri.fsPath);
    if (!plan) {
      void showWarning(`Batchwise: ${basename(uri.fsPath)} is not a retry file of a job in the list (those are written by Resubmit Failed > Review File First).`);
      return;
    }
    if (plan.submittedAs.length) {
      const open = await showInformation(`Batchwise: ${basename(plan.retryFile)} was already submitted as "${plan.submittedAs[0]!.name}" (${plan.submittedAs[0]!.id}).`, 'Open Results');
      if (open) await ResultsPanel.show(this.deps, { kind: 'job', jobId: plan.submittedAs[0]!.id });
      return;
    }
    if (plan.requests === 0) {
      void showWarning(`Batchwise: ${basename(plan.retryFile)} has no requests left; nothing to submit.`);
      return;
    }
    const provider = await this.providerOf(plan.parent);
    if (!provider) return;
    await this.confirmRetry(plan, provider, `The lines of ${basename(plan.retryFile)}, as you left them.`, { review: false });
  }

  private async submit(plan: RetryPlan, provider: BatchProvider, estimate?: FileEstimate | null): Promise<void> {
    try {
      const retryJob = await withProgress({ location: vscode.ProgressLocation.Notification, title: `Batchwise: submitting "${plan.name}"…` }, () =>
        submitRetry({ store: this.ctx.store, plan, provider, ...(estimate ? { estimate: toStoredEstimate(estimate) } : {}) }),
      );
      this.retryFilesChanged.fire();
      this.ctx.log.info(`submitted retry ${retryJob.id} (${plan.requests} lines) of ${plan.parent.id}`);
      const open = await showInformation(`Batchwise: submitted "${retryJob.name}" (${countOf(plan.requests, 'line')}). The results panel merges it when it ends.`, 'Open Results');
      if (open) await ResultsPanel.show(this.deps, { kind: 'job', jobId: retryJob.id });
    } catch (err) {
      if (err instanceof SubmitRefused) {
        const choice = await showError(`Batchwise: ${err.message}`, 'Open File');
        if (choice) await vscode.window.showTextDocument(vscode.Uri.file(plan.retryFile));
        return;
      }
      if (err instanceof DuplicateSubmission) {
        void showWarning(`Batchwise: these lines are already being retried as ${err.jobs.map((j) => j.id).join(', ')}.`);
        return;
      }
      throw err;
    }
  }
}

/**
 * Runs `work` under a cancellable progress notification: reading a big retry chain takes a while, and the
 * user can stop it. Undefined when cancelled; other errors propagate to the command's handler.
 */
async function cancellable<T>(title: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  return withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    try {
      return await work(ac.signal);
    } catch (err) {
      if (ac.signal.aborted) return undefined;
      throw err;
    } finally {
      sub.dispose();
    }
  });
}
