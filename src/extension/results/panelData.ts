import { undownloadedOf } from '../../jobs/results';
import { flaggedCounts } from '../../core/results/quality';
import { basename } from 'node:path';
import { countOf, statusText } from '../../core/format';
import type { Job } from '../../core/jobs/job';
import type { JobStore } from '../../core/jobs/store';
import type { PricingOverrides } from '../../core/pricing';
import { isTerminal } from '../../core/status';
import { chainOf, rootOf, type MergedChain, type MergedRows } from '../../core/results/merge';
import { rowsFromResultsFile } from '../../core/results/standalone';
import type { ResultsSummary } from '../../core/results/summary';
import { FAILED_OUTCOMES } from '../../core/results/summary';
import type { BatchProvider } from '../../providers/types';
import { loadChain } from '../../jobs/retry';
import type { Header, PanelSource } from '../../shared/resultsProtocol';

/** What a panel shows: rows plus the header, from a job's retry chain or a loose results file. */
export interface PanelData {
  rows: MergedRows;
  header: Header;
  /** Original input of the rows (the root job's input); none for a loose results file. */
  inputPath?: string;
  chain?: MergedChain;
}

/** The chain jobs that have finished but whose results are not downloaded yet. */
export async function undownloaded(store: JobStore, job: Job): Promise<Job[]> {
  const root = await rootOf(store, job);
  return undownloadedOf(await chainOf(store, root));
}

/** Stable key of a panel: one panel per retry chain (a retry opens its root's panel) or per file. */
export async function panelKey(store: JobStore, source: PanelSource): Promise<string> {
  if (source.kind === 'file') return `file:${source.path}`;
  const job = await store.get(source.jobId);
  return `job:${job ? (await rootOf(store, job)).id : source.jobId}`;
}

/** The tab title a panel for this source gets once loaded (`Results: <name>`), to find its tab before that. */
export async function panelTitle(store: JobStore, source: PanelSource): Promise<string> {
  if (source.kind === 'file') return `Results: ${basename(source.path)}`;
  const job = await store.get(source.jobId);
  return `Results: ${job ? (await rootOf(store, job)).name : source.jobId}`;
}

export async function loadPanelData(
  store: JobStore,
  source: PanelSource,
  opts: { provider?: BatchProvider; pricing?: PricingOverrides; signal?: AbortSignal; onProgress?: (message: string, done: number, total?: number) => void },
): Promise<PanelData> {
  if (source.kind === 'file') {
    const { rows, summary, skipped } = await rowsFromResultsFile(source.path, opts.signal);
    const header = headerOf(summary, basename(source.path), source.path, []);
    header.canResubmit = false;
    if (skipped) header.notice = `${countOf(skipped, 'line')} ${skipped === 1 ? 'is' : 'are'} not results (OpenAI/vLLM output or error lines, Anthropic or Gemini results) and are not shown.`;
    return { rows, header };
  }
  const job = await store.get(source.jobId);
  if (!job) throw new Error(`Job ${source.jobId} is no longer in the job store (${store.jobsDir}).`);
  const root = await rootOf(store, job);
  const chain = await loadChain(store, job, opts.provider, { pricing: opts.pricing, signal: opts.signal, onProgress: opts.onProgress });
  const subtitle = [root.provider, root.model ?? undefined, root.id].filter(Boolean).join(' · ');
  const header = headerOf(chain.summary, root.name, subtitle, chain.jobs);
  const running = chain.jobs.filter((j) => !isTerminal(j.status));
  // Truncated and empty answers can be sent again too (with a raised token limit), also when nothing failed.
  const tooShort = (header.flagged.truncated ?? 0) + (header.flagged.empty ?? 0);
  header.canResubmit = running.length === 0 && (header.failed > 0 || tooShort > 0);
  const notices: string[] = [];
  if (running.length) notices.push(`${running.map((j) => `${j.name} is ${statusText(j.status)}`).join('; ')}: this view updates when it ends.`);
  const missing = chain.pending.filter((j) => isTerminal(j.status));
  if (missing.length) notices.push(`Results of ${missing.map((j) => j.id).join(', ')} are not downloaded (no API key given?).`);
  if (notices.length) header.notice = notices.join(' ');
  return { rows: chain.rows, header, inputPath: root.inputPath, chain };
}

function headerOf(s: ResultsSummary, title: string, subtitle: string, jobs: Job[]): Header {
  const failed = [...FAILED_OUTCOMES].reduce((n, o) => n + (s.counts[o] ?? 0), 0);
  return {
    title,
    subtitle,
    total: s.total,
    counts: s.counts,
    flagged: flaggedCounts(s.quality),
    failed,
    duplicates: s.duplicates,
    unmatched: s.unmatched,
    topErrors: s.topErrors,
    inputTokens: s.usage.inputTokens,
    outputTokens: s.usage.outputTokens,
    actualCost: s.actualCost,
    standardCost: s.standardCost,
    currency: s.currency,
    turnaroundSeconds: s.turnaroundSeconds,
    jobs: jobs.map((j) => ({ id: j.id, name: j.name, attempt: j.attempt, status: j.status, downloaded: !!j.resultsPath })),
    canResubmit: false,
  };
}
