import { readJsonlFile, isBlankLine } from '../jsonl';
import type { Job } from '../jobs/job';
import type { JobStore } from '../jobs/store';
import type { ModelPrice } from '../pricing';
import { conversationOf } from './conversation';
import { inputIdOfText } from './inputId';
import { LineOutcomeSchema, type LineOutcome, type TokenUsage } from '../status';
import type { ResultRecord } from './record';
import { SummaryBuilder, type ResultsSummary } from './summary';

/** Characters of the input's last user text kept per row for the preview and the search. */
const INPUT_TEXT_CHARS = 300;

/** One row of the merged view: an original input line and its latest result across the retry chain. */
export interface MergedRow {
  /** 1-based line in the root job's input. */
  line: number;
  customId: string;
  outcome: LineOutcome;
  /** The job (and attempt) the shown result came from. */
  jobId: string;
  attempt: number;
  outputText?: string;
  errorCode?: string;
  errorMessage?: string;
  usage?: TokenUsage;
  /** Start of the input's last user text (preview and search). */
  inputText: string;
  /** Where the original line is in the root input, to read it again for the detail pane and the retry file. */
  input: { offset: number; bytes: number; bom: boolean };
  /** Where the full record (with the raw response) is, when there is one. */
  source?: { path: string; offset: number; bytes: number };
}

export interface MergedChain {
  root: Job;
  /** Root first, then retries by attempt. */
  jobs: Job[];
  rows: MergedRow[];
  /** Jobs of the chain whose results are not downloaded yet (their lines keep their earlier outcome). */
  pending: Job[];
  summary: ResultsSummary;
}

/** The root of a job's retry chain (follows parentId; stops at a missing parent). */
export async function rootOf(store: JobStore, job: Job): Promise<Job> {
  let cur = job;
  const seen = new Set([job.id]);
  while (cur.parentId && !seen.has(cur.parentId)) {
    const parent = await store.get(cur.parentId);
    if (!parent) break;
    seen.add(parent.id);
    cur = parent;
  }
  return cur;
}

/** The root and every job that descends from it, root first, then by attempt and creation time. */
export async function chainOf(store: JobStore, root: Job): Promise<Job[]> {
  const { jobs } = await store.list();
  const children = new Map<string, Job[]>();
  for (const j of jobs) if (j.parentId) children.set(j.parentId, [...(children.get(j.parentId) ?? []), j]);
  const out: Job[] = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!.id) ?? []).filter((c) => !out.some((o) => o.id === c.id)));
  return [root, ...out.slice(1).sort((a, b) => a.attempt - b.attempt || a.createdAt.localeCompare(b.createdAt))];
}

/**
 * The merged view of a retry chain: one row per original input line; for each custom_id the latest
 * success wins, otherwise the latest attempt's outcome. Reads every job's results.jsonl once.
 */
export async function mergedResultsForChain(store: JobStore, rootJob: Job, opts: { price?: ModelPrice; signal?: AbortSignal } = {}): Promise<MergedChain> {
  const jobs = await chainOf(store, rootJob);
  return mergeChain(rootJob, jobs, opts);
}

export async function mergeChain(root: Job, jobs: Job[], opts: { price?: ModelPrice; signal?: AbortSignal } = {}): Promise<MergedChain> {
  const rows: MergedRow[] = [];
  const byId = new Map<string, number>();
  const byLine = new Map<number, number>();
  for await (const l of readJsonlFile(root.inputPath, { signal: opts.signal })) {
    if (isBlankLine(l.text)) continue;
    const customId = inputIdOfText(l.text) ?? '';
    if (customId && !byId.has(customId)) byId.set(customId, rows.length);
    byLine.set(l.line, rows.length);
    rows.push({
      line: l.line,
      customId,
      outcome: 'missing',
      jobId: root.id,
      attempt: root.attempt,
      inputText: conversationOf(l.text).lastUserText.slice(0, INPUT_TEXT_CHARS),
      input: { offset: l.offset, bytes: l.bytes, bom: l.bom === true },
    });
  }
  const pending: Job[] = [];
  for (const job of jobs) {
    if (!job.resultsPath) {
      pending.push(job);
      continue;
    }
    const isRoot = job.id === root.id;
    try {
      for await (const l of readJsonlFile(job.resultsPath, { signal: opts.signal })) {
        if (isBlankLine(l.text)) continue;
        const r = asRecord(JSON.parse(l.text));
        if (!r) continue;
        // Retry files hold other line numbers: match by id; the root's lines without an id match by line.
        const i = r.customId ? byId.get(r.customId) : isRoot ? byLine.get(r.line) : undefined;
        if (i === undefined) continue;
        const row = rows[i]!;
        const hasResult = row.source !== undefined;
        if (hasResult && row.outcome === 'succeeded' && r.outcome !== 'succeeded') continue;
        // A retry's `missing` (not downloaded fully, or dropped) says less than an earlier real error.
        if (hasResult && r.outcome === 'missing' && row.outcome !== 'missing') continue;
        rows[i] = {
          ...row,
          outcome: r.outcome,
          jobId: r.jobId,
          attempt: r.attempt,
          outputText: r.outputText,
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          usage: r.usage,
          source: { path: job.resultsPath, offset: l.offset, bytes: l.bytes },
        };
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      pending.push(job);
    }
  }
  const summary = new SummaryBuilder();
  for (const r of rows) summary.add(r);
  const finished = jobs.map((j) => j.finishedAt).filter((d): d is string => !!d).sort();
  const built = summary.build({ jobId: root.id, price: opts.price, createdAt: root.createdAt, finishedAt: finished[finished.length - 1] });
  return { root, jobs, rows, pending, summary: built };
}

const OUTCOME_SET: ReadonlySet<string> = new Set(LineOutcomeSchema.options);

/**
 * A results.jsonl line, checked by hand: these files are ours (written by joinResults) and a zod parse of
 * 50,000 records with their raw responses costs more than the rest of the merge.
 */
function asRecord(v: unknown): ResultRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<ResultRecord>;
  if (typeof r.customId !== 'string' || typeof r.line !== 'number' || typeof r.jobId !== 'string' || typeof r.attempt !== 'number') return undefined;
  if (typeof r.outcome !== 'string' || !OUTCOME_SET.has(r.outcome)) return undefined;
  if (r.outputText !== undefined && typeof r.outputText !== 'string') return undefined;
  return r as ResultRecord;
}
