import * as vscode from 'vscode';
import { statusText } from '../../core/format';
import { basename } from 'node:path';
import type { BatchwiseContext } from '../context';
import { errorMessage } from '../errors';
import { estimateFile, toStoredEstimate, type FileEstimate } from '../../core/estimate';
import { limitsFor, type ProviderLimits } from '../../core/limits';
import { withDetectedHost } from '../../providers/hostProfile';
import { planParts } from '../../core/split';
import type { ProviderId } from '../../core/status';
import { validateFile, type ValidationResult } from '../../core/validate';
import { DuplicateSubmission, SubmitInProgress, SubmitRefused, submitJob, SPLIT_HANDLES } from '../../jobs/submit';
import { quotaFromSettings, type Quota } from '../../core/queue/quotas';
import type { Job } from '../../core/jobs/job';
import { compatibleProviders, pickProfile, providerFor } from '../profiles';
import { confirmDetail, confirmMessage } from './confirmText';
import { budgetCheckFor } from './budgetCheck';
import { SUBMIT_ANYWAY, budgetNearText, budgetOverDetail, budgetOverMessage } from '../dashboard/budgetText';
import { showError, showInformation, showWarning, withProgress } from '../notify';

/** Limit errors that submit resolves by splitting into parts: they do not block a submit. */
const BATCHES_VIEW_FOCUS = 'batchwise.batches.focus';

/** Saves an open, modified copy of the file first (asking), so what is sent is what the user sees. False: stop. */
export async function saveIfDirty(uri: vscode.Uri): Promise<boolean> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (!doc || !doc.isDirty) return true;
  const choice = await showWarning(`${basename(uri.fsPath)} has unsaved changes.`, { modal: true, detail: 'Batchwise sends the file on disk. Save it first?' }, 'Save');
  if (choice !== 'Save') return false;
  return doc.save();
}

/** Streams the file through the validator under a cancellable progress notification. Undefined: cancelled. */
export async function validateWithProgress(uri: vscode.Uri, provider: ProviderId | 'auto', limits?: ProviderLimits): Promise<ValidationResult | undefined> {
  const name = basename(uri.fsPath);
  return withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Batchwise: validating ${name}`, cancellable: true },
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      let last = 0;
      try {
        return await validateFile(uri.fsPath, {
          provider,
          ...(limits ? { limits } : {}),
          signal: ac.signal,
          onProgress: (read, total) => {
            const pct = total > 0 ? Math.floor((read / total) * 100) : 100;
            if (pct > last) {
              progress.report({ increment: pct - last, message: `${pct}%` });
              last = pct;
            }
          },
        });
      } catch (err) {
        if (ac.signal.aborted) return undefined;
        throw err;
      } finally {
        sub.dispose();
      }
    },
  );
}

export function blockingErrors(result: ValidationResult) {
  return result.diagnostics.filter((d) => d.severity === 'error' && !SPLIT_HANDLES.has(d.code));
}

/** Refuses with the problems: the first one in the message, all of them in the Problems panel on request. */
export async function showRefusal(uri: vscode.Uri, result: ValidationResult): Promise<void> {
  const errors = blockingErrors(result);
  const first = errors[0];
  const choice = await showError(
    `${basename(uri.fsPath)} has ${errors.length} error${errors.length === 1 ? '' : 's'}${first ? ` (line ${first.line}: ${first.message})` : ''}. Nothing was submitted.`,
    'Show Problems',
  );
  if (choice === 'Show Problems') {
    // The validation feature publishes the diagnostics for the file; then the panel shows them.
    await vscode.commands.executeCommand('batchwise.validate', uri).then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
}

/** Runs the estimate with a progress notification; null (and a log line) if it fails: an estimate never blocks a submit. */
export async function estimateWithProgress(ctx: BatchwiseContext, uri: vscode.Uri, provider: ProviderId | undefined): Promise<{ estimate: FileEstimate | null; error?: string; cancelled?: true }> {
  const ac = new AbortController();
  try {
    const estimate = await withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Batchwise: estimating ${basename(uri.fsPath)}`, cancellable: true },
      async (_progress, token) => {
        const sub = token.onCancellationRequested(() => ac.abort());
        try {
          return await estimateFile(uri.fsPath, { provider, overrides: ctx.config.pricing, signal: ac.signal });
        } finally {
          sub.dispose();
        }
      },
    );
    return { estimate };
  } catch (err) {
    if (ac.signal.aborted) return { estimate: null, error: 'cancelled', cancelled: true };
    ctx.log.error(`estimate of ${uri.fsPath} failed`, err);
    return { estimate: null, error: errorMessage(err) };
  }
}

/** Parts the file will be split into: 1 unless it is over the provider's request or byte limit. */
async function partCount(path: string, limits: ProviderLimits, result: ValidationResult): Promise<number> {
  if (result.requests <= limits.maxRequests && result.bytes <= limits.maxBytes) return 1;
  return (await planParts(path, limits)).length;
}

/** The whole Submit flow for one file. Every outcome is shown to the user; nothing throws out of here. */
export async function submitFile(ctx: BatchwiseContext, uri: vscode.Uri): Promise<Job | undefined> {
  const name = basename(uri.fsPath);
  try {
    if (uri.scheme !== 'file') {
      void showError(`Batchwise can only submit files on disk (${name} is ${uri.scheme}:). Save it to a .jsonl file first.`);
      return undefined;
    }
    if (!(await saveIfDirty(uri))) return undefined;

    const result = await validateWithProgress(uri, ctx.config.provider);
    if (!result) return undefined;
    if (blockingErrors(result).length > 0) {
      await showRefusal(uri, result);
      return undefined;
    }
    if (result.requests === 0) {
      void showError(`${name} has no requests. Nothing was submitted.`);
      return undefined;
    }

    const detected: ProviderId = result.provider ?? 'openai';
    const profile = await pickProfile(ctx, detected, { compatible: compatibleProviders(detected), title: `Submit ${name}: provider profile` });
    if (!profile) return undefined;
    // An Azure OpenAI or batch-host profile has its own limits (and rules): the file is checked again against them.
    const target = withDetectedHost(profile);
    const checked = target.azure || target.host ? await validateWithProgress(uri, 'openai', limitsFor(target)) : result;
    if (!checked) return undefined;
    if (blockingErrors(checked).length > 0) {
      await showRefusal(uri, checked);
      return undefined;
    }

    const { estimate, error } = await estimateWithProgress(ctx, uri, profile.provider);
    const parts = await partCount(uri.fsPath, limitsFor(target), checked);
    const budget = await budgetCheckFor(ctx, estimate, profile.provider);
    if (budget?.level === 'over') {
      // Asked even when confirmBeforeSubmit is off: crossing a limit is never done without an explicit yes.
      const go = await showWarning(budgetOverMessage(name), { modal: true, detail: budgetOverDetail(budget) }, SUBMIT_ANYWAY);
      if (go !== SUBMIT_ANYWAY) return undefined;
    } else if (budget?.level === 'near' && !ctx.config.confirmBeforeSubmit) void showWarning(`Batchwise: ${budgetNearText(budget)}`);
    if (ctx.config.confirmBeforeSubmit) {
      const facts = { fileName: name, profileName: profile.name, requests: result.requests, parts, model: result.model, estimate, ...(error ? { estimateError: error } : {}), ...(budget && budget.level !== 'ok' ? { budgetNote: budgetNearText(budget) } : {}) };
      const ok = await showWarning(confirmMessage(facts), { modal: true, detail: confirmDetail(facts) }, 'Submit');
      if (ok !== 'Submit') return undefined;
    }

    const provider = await providerFor(ctx, { profile: profile.name, provider: profile.provider, ...(profile.baseUrl ? { baseUrl: profile.baseUrl } : {}) });
    if (!provider) return undefined;

    const job = await uploadWithProgress(ctx, uri, provider, checked, estimate, false);
    if (!job) return undefined;
    ctx.log.info(`Submitted ${uri.fsPath} as ${job.id} to ${profile.name}: ${job.parts.map((p) => p.remoteId ?? '?').join(', ')}`);
    void showInformation(`Submitted ${job.name} as ${job.id}`, 'Show in Batches').then((c) => {
      if (c === 'Show in Batches') void vscode.commands.executeCommand(BATCHES_VIEW_FOCUS);
    });
    return job;
  } catch (err) {
    ctx.log.error(`submit ${uri.fsPath} failed`, err);
    const choice = await showError(`Batchwise: submitting ${name} failed: ${errorMessage(err)}`, 'Show Log');
    if (choice === 'Show Log') ctx.log.show();
    return undefined;
  }
}

/**
 * Creates the job under a cancellable progress notification. A duplicate of a live job asks first
 * (Open Job / Submit Anyway). Undefined when the user stopped it.
 */
async function uploadWithProgress(
  ctx: BatchwiseContext,
  uri: vscode.Uri,
  provider: Parameters<typeof submitJob>[0]['provider'],
  validation: ValidationResult,
  estimate: FileEstimate | null,
  force: boolean,
): Promise<Job | undefined> {
  const name = basename(uri.fsPath);
  try {
    return await withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Batchwise: submitting ${name} to ${provider.profile.name}`, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        const sub = token.onCancellationRequested(() => ac.abort());
        try {
          return await submitJob({
            store: ctx.store,
            provider,
            inputPath: uri.fsPath,
            name,
            ...(estimate ? { estimate: toStoredEstimate(estimate) } : {}),
            force,
            signal: ac.signal,
            validation,
            ...quotaOption(quotaFromSettings(ctx.config.quotas, provider.id, validation.model)),
            onProgress: (message) => progress.report({ message }),
          });
        } finally {
          sub.dispose();
        }
      },
    );
  } catch (err) {
    if (err instanceof DuplicateSubmission) {
      const jobs = err.jobs.map((j) => `${j.id} (${statusText(j.status)})`).join(', ');
      const choice = await showWarning(`${name} is already submitted as ${jobs}.`, { modal: true, detail: 'The same file (by SHA-256) is in a batch that has not finished. Submitting again creates a second, billed batch.' }, 'Open Job', 'Submit Anyway');
      if (choice === 'Open Job') await vscode.commands.executeCommand(BATCHES_VIEW_FOCUS);
      if (choice === 'Submit Anyway') return uploadWithProgress(ctx, uri, provider, validation, estimate, true);
      return undefined;
    }
    if (err instanceof SubmitInProgress) {
      void showWarning(`${name} is being submitted right now by another window or a batchwise command; wait for it to appear in Batches.`);
      return undefined;
    }
    if (err instanceof SubmitRefused) {
      await showRefusal(uri, err.result);
      return undefined;
    }
    if (isAbort(err)) {
      ctx.log.info(`submit of ${uri.fsPath} canceled`);
      void showInformation(`Submitting ${name} was canceled. Any part already created is listed in Batches.`);
      return undefined;
    }
    throw err;
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || /aborted|cancell?ed/i.test(err.message));
}

/** `batchwise.quotas` for the file's model: with one, the parts that do not fit yet wait in the job (core/queue). */
function quotaOption(quota: Quota | undefined): { quota?: Quota } {
  return quota ? { quota } : {};
}
