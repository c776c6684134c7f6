import * as vscode from 'vscode';
import type { BatchwiseContext } from '../context';
import type { ProviderId } from '../../core/status';
import type { RemoteBatch } from '../../providers/types';
import { importPickItem, remoteBatchToJob, untrackedBatches } from '../../core/jobs/import';
import { pickProfile, providerFor } from '../profiles';
import type { Tracker } from './tracker';
import { showInformation, showPick, showPicks, withProgress } from '../notify';

/** How many remote batches are listed at most (newest first): enough for "what did I run lately". */
const MAX_PAGES = 10;
const PAGE_SIZE = 100;

/** `Batchwise: Import Batches from Provider`: lists a profile's remote batches and tracks those picked. */
export async function importBatches(ctx: BatchwiseContext, tracker: Tracker): Promise<void> {
  const providerPick = await showPick(
    [
      { label: 'OpenAI', value: 'openai' as ProviderId },
      { label: 'Anthropic', value: 'anthropic' as ProviderId },
      { label: 'Google Gemini', value: 'gemini' as ProviderId },
      { label: 'Local server runs', value: 'local' as ProviderId },
    ],
    { placeHolder: 'Import batches from which provider?' },
  );
  if (!providerPick) return;
  const profile = await pickProfile(ctx, providerPick.value);
  if (!profile) return;
  const provider = await providerFor(ctx, { profile: profile.name, provider: profile.provider, ...(profile.baseUrl ? { baseUrl: profile.baseUrl } : {}) });
  if (!provider) return;

  const listed = await withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Listing ${profile.name} batches`, cancellable: true },
    async (progress, token) => {
      const all: RemoteBatch[] = [];
      let after: string | undefined;
      for (let page = 0; page < MAX_PAGES && !token.isCancellationRequested; page++) {
        const res = await provider.list({ ...(after ? { after } : {}), limit: PAGE_SIZE });
        all.push(...res.batches);
        progress.report({ message: `${all.length} found` });
        if (!res.next) return { all, more: false };
        after = res.next;
      }
      return { all, more: true };
    },
  );
  // The store, not the view's copy: a job saved a moment ago (or by the CLI) counts as tracked.
  const candidates = untrackedBatches(listed.all, (await ctx.store.list()).jobs, profile);
  if (candidates.length === 0) {
    void showInformation(
      listed.all.length === 0 ? `Batchwise: profile "${profile.name}" has no batches.` : `Batchwise: ${listed.all.length === 1 ? 'its only batch' : `all ${listed.all.length} batches`} of "${profile.name}" are already in the list.`,
    );
    return;
  }
  const picks = await showPicks(
    candidates.map((b) => ({ ...importPickItem(b), batch: b })),
    {
      matchOnDescription: true,
      matchOnDetail: true,
      placeHolder: `Batches of ${profile.name} not tracked yet${listed.more ? ` (the ${listed.all.length} most recent)` : ''}: pick the ones to track`,
    },
  );
  if (!picks || picks.length === 0) return;
  const now = new Date();
  for (const p of picks) {
    const job = remoteBatchToJob(p.batch, { id: ctx.store.newId(now), profile, now });
    await ctx.store.save(job);
    tracker.upsert(job);
    tracker.poller.track(job);
  }
  void showInformation(`Batchwise: tracking ${picks.length} imported ${picks.length === 1 ? 'batch' : 'batches'}.`);
}
