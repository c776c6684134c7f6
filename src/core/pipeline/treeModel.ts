import { countOf } from '../format';
import { redactSecrets } from '../redact';
import { iconSafeText } from '../safeText';
import { formatCount, formatDuration } from '../jobs/treeModel';
import type { PipelineOverview } from './overview';
import type { Cycle, CycleStep } from './state';

/**
 * The Pipelines view's data, built from `pipelineOverview` results without `vscode`, so what a row says (state,
 * schedule, next run, counts, which actions apply) is unit-tested. The TreeDataProvider only maps rows to TreeItems.
 */

export type PipelineRowKind = 'pipeline' | 'problem' | 'cycle';

/** What a click on a row does. */
export type RowOpen = { kind: 'results'; jobId: string } | { kind: 'file'; file: string; line: number; column: number };

export interface PipelineRow {
  /** Stable across refreshes (keeps expansion): `pipeline:<file>`, `cycle:<file>:<cycle id>`. */
  id: string;
  kind: PipelineRowKind;
  /** The pipeline file (absolute). */
  file: string;
  /** The pipeline's name (the file name for a file with problems). */
  name: string;
  cycleId?: string;
  /** A cycle's first job: the results command takes it (its retries are merged in the results panel). */
  jobId?: string;
  label: string;
  description: string;
  /**
   * Plain text, one fact a line, every line already made safe here (secrets redacted, icons broken): tree tooltips
   * need no markdown, so none is built from untrusted names and paths.
   */
  tooltip: string;
  /** Codicon id, `~spin` allowed. */
  iconId: string;
  colorId?: string;
  /** Words the menus match: pipeline problem runnable running pausable resumable cycle results. */
  contextValue: string;
  open?: RowOpen;
  children: PipelineRow[];
  expanded: boolean;
}

export interface PipelineTreeOptions {
  /** Epoch ms, injected so rows are deterministic in tests. */
  now: number;
  /** A cycle's start as a row label; default local `YYYY-MM-DD HH:MM`. */
  timeOf?: (iso: string) => string;
}

/** The last cycles listed under a pipeline (the state file keeps more; their jobs stay in the Batches view). */
export const CYCLES_SHOWN = 10;

const STEP_TEXT: Record<CycleStep, string> = {
  preparing: 'preparing the input',
  submitting: 'submitting',
  running: 'batch running',
  writing: 'writing outputs',
  hook: 'running the hook',
  done: 'done',
};

interface Look {
  icon: string;
  color?: string;
  /** A mark before the status, so a state reads without colour. */
  mark: string;
}

function cycleLook(c: Cycle): Look {
  switch (c.status) {
    case 'running':
      return { icon: 'sync~spin', color: 'charts.blue', mark: '' };
    case 'completed':
      return { icon: 'pass-filled', color: 'testing.iconPassed', mark: '✓ ' };
    case 'failed':
      // Some lines made it: a yellow tick, as the Batches view shows a job completed with failures.
      return (c.succeeded ?? 0) > 0 ? { icon: 'pass', color: 'charts.yellow', mark: '✗ ' } : { icon: 'error', color: 'testing.iconFailed', mark: '✗ ' };
    case 'refused':
      return { icon: 'circle-slash', color: 'charts.orange', mark: '⊘ ' };
    case 'error':
      return { icon: 'error', color: 'testing.iconFailed', mark: '✗ ' };
  }
}

/** `12/12`, `10/12 · 2 failed`; empty before the cycle has counted its lines. */
function countsText(c: Cycle): string[] {
  if (c.succeeded === undefined) return [];
  const failed = c.failed ?? 0;
  const bits = [`${formatCount(c.succeeded)}/${formatCount(c.succeeded + failed)}`];
  if (failed > 0) bits.push(`${formatCount(failed)} failed`);
  return bits;
}

function ago(iso: string | undefined, now: number): string {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? `${formatDuration(now - t)} ago` : '';
}

/** "running: batch running · 3m", "✓ completed 2m ago · 12/12", "⊘ refused 1h ago". */
function cycleStateText(c: Cycle, now: number): string {
  if (c.status === 'running') return [`running: ${STEP_TEXT[c.step]}`, formatDuration(now - Date.parse(c.startedAt))].join(' · ');
  const look = cycleLook(c);
  const when = ago(c.finishedAt ?? c.updatedAt, now);
  return [`${look.mark}${c.status}${when ? ` ${when}` : ''}`, ...countsText(c)].join(' · ');
}

/** "0 2 * * * (Europe/Berlin) · next in 7h 3m", "no schedule", "… · paused". */
function scheduleText(o: PipelineOverview, now: number): string {
  if (!o.schedule) return 'no schedule';
  const cron = `${o.schedule}${o.timezone ? ` (${o.timezone})` : ''}`;
  if (o.paused) return `${cron} · schedule paused`;
  if (!o.nextRun) return `${cron} · no next run`;
  return `${cron} · next in ${formatDuration(Math.max(0, o.nextRun.getTime() - now))}`;
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** One tooltip: each line made safe for the tree (secrets out, `$(icon)` broken, one line each), joined by newlines. */
function tooltipOf(lines: readonly (string | undefined | false)[]): string {
  return lines
    .filter((l): l is string => typeof l === 'string' && l.length > 0)
    .map((l) => iconSafeText(redactSecrets(l), 500))
    .join('\n');
}

/** `file:line:col: message` lines of a PipelineFileError's message: the first one's position and text. */
export function firstProblem(problem: string, file: string): { line: number; column: number; message: string } {
  const first = problem.split('\n')[0] ?? problem;
  const prefix = `${file}:`;
  const rest = first.startsWith(prefix) ? first.slice(prefix.length) : first;
  const m = /^(\d+):(\d+): (.*)$/.exec(rest);
  if (m) return { line: Number(m[1]), column: Number(m[2]), message: m[3]! };
  return { line: 1, column: 1, message: first.startsWith(prefix) ? rest.replace(/^\s+/, '') : first };
}

function problemRow(o: PipelineOverview): PipelineRow {
  const base = o.file.split(/[\\/]/).pop() || o.file;
  const problems = (o.problem ?? '').split('\n').filter(Boolean);
  const first = firstProblem(o.problem ?? '', o.file);
  return {
    id: `pipeline:${o.file}`,
    kind: 'problem',
    file: o.file,
    name: base,
    label: base,
    description: `line ${first.line}: ${first.message}`,
    tooltip: tooltipOf([
      `${base}: ${countOf(problems.length, 'problem')}, so the pipeline cannot run`,
      o.file,
      ...problems.slice(0, 10).map((p) => `• ${p.startsWith(`${o.file}:`) ? `line ${p.slice(o.file.length + 1)}` : p}`),
      'Open the file to see them underlined; fix them and the row updates.',
    ]),
    iconId: 'warning',
    colorId: 'list.warningForeground',
    contextValue: 'pipeline problem',
    open: { kind: 'file', file: o.file, line: first.line, column: first.column },
    children: [],
    expanded: false,
  };
}

function cycleRow(o: PipelineOverview, c: Cycle, opts: PipelineTreeOptions): PipelineRow {
  const look = cycleLook(c);
  const timeOf = opts.timeOf ?? localTime;
  const jobId = c.jobs[0];
  const trigger = c.trigger === 'manual' ? 'run by hand' : c.trigger === 'schedule' ? 'scheduled' : 'catch-up';
  const retries = c.jobs.length > 1 ? countOf(c.jobs.length - 1, 'retry', 'retries') : undefined;
  return {
    id: `cycle:${o.file}:${c.id}`,
    kind: 'cycle',
    file: o.file,
    name: o.name,
    cycleId: c.id,
    ...(jobId ? { jobId } : {}),
    label: timeOf(c.startedAt),
    description: [cycleStateText(c, opts.now), ...(retries ? [retries] : []), trigger].join(' · '),
    tooltip: tooltipOf([
      `Cycle ${c.id} of ${o.name}: ${c.status === 'running' ? `running (${STEP_TEXT[c.step]})` : c.status}`,
      `Started ${c.startedAt} (${trigger})${c.scheduledFor ? `, for the slot ${c.scheduledFor}` : ''}`,
      c.finishedAt && `Finished ${c.finishedAt}`,
      c.succeeded !== undefined && `Lines: ${formatCount(c.succeeded)} succeeded, ${formatCount(c.failed ?? 0)} failed`,
      c.jobs.length > 0 && `Jobs: ${c.jobs.join(', ')}${retries ? ` (the first, then ${retries})` : ''}`,
      c.outputs.length > 0 && `Outputs: ${c.outputs.join(', ')}`,
      c.hook && `Hook: ${c.hook.finishedAt ? `exit ${c.hook.exitCode ?? 'none'}` : 'did not finish'}${c.hook.error ? ` (${c.hook.error})` : ''}`,
      c.webhook && `Webhook: ${c.webhook.delivered ? 'delivered' : 'not delivered'}${c.webhook.attempts ? ` after ${countOf(c.webhook.attempts, 'attempt')}` : ''}${c.webhook.error ? ` (${c.webhook.error})` : ''}`,
      c.message,
      jobId ? 'Click to open the results.' : undefined,
    ]),
    iconId: look.icon,
    ...(look.color ? { colorId: look.color } : {}),
    contextValue: jobId ? 'cycle results' : 'cycle',
    ...(jobId ? { open: { kind: 'results' as const, jobId } } : {}),
    children: [],
    expanded: false,
  };
}

function pipelineRow(o: PipelineOverview, opts: PipelineTreeOptions): PipelineRow {
  const { now } = opts;
  const current = o.running ?? o.last;
  const look: Look = o.running ? cycleLook(o.running) : o.paused ? { icon: 'debug-pause', color: 'disabledForeground', mark: '' } : o.last ? cycleLook(o.last) : { icon: 'circle-large-outline', mark: '' };
  const state = current ? cycleStateText(current, now) : 'no cycle yet';
  const p = o.loaded?.pipeline;
  const words = ['pipeline', 'runnable', o.paused ? 'resumable' : 'pausable'];
  if (o.running) words.push('running');
  return {
    id: `pipeline:${o.file}`,
    kind: 'pipeline',
    file: o.file,
    name: o.name,
    label: o.name,
    description: [o.paused && !o.schedule ? 'paused' : undefined, state, scheduleText(o, now)].filter(Boolean).join(' · '),
    tooltip: tooltipOf([
      `${o.name}${o.paused ? ' (paused: serve starts no scheduled cycle)' : ''}`,
      o.file,
      p && `Provider: ${p.provider}${p.profile ? `, profile ${p.profile}` : ''}${p.baseUrl ? `, ${p.baseUrl}` : ''}${p.model ? `, model ${p.model}` : ''}`,
      o.schedule ? `Schedule: ${o.schedule}${o.timezone ? ` in ${o.timezone}` : ''}${o.nextRun ? `, next run ${o.nextRun.toISOString()}` : ''}` : 'No schedule: runs when asked (Run Now, batchwise pipeline run)',
      p?.budgetUsd !== undefined && `Budget: $${p.budgetUsd} a cycle`,
      p?.outputs?.length ? `Outputs: ${p.outputs.join(', ')}` : undefined,
      p?.onComplete?.command && `On complete: ${p.onComplete.command}`,
      o.running ? `Running: cycle ${o.running.id}, ${STEP_TEXT[o.running.step]}` : o.last ? `Last cycle: ${o.last.id}, ${cycleStateText(o.last, now)}` : 'No cycle yet',
      o.last?.message && o.last.status !== 'running' && o.last.message,
      `${countOf(o.cycles.length, 'cycle')} recorded${o.cycles.length > CYCLES_SHOWN ? `, the last ${CYCLES_SHOWN} listed` : ''}`,
    ]),
    iconId: look.icon,
    ...(look.color ? { colorId: look.color } : {}),
    contextValue: words.join(' '),
    open: { kind: 'file', file: o.file, line: 1, column: 1 },
    children: o.cycles.slice(-CYCLES_SHOWN).reverse().map((c) => cycleRow(o, c, opts)),
    // Open while a cycle runs, so its progress shows without a click.
    expanded: !!o.running,
  };
}

/** The whole view: one row per pipeline file (sorted by name, then path), each with its last cycles, newest first. */
export function pipelineRows(overviews: readonly PipelineOverview[], opts: PipelineTreeOptions): PipelineRow[] {
  return [...overviews]
    .sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file))
    .map((o) => (o.problem ? problemRow(o) : pipelineRow(o, opts)));
}
