import { isTerminal, type ProviderId, type RequestCounts } from '../status';
import { markdownText } from '../safeText';
import { redactSecrets } from '../redact';
import { describeResultsExpiry, resultsExpireAt } from '../results/retention';
import type { Job, JobPart } from './job';
import { failedLines, jobCounts, partCounts } from './counts';
import { NOT_SUBMITTED, errorLinePrefix } from './job';
import { windowMs } from '../limits';
import { describeFlagged } from '../results/quality';
import { countOf, formatMoney } from '../format';
import { consoleUrlFor } from '../consoles';
import { isQueued } from '../queue/admission';
import { queueLine } from '../queue/describe';
import { queueEtaSeconds } from '../queue/eta';

/**
 * The Batches view's data, built from jobs without `vscode`, so every rule about what a row shows
 * (state, counts, icon, which actions apply) is unit-tested. The TreeDataProvider only maps rows to TreeItems.
 */

export type RowKind = 'group' | 'job' | 'part';

export interface TreeRow {
  /** Stable across refreshes (keeps expansion and selection): `group:active`, `job:<id>`, `part:<id>:<index>`. */
  id: string;
  kind: RowKind;
  jobId?: string;
  partIndex?: number;
  /** Remote batch id of a part row, or of a single-part job. */
  remoteId?: string;
  label: string;
  description: string;
  /** Codicon id, `~spin` allowed. */
  iconId: string;
  /** Theme colour id, e.g. `charts.green`. */
  colorId?: string;
  tooltipMarkdown?: string;
  /** Space-separated words the menus match: job results cancellable retryable remote console deletable part group. */
  contextValue: string;
  children: TreeRow[];
  expanded: boolean;
}

export type GroupBy = 'status' | 'day';

export interface TreeOptions {
  groupBy: GroupBy;
  /** Show only jobs of this provider. */
  provider?: ProviderId;
  /** Epoch ms, injected so rows are deterministic in tests. */
  now: number;
  /** Current requests/s of local runs measured by the tracker between polls; the average since submit otherwise. */
  rates?: ReadonlyMap<string, number>;
  /** Whether the provider has a web page for the job's batches; default: any hosted provider on its own host. */
  hasConsole?: (job: Job) => boolean;
  /** Day bucket of an ISO time; default local date `YYYY-MM-DD`. */
  dayOf?: (iso: string) => string;
}

/** Gemini expires batches that stay pending or running 48 h (PROVIDER-FACTS, Gemini docs). */
export const GEMINI_WINDOW_MS = windowMs('gemini');

/** What a job looks like in the view; more precise than JobStatus (finalizing, all-failed, past window). */
export type DisplayState =
  | 'validating'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'completed_with_failures'
  | 'failed'
  | 'expired'
  | 'cancelling'
  | 'cancelled'
  | 'unknown'
  | 'past_window'
  | 'not_submitted';

// ---------- text helpers (also used by notify.ts) ----------

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `45s`, `12m`, `3h 5m`, `2d 4h`: short enough for a tree description. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** Lines the provider finished (answered or errored), e.g. how much of an expired batch is kept. */
export function finishedLines(counts: RequestCounts): number {
  return counts.succeeded + counts.failed;
}

// ---------- state ----------

function submittedAt(job: Job): number {
  const times = job.parts.map((p) => p.submittedAt).filter((t): t is string => !!t).map(Date.parse);
  return times.length ? Math.min(...times) : Date.parse(job.createdAt);
}

/** True for a Gemini job still pending/running after the 48 h window: Gemini jobs can hang there without an error. */
export function isPastGeminiWindow(job: Job, now: number): boolean {
  if (job.provider !== 'gemini' || isTerminal(job.status)) return false;
  if (job.status !== 'validating' && job.status !== 'in_progress') return false;
  return now - submittedAt(job) > GEMINI_WINDOW_MS;
}

function stateOf(status: Job['status'], counts: RequestCounts): DisplayState {
  if (status === 'completed') {
    // A completed batch with no successful line is a failure (kaapi-backend#723), not a green tick.
    if (counts.succeeded === 0 && failedLines(counts) > 0) return 'failed';
    if (failedLines(counts) > 0) return 'completed_with_failures';
  }
  return status;
}

export function displayState(job: Job, now: number): DisplayState {
  if (isPastGeminiWindow(job, now)) return 'past_window';
  if (job.parts.length > 0 && job.parts.every(neverSent)) return 'not_submitted';
  return stateOf(job.status, jobCounts(job));
}

/** A part that ended without a batch: nothing of it reached the provider, nothing is billed. */
export function neverSent(part: JobPart): boolean {
  return part.remoteId === null && part.status === 'failed' && part.errors.some((e) => e.code === NOT_SUBMITTED);
}

const LOOKS: Record<DisplayState, { icon: string; color?: string; text: string }> = {
  validating: { icon: 'loading~spin', color: 'charts.blue', text: 'validating' },
  in_progress: { icon: 'sync~spin', color: 'charts.blue', text: 'in progress' },
  // Its own icon: the provider is writing the output file, the batch is not stuck at 100%.
  finalizing: { icon: 'package', color: 'charts.purple', text: 'finalizing' },
  completed: { icon: 'pass-filled', color: 'testing.iconPassed', text: 'completed' },
  completed_with_failures: { icon: 'pass', color: 'charts.yellow', text: 'completed' },
  failed: { icon: 'error', color: 'testing.iconFailed', text: 'failed' },
  expired: { icon: 'watch', color: 'charts.orange', text: 'expired' },
  cancelling: { icon: 'loading~spin', color: 'charts.yellow', text: 'canceling' },
  cancelled: { icon: 'circle-slash', color: 'disabledForeground', text: 'canceled' },
  unknown: { icon: 'question', color: 'charts.yellow', text: 'unknown' },
  past_window: { icon: 'warning', color: 'list.warningForeground', text: 'past 48h window' },
  not_submitted: { icon: 'circle-large-outline', color: 'disabledForeground', text: 'not submitted' },
};

export function stateLook(state: DisplayState): { icon: string; color?: string; text: string } {
  return LOOKS[state];
}

// ---------- descriptions ----------

/** Requests/s of a local run: measured by the tracker if given, else the average since it started. */
export function localRate(job: Job, now: number, rates?: ReadonlyMap<string, number>): number | undefined {
  const measured = rates?.get(job.id);
  if (measured !== undefined) return measured;
  const done = finishedLines(jobCounts(job));
  const elapsed = (now - submittedAt(job)) / 1000;
  return done > 0 && elapsed > 0 ? done / elapsed : undefined;
}

function formatRate(r: number): string {
  return r >= 10 ? r.toFixed(0) : r.toFixed(1);
}

function countsText(state: DisplayState, counts: RequestCounts): string[] {
  const bits: string[] = [];
  if (state === 'expired' || state === 'cancelled') {
    // The finished lines are kept (warmbly#333): say how many, not just "expired".
    bits.push(`${formatCount(finishedLines(counts))}/${formatCount(counts.total)} finished`);
  } else {
    bits.push(`${formatCount(counts.succeeded)}/${formatCount(counts.total)}`);
  }
  if (counts.failed > 0) bits.push(`${formatCount(counts.failed)} failed`);
  return bits;
}

function describeJob(job: Job, opts: TreeOptions): string {
  const state = displayState(job, opts.now);
  const counts = jobCounts(job);
  const look = LOOKS[state];
  const bits = [state === 'unknown' ? `unknown (${job.rawStatus ?? 'no status'})` : look.text, ...countsText(state, counts)];
  // Parts waiting for room in the provider's quota: "3 of 40 parts in flight, 1.8M / 2M tokens".
  const queue = queueLine(job);
  if (queue) bits.push(queue);
  if (isTerminal(job.status)) {
    const end = job.finishedAt ? Date.parse(job.finishedAt) : Date.parse(job.updatedAt);
    bits.push(`${formatDuration(opts.now - end)} ago`);
    // In the row only when it is close (the tooltip always says it): Gemini's 48 h, or the last days of the others.
    const expires = resultsExpireAt(job);
    if (expires && expires.getTime() - opts.now < 3 * 24 * 3_600_000) bits.push(expires.getTime() > opts.now ? `results expire in ${formatDuration(expires.getTime() - opts.now)}` : 'results deleted by the provider');
  } else {
    bits.push(formatDuration(opts.now - Date.parse(job.createdAt)));
    if (job.provider === 'local') {
      const pace = job.parts.find((p) => p.throughput)?.throughput;
      const rate = pace && pace.requestsPerSec > 0 ? pace.requestsPerSec : localRate(job, opts.now, opts.rates);
      if (rate !== undefined && rate > 0) {
        bits.push(`${formatRate(rate)} req/s`);
        if (pace && pace.tokensPerSec > 0) bits.push(`${formatRate(pace.tokensPerSec)} tok/s`);
        const remaining = Math.max(0, counts.total - finishedLines(counts));
        if (remaining > 0) bits.push(`ETA ${formatDuration((pace?.etaSeconds ?? remaining / rate) * 1000)}`);
      }
    } else {
      // A queued job: the parts still waiting for room are in the ETA.
      const eta = queueEtaSeconds(job, opts.now);
      if (eta !== undefined) bits.push(`ETA ${formatDuration(eta * 1000)}`);
    }
  }
  return bits.join(' · ');
}

// ---------- tooltip ----------

/**
 * Untrusted text in the tooltip: secrets redacted first (escaping would hide `://user:pw@` and `?key=` from the
 * redaction), then markdown, links and `$(icon)` neutralized (core/safeText).
 */
export const escapeMarkdown = (text: string): string => markdownText(redactSecrets(text));

function money(v: number | null | undefined, currency = 'USD'): string | undefined {
  return v === null || v === undefined ? undefined : formatMoney(v, currency);
}

function jobTooltip(job: Job, opts: TreeOptions): string {
  const counts = jobCounts(job);
  const state = displayState(job, opts.now);
  const e = escapeMarkdown;
  const lines: string[] = [`**${e(job.name)}**: ${e(state === 'unknown' ? `unknown (${job.rawStatus ?? 'no status'})` : LOOKS[state].text)}`];
  if (state === 'past_window') {
    lines.push(
      `$(warning) Still ${e(job.rawStatus ?? job.status)} after ${formatDuration(opts.now - submittedAt(job))}, past Gemini's 48 h window. ` +
        'Gemini jobs sometimes stay pending without an error: consider canceling and resubmitting.',
    );
  }
  lines.push(`Provider: ${e(job.provider)} (profile ${e(job.profile)}${job.baseUrl ? `, ${e(job.baseUrl)}` : ''})`);
  if (job.model || job.endpoint) lines.push(`Model: ${e(job.model ?? '?')}, endpoint: ${e(job.endpoint ?? '?')}`);
  const ids = job.parts.map((p) => p.remoteId).filter((id): id is string => !!id);
  if (ids.length) lines.push(`Remote ${ids.length > 1 ? 'ids' : 'id'}: ${ids.map(e).join(', ')}`);
  lines.push(`Created: ${e(job.createdAt)}${job.finishedAt ? `, finished: ${e(job.finishedAt)}` : ''}`);
  const outcome = [
    countOf(counts.total, 'request'),
    `${formatCount(counts.succeeded)} succeeded`,
    `${formatCount(counts.failed)} failed`,
    ...(counts.processing ? [`${formatCount(counts.processing)} processing`] : []),
    ...(counts.expired ? [`${formatCount(counts.expired)} expired`] : []),
    ...(counts.canceled ? [`${formatCount(counts.canceled)} canceled`] : []),
  ];
  lines.push(`Lines: ${outcome.join(', ')}`);
  const flagged = describeFlagged(job.flagged, formatCount);
  if (flagged) lines.push(`$(warning) Of the succeeded: ${flagged} (open the results to filter and resend them)`);
  const est = money(job.estimate?.batchCost, job.estimate?.currency);
  const actual = money(job.actualCost, job.estimate?.currency);
  if (est || actual) lines.push(`Cost: ${[est && `estimated ${e(est)}`, actual && `actual ${e(actual)}`].filter(Boolean).join(', ')}`);
  if (job.parentId) lines.push(`Retry ${job.attempt - 1} of ${e(job.parentId)}`);
  lines.push(`Input: ${job.inputPath ? e(job.inputPath) : '(imported: no local input file)'}`);
  const expiry = describeResultsExpiry(job, opts.now);
  if (expiry) lines.push(`$(warning) ${e(expiry[0]!.toUpperCase() + expiry.slice(1))}: open the results to download them.`);
  const errs = job.parts.flatMap((p) => p.errors).slice(0, 3);
  for (const err of errs) lines.push(`$(error) ${errorLinePrefix(err)}${e(err.code)}: ${e(err.message)}`);
  // Two trailing spaces = markdown line break, so each fact stays on its own line.
  return lines.join('  \n');
}

// ---------- rows ----------

function defaultHasConsole(job: Job): boolean {
  return consoleUrlFor(job.provider, job.baseUrl, '') !== undefined;
}

function hasResults(job: Job): boolean {
  if (job.resultsPath) return true;
  if (!isTerminal(job.status)) return false;
  return finishedLines(jobCounts(job)) > 0 || job.parts.some((p) => p.outputFileId || p.errorFileId);
}

/** The words the menus match (`viewItem =~ /\bword\b/`); only the actions that apply to this job. */
export function jobContextValue(job: Job, opts: Pick<TreeOptions, 'hasConsole'> = {}): string {
  const words = ['job'];
  const terminal = isTerminal(job.status);
  const remote = job.parts.some((p) => p.remoteId);
  if (!terminal && job.status !== 'cancelling') words.push('cancellable');
  if (hasResults(job)) words.push('results');
  if (terminal && failedLines(jobCounts(job)) > 0) words.push('retryable');
  if (remote) words.push('remote');
  if (remote && (opts.hasConsole ?? defaultHasConsole)(job)) words.push('console');
  if (terminal && remote && (job.provider === 'anthropic' || job.provider === 'gemini')) words.push('deletable');
  return words.join(' ');
}

function partRow(job: Job, part: JobPart, opts: TreeOptions): TreeRow {
  const counts = partCounts(part);
  const state = neverSent(part) ? 'not_submitted' : stateOf(part.status, counts);
  const look = LOOKS[state];
  const statusText = isQueued(part) ? 'queued' : state === 'unknown' ? `unknown (${part.rawStatus ?? 'no status'})` : look.text;
  const words = ['part'];
  if (part.remoteId) words.push('remote');
  if (part.remoteId && (opts.hasConsole ?? defaultHasConsole)(job)) words.push('console');
  return {
    id: `part:${job.id}:${part.index}`,
    kind: 'part',
    jobId: job.id,
    partIndex: part.index,
    ...(part.remoteId ? { remoteId: part.remoteId } : {}),
    label: `Part ${part.index + 1}: ${part.remoteId ?? (isQueued(part) ? '(queued)' : '(not created)')}`,
    description: [statusText, ...countsText(state, counts)].join(' · '),
    iconId: look.icon,
    ...(look.color ? { colorId: look.color } : {}),
    tooltipMarkdown: `Lines ${part.lineStart}-${part.lineEnd} (${countOf(part.requests, 'request')})` + (part.rawStatus ? `  \nProvider status: ${escapeMarkdown(part.rawStatus)}` : ''),
    contextValue: words.join(' '),
    children: [],
    expanded: false,
  };
}

function labelOf(job: Job): string {
  if (job.name) return job.name;
  const base = job.inputPath.split(/[\\/]/).pop();
  return base || job.id;
}

export function jobRow(job: Job, opts: TreeOptions): TreeRow {
  const state = displayState(job, opts.now);
  const look = LOOKS[state];
  const children: TreeRow[] = [];
  // One part is the job itself: its id is in the tooltip and copyable; a split job lists its parts.
  if (job.parts.length > 1) children.push(...job.parts.map((p) => partRow(job, p, opts)));
  const single = job.parts.length === 1 ? job.parts[0]?.remoteId : undefined;
  return {
    id: `job:${job.id}`,
    kind: 'job',
    jobId: job.id,
    ...(single ? { remoteId: single } : {}),
    // Retry jobs are usually named "<parent> (retry N)" already; say it once.
    label: job.parentId && !/\bretry\b/i.test(labelOf(job)) ? `${labelOf(job)} (retry ${job.attempt - 1})` : labelOf(job),
    description: describeJob(job, opts),
    iconId: look.icon,
    ...(look.color ? { colorId: look.color } : {}),
    tooltipMarkdown: jobTooltip(job, opts),
    contextValue: jobContextValue(job, opts),
    children,
    expanded: false,
  };
}

/** A job and its retries (recursively) as one row; retries are never also shown at the top level. */
function rowWithRetries(job: Job, byParent: ReadonlyMap<string, Job[]>, opts: TreeOptions, seen: Set<string>): TreeRow {
  seen.add(job.id);
  const retries = (byParent.get(job.id) ?? []).filter((r) => !seen.has(r.id));
  const row = jobRow(job, opts);
  row.children.push(...retries.map((r) => rowWithRetries(r, byParent, opts, seen)));
  if (retries.length && isTerminal(job.status)) showMergedOutcome(row, job, descendants(job, byParent), opts);
  // Expanded while a retry is running, so its progress is visible without a click.
  row.expanded = retries.some((r) => !isTerminal(r.status));
  return row;
}

/** Every retry below `job` (a chain root -> retry 1 -> retry 2 ...), oldest attempt first. */
function descendants(job: Job, byParent: ReadonlyMap<string, Job[]>): Job[] {
  const out: Job[] = [];
  const visit = (j: Job) => {
    for (const r of byParent.get(j.id) ?? []) {
      if (out.includes(r) || r === job) continue;
      out.push(r);
      visit(r);
    }
  };
  visit(job);
  return out.sort((a, b) => a.attempt - b.attempt || a.createdAt.localeCompare(b.createdAt));
}

/**
 * Succeeded lines of the merged view from the jobs' counts alone: a retry resends the lines still failed
 * (plus, when asked, succeeded lines whose output failed the schema: the requests beyond the failed ones),
 * and its successes replace them. Capped at the root's total, so it never claims more lines than exist.
 */
export function mergedSucceeded(root: Job, retries: readonly Job[]): { succeeded: number; total: number } {
  const total = jobCounts(root).total;
  let succeeded = jobCounts(root).succeeded;
  for (const r of retries) {
    const c = jobCounts(r);
    const resentSucceeded = Math.max(0, c.total - (total - succeeded));
    succeeded = Math.min(total, Math.max(0, succeeded - resentSucceeded) + c.succeeded);
  }
  return { succeeded, total };
}

/** A parent row says how its chain ended ("completed · 12/12 after 1 retry"), not how its first attempt did. */
function showMergedOutcome(row: TreeRow, root: Job, retries: Job[], opts: TreeOptions): void {
  const running = retries.filter((r) => !isTerminal(r.status));
  const done = retries.filter((r) => isTerminal(r.status));
  if (!done.length) {
    row.description += ` · retry ${running[0]!.attempt - 1} running`;
    return;
  }
  const { succeeded, total } = mergedSucceeded(root, done);
  const failed = total - succeeded;
  const state: DisplayState = failed === 0 ? 'completed' : succeeded === 0 ? 'failed' : 'completed_with_failures';
  const look = LOOKS[state];
  const last = done[done.length - 1]!;
  const end = Date.parse(last.finishedAt ?? last.updatedAt);
  const bits = [look.text, `${formatCount(succeeded)}/${formatCount(total)} after ${countOf(done.length, 'retry', 'retries')}`];
  if (failed > 0) bits.push(`${formatCount(failed)} failed`);
  if (running.length) bits.push(`retry ${running[0]!.attempt - 1} running`);
  else bits.push(`${formatDuration(opts.now - end)} ago`);
  row.description = bits.join(' · ');
  row.iconId = look.icon;
  if (look.color) row.colorId = look.color;
  // Nothing left to resend once the chain has every line.
  if (failed === 0) row.contextValue = row.contextValue.split(' ').filter((w) => w !== 'retryable').join(' ');
}

/** Where a chain is grouped: by its latest attempt, so a failed job fixed by a retry counts as finished. */
function chainState(root: Job, byParent: ReadonlyMap<string, Job[]>, now: number): 'active' | 'finished' | 'failed' {
  let latest = root;
  const visited = new Set<string>([root.id]);
  for (;;) {
    const next = (byParent.get(latest.id) ?? []).filter((j) => !visited.has(j.id)).sort((a, b) => b.attempt - a.attempt || b.createdAt.localeCompare(a.createdAt))[0];
    if (!next) break;
    visited.add(next.id);
    latest = next;
  }
  if (!isTerminal(root.status) || !isTerminal(latest.status)) return 'active';
  const state = displayState(latest, now);
  return state === 'failed' || state === 'expired' ? 'failed' : 'finished';
}

function localDay(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function groupRow(key: string, label: string, rows: TreeRow[], expanded: boolean): TreeRow {
  return { id: `group:${key}`, kind: 'group', label, description: String(rows.length), iconId: 'folder', contextValue: 'group', children: rows, expanded };
}

/** The whole view: groups (status or day) of root jobs, each with its parts and retries. */
export function buildTree(jobs: readonly Job[], opts: TreeOptions): TreeRow[] {
  const shown = opts.provider ? jobs.filter((j) => j.provider === opts.provider) : [...jobs];
  const ids = new Set(shown.map((j) => j.id));
  const byParent = new Map<string, Job[]>();
  for (const j of shown) {
    if (j.parentId && ids.has(j.parentId)) byParent.set(j.parentId, [...(byParent.get(j.parentId) ?? []), j]);
  }
  for (const list of byParent.values()) list.sort((a, b) => a.attempt - b.attempt || a.createdAt.localeCompare(b.createdAt));
  // A retry whose parent was removed (or filtered out) stands on its own.
  const roots = shown
    .filter((j) => !j.parentId || !ids.has(j.parentId))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  const seen = new Set<string>();
  const rowsOf = (list: Job[]) => list.map((j) => rowWithRetries(j, byParent, opts, seen));

  if (opts.groupBy === 'day') {
    const dayOf = opts.dayOf ?? localDay;
    const today = dayOf(new Date(opts.now).toISOString());
    const yesterday = dayOf(new Date(opts.now - 86_400_000).toISOString());
    const days = new Map<string, Job[]>();
    for (const j of roots) {
      const d = dayOf(j.createdAt);
      days.set(d, [...(days.get(d) ?? []), j]);
    }
    return [...days.entries()]
      .sort((a, b) => b[0].localeCompare(a[0]))
      .map(([day, list], i) => groupRow(`day:${day}`, day === today ? 'Today' : day === yesterday ? 'Yesterday' : day, rowsOf(list), i === 0));
  }

  const buckets = { active: [] as Job[], finished: [] as Job[], failed: [] as Job[] };
  for (const j of roots) buckets[chainState(j, byParent, opts.now)].push(j);
  const groups: TreeRow[] = [];
  if (buckets.active.length) groups.push(groupRow('active', 'Active', rowsOf(buckets.active), true));
  if (buckets.finished.length) groups.push(groupRow('finished', 'Finished', rowsOf(buckets.finished), true));
  if (buckets.failed.length) groups.push(groupRow('failed', 'Failed', rowsOf(buckets.failed), true));
  return groups;
}

/** Jobs still moving (the view badge and the status bar count). */
export function activeCount(jobs: readonly Job[]): number {
  return jobs.filter((j) => !isTerminal(j.status)).length;
}

/** Depth-first search of a row by id (for reveal / refresh of one node). */
export function findRow(rows: readonly TreeRow[], id: string): TreeRow | undefined {
  for (const r of rows) {
    if (r.id === id) return r;
    const inner = findRow(r.children, id);
    if (inner) return inner;
  }
  return undefined;
}
