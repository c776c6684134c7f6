import type { LineOutcome } from '../status';
import { QUALITIES, type Quality } from './quality';
import { conversationOf } from './conversation';
import { RecordReader, textsOfLine } from './recordReader';
import type { MergedRow, MergedRows } from './rows';
import { FAILED_OUTCOMES } from './summary';

/** `flagged`: succeeded lines whose quality is not ok (truncated, empty, refused...); a quality name: those only. */
export type RowFilter = 'all' | 'failed' | 'flagged' | LineOutcome | Exclude<Quality, 'ok'>;
export type RowSortKey = 'line' | 'customId' | 'outcome' | 'tokens';
export interface RowQuerySpec {
  filter: RowFilter;
  search: string;
  sort: { key: RowSortKey; dir: 'asc' | 'desc' };
}

const OUTCOME_ORDER: Record<LineOutcome, number> = { errored: 0, expired: 1, canceled: 2, missing: 3, succeeded: 4 };
const PREVIEW = 160;

/** A row as the table shows it: short one-line previews, never the whole text. */
export interface RowPreview {
  index: number;
  line: number;
  customId: string;
  outcome: LineOutcome;
  input: string;
  output: string;
  tokens: number | null;
  attempt: number;
  /** Set for a succeeded line that is not usable as it is. */
  quality?: Exclude<Quality, 'ok'>;
}

const QUALITY_FILTERS: ReadonlySet<string> = new Set(QUALITIES.filter((q) => q !== 'ok'));

function matchesFilter(rows: MergedRows, i: number, filter: RowFilter): boolean {
  const o = rows.outcome(i);
  if (filter === 'all') return true;
  if (filter === 'failed') return FAILED_OUTCOMES.has(o);
  if (filter === 'flagged') return o === 'succeeded' && rows.quality(i) !== 'ok';
  if (QUALITY_FILTERS.has(filter)) return o === 'succeeded' && rows.quality(i) === filter;
  return o === filter;
}

export function oneLine(text: string | undefined, max = PREVIEW): string {
  if (!text) return '';
  const s = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** Rows that match a search: the custom_id, the whole input (every message's text) or the whole output or error. */
export async function searchRows(rows: MergedRows, inputPath: string | undefined, text: string, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<Uint8Array> {
  const needle = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  const hit = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) if (needle.test(rows.customId(i))) hit[i] = 1;
  // A line whose raw JSON lacks the text can only match through an escape (\n, \u00e9, \"): only such lines and raw
  // hits are parsed, to test the texts themselves (a hit in a field name or the model name is not a match).
  const maybe = (raw: string) => needle.test(raw) || raw.includes('\\');
  const reader = new RecordReader();
  const total = rows.length * 2;
  let done = 0;
  const step = async () => {
    if (++done % 2000 === 0) {
      opts.signal?.throwIfAborted();
      opts.onProgress?.(done, total);
      // Let other work run: a search over 500,000 rows reads hundreds of MB.
      await new Promise((r) => setImmediate(r));
    }
  };
  try {
    if (inputPath) {
      for (let i = 0; i < rows.length; i++) {
        await step();
        if (hit[i]) continue;
        const raw = await reader.text({ path: inputPath, ...rows.input(i) });
        if (maybe(raw) && conversationOf(raw).turns.some((t) => needle.test(t.text) || t.toolCalls?.some((c) => needle.test(c)))) hit[i] = 1;
      }
    } else done += rows.length;
    for (const { rows: order } of rows.bySource()) {
      for (const i of order) {
        await step();
        if (hit[i]) continue;
        const raw = await reader.text(rows.source(i)!);
        if (!maybe(raw)) continue;
        const t = textsOfLine(raw);
        if ((t.outputText !== undefined && needle.test(t.outputText)) || (t.errorMessage !== undefined && needle.test(t.errorMessage)) || (t.errorCode !== undefined && needle.test(t.errorCode))) hit[i] = 1;
      }
    }
  } finally {
    await reader.close();
  }
  return hit;
}

/**
 * Filter, search and sort over the merged rows, host-side, with the last result cached so paging through one
 * view costs a slice. Indices (Int32Array) are kept, never copies of the rows; the search reads the texts from
 * disk (whole texts, not a prefix) and is cached by its text, so changing the filter or sort does not read again.
 */
export class RowQuery {
  private cacheKey = '';
  private cache: Int32Array = new Int32Array(0);
  private searched: { text: string; hits: Promise<Uint8Array> } | undefined;

  constructor(
    private rows: MergedRows,
    private inputPath?: string,
  ) {}

  /** New data (a retry finished): drops the caches. */
  reset(rows: MergedRows, inputPath?: string): void {
    this.rows = rows;
    this.inputPath = inputPath;
    this.cacheKey = '';
    this.searched = undefined;
  }

  get size(): number {
    return this.rows.length;
  }

  row(index: number): MergedRow | undefined {
    return this.rows.at(index);
  }

  private hits(text: string, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.searched?.text !== text) {
      const hits = searchRows(this.rows, this.inputPath, text, { signal });
      // A failed (or aborted) search is not kept: the next query tries again.
      hits.catch(() => {
        if (this.searched?.hits === hits) this.searched = undefined;
      });
      this.searched = { text, hits };
    }
    return this.searched.hits;
  }

  /** Row indices matching the query, in display order. */
  async indices(q: RowQuerySpec, signal?: AbortSignal): Promise<Int32Array> {
    const key = JSON.stringify(q);
    if (key === this.cacheKey) return this.cache;
    const rows = this.rows;
    const text = q.search.trim();
    const hits = text ? await this.hits(text, signal) : undefined;
    const out: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (!matchesFilter(rows, i, q.filter)) continue;
      if (hits && !hits[i]) continue;
      out.push(i);
    }
    const dir = q.sort.dir === 'desc' ? -1 : 1;
    const cmp: Record<RowSortKey, (a: number, b: number) => number> = {
      line: (a, b) => rows.line(a) - rows.line(b),
      customId: (a, b) => (rows.customId(a) < rows.customId(b) ? -1 : rows.customId(a) > rows.customId(b) ? 1 : 0),
      outcome: (a, b) => OUTCOME_ORDER[rows.outcome(a)] - OUTCOME_ORDER[rows.outcome(b)],
      tokens: (a, b) => (rows.tokens(a) ?? -1) - (rows.tokens(b) ?? -1),
    };
    const c = cmp[q.sort.key];
    // Ties fall back to input order, so the view is stable.
    if (q.sort.key !== 'line' || dir === -1) out.sort((a, b) => c(a, b) * dir || a - b);
    this.cacheKey = key;
    this.cache = Int32Array.from(out);
    return this.cache;
  }

  /** One page of previews: only these rows' texts are read from disk. */
  async page(q: RowQuerySpec, offset: number, count: number, signal?: AbortSignal): Promise<{ total: number; rows: RowPreview[] }> {
    const idx = await this.indices(q, signal);
    const rows: RowPreview[] = [];
    const reader = new RecordReader();
    try {
      for (let k = offset; k < Math.min(idx.length, offset + count); k++) {
        const i = idx[k]!;
        const r = this.rows.at(i)!;
        const t = await reader.texts(r.source);
        const input = this.inputPath ? conversationOf(await reader.text({ path: this.inputPath, ...r.input })).lastUserText : '';
        rows.push({
          index: i,
          line: r.line,
          customId: r.customId,
          outcome: r.outcome,
          input: oneLine(input),
          output: oneLine(t.outputText ?? (t.errorMessage ? `⚠ ${t.errorCode ? `${t.errorCode}: ` : ''}${t.errorMessage}` : '')),
          tokens: this.rows.tokens(i),
          attempt: r.attempt,
          ...(r.quality ? { quality: r.quality } : {}),
        });
      }
    } finally {
      await reader.close();
    }
    return { total: idx.length, rows };
  }
}
