import { readJsonlFile, isBlankLine } from '../jsonl';
import type { LineOutcome } from '../status';
import type { ProviderResult, ResultRecord } from './record';
import { inputIdOfText } from './inputId';
import { writeLinesAtomic } from './lineWriter';
import { SummaryBuilder } from './summary';

/** What a line with no result gets instead of `missing`, e.g. every line of a part that expired or failed as a whole. */
export type LineFallback = (line: number) => { outcome: Exclude<LineOutcome, 'succeeded'>; errorCode?: string; errorMessage?: string } | undefined;

export interface JoinOptions {
  inputPath: string;
  /** The provider's results, in any order, duplicates allowed. */
  results: AsyncIterable<ProviderResult> | Iterable<ProviderResult>;
  /** Where the records go (`<jobDir>/results.jsonl`), written atomically in input order. */
  outPath: string;
  jobId: string;
  attempt: number;
  fallback?: LineFallback;
  signal?: AbortSignal;
}

/**
 * The index of an input file: one entry per request line (blank lines are not requests), in file order.
 * Only ids and line numbers are held, never the line text.
 */
export interface InputIndex {
  ids: string[];
  lines: number[];
  byId: Map<string, number>;
}

export async function indexInput(path: string, signal?: AbortSignal): Promise<InputIndex> {
  const ids: string[] = [];
  const lines: number[] = [];
  const byId = new Map<string, number>();
  for await (const l of readJsonlFile(path, { signal })) {
    if (isBlankLine(l.text)) continue;
    const id = inputIdOfText(l.text) ?? '';
    // A repeated id keeps its first line: the validator flags the duplicate; the later line shows as missing.
    if (id && !byId.has(id)) byId.set(id, ids.length);
    ids.push(id);
    lines.push(l.line);
  }
  return { ids, lines, byId };
}

const SUCCEEDED = 1;
const FAILED = 2;

/**
 * Joins provider results to input lines by custom_id (Gemini `key`), never by position: one record per
 * input line, `missing` where no result came. Results are serialized as they arrive and kept as one
 * string per line (one copy, no object graphs), then written in input order.
 */
export async function joinResults(opts: JoinOptions): Promise<{ summary: SummaryBuilder; index: InputIndex }> {
  const index = await indexInput(opts.inputPath, opts.signal);
  const n = index.ids.length;
  const slots: (string | undefined)[] = new Array(n);
  const kind = new Uint8Array(n);
  // Kept only to take a replaced duplicate back out of the summary.
  const kept: (Pick<ResultRecord, 'outcome' | 'errorCode' | 'errorMessage' | 'usage'> | undefined)[] = new Array(n);
  const summary = new SummaryBuilder();

  for await (const r of opts.results) {
    opts.signal?.throwIfAborted();
    const i = index.byId.get(r.customId);
    if (i === undefined) {
      summary.unmatched++;
      continue;
    }
    const k = r.outcome === 'succeeded' ? SUCCEEDED : FAILED;
    if (kind[i] !== 0) {
      summary.duplicates++;
      // A success is never replaced by an error for the same id; otherwise the later line wins.
      if (kind[i] === SUCCEEDED && k === FAILED) continue;
      summary.remove(kept[i]!);
    }
    const record: ResultRecord = {
      customId: r.customId,
      line: index.lines[i]!,
      outcome: r.outcome,
      outputText: r.outputText,
      raw: r.raw,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      usage: r.usage,
      jobId: opts.jobId,
      attempt: opts.attempt,
    };
    slots[i] = JSON.stringify(record);
    kind[i] = k;
    const s = { outcome: r.outcome, errorCode: r.errorCode, errorMessage: r.errorMessage, usage: r.usage };
    kept[i] = s;
    summary.add(s);
  }

  await writeLinesAtomic(opts.outPath, async (w) => {
    for (let i = 0; i < n; i++) {
      let s = slots[i];
      if (s === undefined) {
        const line = index.lines[i]!;
        const fb = opts.fallback?.(line);
        const record: ResultRecord = {
          customId: index.ids[i]!,
          line,
          outcome: fb?.outcome ?? 'missing',
          errorCode: fb?.errorCode ?? (index.ids[i] ? undefined : 'no_custom_id'),
          errorMessage: fb?.errorMessage ?? (index.ids[i] ? undefined : 'The input line has no custom_id (or key), so no result can be joined to it.'),
          jobId: opts.jobId,
          attempt: opts.attempt,
        };
        summary.add(record);
        s = JSON.stringify(record);
      }
      slots[i] = undefined;
      await w.write(s + '\n');
    }
  });
  return { summary, index };
}
