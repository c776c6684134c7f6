import { readJsonlFile, isBlankLine } from '../jsonl';
import type { Job } from '../jobs/job';
import type { JobStore } from '../jobs/store';
import type { ModelPrice } from '../pricing';
import { inputIdOfText } from './inputId';
import { asRecord } from './recordReader';
import { MergedRows } from './rows';
import { SummaryBuilder, type ResultsSummary } from './summary';

export { MergedRows, type MergedRow } from './rows';

export interface MergedChain {
  root: Job;
  /** Root first, then retries by attempt. */
  jobs: Job[];
  rows: MergedRows;
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

/** Distinct error messages kept for the summary; past this, further kinds of error count under their code only. */
const MAX_ERROR_KINDS = 10_000;

export async function mergeChain(root: Job, jobs: Job[], opts: { price?: ModelPrice; signal?: AbortSignal; onProgress?: (linesRead: number, total: number) => void } = {}): Promise<MergedChain> {
  const rows = new MergedRows({ jobId: root.id, attempt: root.attempt }, root.inputLines);
  // Retry files hold other line numbers: their records match by id. The Map is built only when one is needed (a
  // retry, or a root record whose line no longer holds its id), since it is the largest thing held here.
  let byId: Map<string, number> | undefined;
  const idIndex = (): Map<string, number> => {
    if (!byId) {
      byId = new Map();
      for (let k = 0; k < rows.length; k++) {
        const id = rows.customId(k);
        if (id && !byId.has(id)) byId.set(id, k);
      }
    }
    return byId;
  };
  for await (const l of readJsonlFile(root.inputPath, { signal: opts.signal })) {
    if (isBlankLine(l.text)) continue;
    const customId = inputIdOfText(l.text) ?? '';
    rows.push(l.line, customId, { offset: l.offset, bytes: l.bytes, bom: l.bom === true });
    if (rows.length % 5000 === 0) opts.onProgress?.(rows.length, root.inputLines);
  }
  // The error of each row's current result, as an index into `errors` (for the summary, built at the end).
  let errorOf = new Int32Array(rows.length).fill(-1);
  const errors: { code?: string; message?: string }[] = [];
  const errorIndex = new Map<string, number>();
  const errorKind = (code: string | undefined, message: string | undefined): number => {
    if (!code && !message) return -1;
    const key = errorIndex.size < MAX_ERROR_KINDS ? `${code ?? ''}\u0000${message ?? ''}` : `${code ?? ''}\u0000`;
    let k = errorIndex.get(key);
    if (k === undefined) {
      k = errors.length;
      errors.push(errorIndex.size < MAX_ERROR_KINDS ? { code, message } : { code, message: code });
      errorIndex.set(key, k);
    }
    return k;
  };
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
        // The root's records carry their input line; a retry's match the original line by id.
        let i = isRoot ? rowAtLine(rows, r.line) : undefined;
        if (i === undefined || r.customId !== rows.customId(i)) i = r.customId ? idIndex().get(r.customId) : undefined;
        if (i === undefined) continue;
        const hasResult = rows.hasSource(i);
        const current = rows.outcome(i);
        if (hasResult && current === 'succeeded' && r.outcome !== 'succeeded') continue;
        // A retry's `missing` (not downloaded fully, or dropped) says less than an earlier real error.
        if (hasResult && r.outcome === 'missing' && current !== 'missing') continue;
        rows.setResult(i, { outcome: r.outcome, jobId: r.jobId, attempt: r.attempt, usage: r.usage, source: { path: job.resultsPath, offset: l.offset, bytes: l.bytes }, ...(r.quality ? { quality: r.quality } : {}) });
        errorOf[i] = r.outcome === 'succeeded' ? -1 : errorKind(r.errorCode, r.errorMessage);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      pending.push(job);
    }
  }
  const summary = new SummaryBuilder();
  for (let i = 0; i < rows.length; i++) {
    const e = errorOf[i]! >= 0 ? errors[errorOf[i]!] : undefined;
    const quality = rows.quality(i);
    summary.add({ outcome: rows.outcome(i), errorCode: e?.code, errorMessage: e?.message, usage: rows.usage(i), line: rows.line(i), ...(quality !== 'ok' ? { quality } : {}) });
  }
  errorOf = new Int32Array(0);
  const finished = jobs.map((j) => j.finishedAt).filter((d): d is string => !!d).sort();
  const built = summary.build({ jobId: root.id, price: opts.price, createdAt: root.createdAt, finishedAt: finished[finished.length - 1] });
  return { root, jobs, rows, pending, summary: built };
}

/** The row of an input line: rows are in line order, so a binary search. */
function rowAtLine(rows: MergedRows, line: number): number | undefined {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = rows.line(mid);
    if (v === line) return mid;
    if (v < line) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
