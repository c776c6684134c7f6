import * as vscode from 'vscode';
import { countOf, statusText } from '../../core/format';
import { access } from 'node:fs/promises';
import type { BatchwiseContext } from '../context';
import { registerCommand } from '../commands';
import type { Job } from '../../core/jobs/job';
import { isTerminal, type ProviderId } from '../../core/status';
import { jobCounts } from '../../core/jobs/counts';
import { finishedLines, formatCount, type TreeRow } from '../../core/jobs/treeModel';
import { refreshJob } from '../../jobs/refresh';
import { cancelJob } from '../../jobs/cancel';
import type { Tracker } from './tracker';
import { importBatches } from './importBatches';
import { showInformation, showPick, showWarning, withProgress } from '../notify';

/** A command's argument: a tree row (view menus), a job id (notifications, other commands) or nothing (palette). */
type JobArg = TreeRow | string | undefined;

/** Narrows a command argument at the boundary: keybindings and other extensions can pass anything. */
function jobArg(arg: unknown): JobArg {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { id?: unknown }).id === 'string' && typeof (arg as { kind?: unknown }).kind === 'string') return arg as TreeRow;
  return undefined;
}

export function registerTrackerCommands(ctx: BatchwiseContext, tracker: Tracker): void {
  const cmd = (id: string, fn: (arg?: JobArg) => Promise<unknown> | unknown) => registerCommand(ctx, id, (arg?: unknown) => fn(jobArg(arg)));

  /** The job a command is about; falls back to the view selection, then asks. */
  async function jobOf(arg: JobArg): Promise<Job | undefined> {
    const ref = typeof arg === 'string' ? arg : arg?.jobId ?? tracker.view.selection[0]?.jobId;
    if (ref) {
      const job = (await ctx.store.get(ref)) ?? (await ctx.store.resolve(ref).catch(() => undefined));
      if (!job) void showWarning(`Batchwise: job ${ref} is no longer in the list.`);
      return job;
    }
    const jobs = tracker.allJobs;
    if (jobs.length === 0) {
      void showInformation('Batchwise: no batches yet.');
      return undefined;
    }
    const pick = await showPick(
      jobs.map((j) => ({ label: j.name || j.id, description: `${statusText(j.status)} · ${j.provider}`, detail: j.id, job: j })),
      { placeHolder: 'Which batch?' },
    );
    return pick?.job;
  }

  const remoteIdsOf = (arg: JobArg, job: Job): string[] =>
    typeof arg === 'object' && arg?.kind === 'part' && arg.remoteId ? [arg.remoteId] : job.parts.map((p) => p.remoteId).filter((id): id is string => !!id);

  cmd('batchwise.refresh', async () => {
    await tracker.reload();
    tracker.poller.pollNow();
  });

  cmd('batchwise.job.refresh', async (arg) => {
    const job = await jobOf(arg);
    if (!job) return;
    const provider = await tracker.providers.get(job, true);
    if (!provider) return;
    const updated = await withProgress({ location: { viewId: 'batchwise.batches' } }, () => refreshJob(ctx.store, job, provider));
    tracker.upsert(updated);
    // Refreshing a job the poller follows also resets its wait; a job that just ended is reported by the poller.
    tracker.poller.track(updated);
  });

  cmd('batchwise.job.cancel', async (arg) => {
    const job = await jobOf(arg);
    if (!job) return;
    if (isTerminal(job.status)) {
      void showInformation(`Batchwise: "${job.name}" has already ended (${statusText(job.status)}).`);
      return;
    }
    const ok = await showWarning(
      `Cancel batch "${job.name}"?`,
      { modal: true, detail: `${formatCount(finishedLines(jobCounts(job)))} of ${formatCount(job.requests)} lines have finished. Their results stay available; lines not yet processed are not sent (and not billed).` },
      'Cancel Batch',
    );
    if (ok !== 'Cancel Batch') return;
    const provider = await tracker.providers.get(job, true);
    if (!provider) return;
    const updated = await withProgress({ location: { viewId: 'batchwise.batches' } }, () => cancelJob(ctx.store, job, provider));
    tracker.upsert(updated);
    // Follow `cancelling` quickly until it settles.
    tracker.poller.track(updated, { immediate: true });
  });

  cmd('batchwise.job.openInput', async (arg) => {
    const job = await jobOf(arg);
    if (!job) return;
    if (!job.inputPath) {
      void showInformation(`Batchwise: "${job.name}" was imported from the provider; there is no local input file.`);
      return;
    }
    try {
      await access(job.inputPath);
    } catch {
      void showWarning(`Batchwise: the input file ${job.inputPath} is not there any more (moved or deleted).`);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(job.inputPath), { preview: true });
  });

  cmd('batchwise.job.copyBatchId', async (arg) => {
    const job = await jobOf(arg);
    if (!job) return;
    const ids = remoteIdsOf(arg, job);
    if (ids.length === 0) {
      void showInformation(`Batchwise: "${job.name}" has no remote batch yet.`);
      return;
    }
    await vscode.env.clipboard.writeText(ids.join('\n'));
    vscode.window.setStatusBarMessage(ids.length === 1 ? `Copied ${ids[0]}` : `Copied ${ids.length} batch ids`, 3000);
  });

  cmd('batchwise.job.openConsole', async (arg) => {
    const job = await jobOf(arg);
    if (!job) return;
    const provider = await tracker.providers.get(job, true);
    const id = remoteIdsOf(arg, job)[0];
    const url = provider && id ? provider.consoleUrl(id) : undefined;
    if (!url) {
      void showInformation(`Batchwise: ${job.provider} has no web console page for this batch.`);
      return;
    }
    await vscode.env.openExternal(vscode.Uri.parse(url));
  });

  cmd('batchwise.job.remove', async (arg) => {
    const job = await jobOf(arg);
    if (!job) return;
    const running = !isTerminal(job.status);
    const ok = await showWarning(
      `Remove "${job.name}" from the list?`,
      {
        modal: true,
        detail:
          'Its local folder (job record and downloaded results) is deleted. The remote batch is not touched' +
          (running ? ': it keeps running and is billed; cancel it first to stop it.' : '.'),
      },
      'Remove',
    );
    if (ok !== 'Remove') return;
    tracker.poller.untrack(job.id);
    await ctx.store.remove(job.id);
    await tracker.reload();
  });

  cmd('batchwise.job.deleteRemote', async (arg) => {
    const job = await jobOf(arg);
    if (!job) return;
    if (!isTerminal(job.status)) {
      void showWarning('Batchwise: a batch can be deleted only after it ended. Cancel it first.');
      return;
    }
    const provider = await tracker.providers.get(job, true);
    if (!provider) return;
    if (!provider.delete) {
      void showInformation(`Batchwise: ${job.provider} batches cannot be deleted through the API.`);
      return;
    }
    const ids = remoteIdsOf(arg, job);
    const ok = await showWarning(
      `Delete ${ids.length === 1 ? `remote batch ${ids[0]}` : `${ids.length} remote batches`} at ${job.provider}?`,
      { modal: true, detail: 'Results not downloaded yet are lost. Results already downloaded stay in the job folder, and the job stays in this list.' },
      'Delete',
    );
    if (ok !== 'Delete') return;
    const del = provider.delete.bind(provider);
    await withProgress({ location: { viewId: 'batchwise.batches' } }, async () => {
      for (const id of ids) await del(id);
    });
    void showInformation(`Batchwise: deleted ${ids.join(', ')} at ${job.provider}.`);
  });

  cmd('batchwise.groupByStatus', () => ctx.config.setGroupBy('status'));
  cmd('batchwise.groupByDay', () => ctx.config.setGroupBy('day'));

  cmd('batchwise.filterProvider', async () => {
    const current = tracker.providerFilter;
    const items: (vscode.QuickPickItem & { value: ProviderId | undefined })[] = [
      { label: 'All providers', value: undefined },
      ...(['openai', 'anthropic', 'gemini', 'local'] as const).map((p) => ({
        label: p === 'local' ? 'local (self-hosted)' : p,
        description: countOf(tracker.allJobs.filter((j) => j.provider === p).length, 'job'),
        value: p,
      })),
    ];
    for (const i of items) if (i.value === current) i.picked = true;
    const pick = await showPick(items, { placeHolder: current ? `Showing ${current} only` : 'Show the batches of one provider' });
    if (pick) await tracker.setProviderFilter(pick.value);
  });

  cmd('batchwise.importBatches', () => importBatches(ctx, tracker));
}
