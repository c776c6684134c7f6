import type { LineOutcome } from '../status';
import type { MergedRow } from './merge';
import { FAILED_OUTCOMES } from './summary';

export type RowFilter = 'all' | 'failed' | LineOutcome;
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
}

export function oneLine(text: string | undefined, max = PREVIEW): string {
  if (!text) return '';
  const s = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

export function tokensOf(r: MergedRow): number | null {
  return r.usage ? r.usage.inputTokens + r.usage.outputTokens : null;
}

/**
 * Filter, search and sort over the merged rows, host-side, with the last result cached so paging
 * through one view costs a slice. Indices (Int32Array) are kept, never copies of the rows.
 */
export class RowQuery {
  private cacheKey = '';
  private cache: Int32Array = new Int32Array(0);

  constructor(private rows: readonly MergedRow[]) {}

  /** New data (a retry finished): drops the caches. */
  reset(rows: readonly MergedRow[]): void {
    this.rows = rows;
    this.cacheKey = '';
  }

  get size(): number {
    return this.rows.length;
  }

  row(index: number): MergedRow | undefined {
    return this.rows[index];
  }

  /** Case-insensitive search field by field: no lowercased copy of every row's text is kept (it would double memory). */
  private static matches(r: MergedRow, needle: RegExp): boolean {
    return needle.test(r.customId) || needle.test(r.inputText) || (r.outputText !== undefined && needle.test(r.outputText)) || (r.errorMessage !== undefined && needle.test(r.errorMessage));
  }

  /** Row indices matching the query, in display order. */
  indices(q: RowQuerySpec): Int32Array {
    const key = JSON.stringify(q);
    if (key === this.cacheKey) return this.cache;
    const text = q.search.trim();
    const needle = text ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') : undefined;
    const out: number[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const r = this.rows[i]!;
      if (q.filter === 'failed' ? !FAILED_OUTCOMES.has(r.outcome) : q.filter !== 'all' && r.outcome !== q.filter) continue;
      if (needle && !RowQuery.matches(r, needle)) continue;
      out.push(i);
    }
    const dir = q.sort.dir === 'desc' ? -1 : 1;
    const rows = this.rows;
    const cmp: Record<RowSortKey, (a: number, b: number) => number> = {
      line: (a, b) => rows[a]!.line - rows[b]!.line,
      customId: (a, b) => (rows[a]!.customId < rows[b]!.customId ? -1 : rows[a]!.customId > rows[b]!.customId ? 1 : 0),
      outcome: (a, b) => OUTCOME_ORDER[rows[a]!.outcome] - OUTCOME_ORDER[rows[b]!.outcome],
      tokens: (a, b) => (tokensOf(rows[a]!) ?? -1) - (tokensOf(rows[b]!) ?? -1),
    };
    const c = cmp[q.sort.key];
    // Ties fall back to input order, so the view is stable.
    if (q.sort.key !== 'line' || dir === -1) out.sort((a, b) => c(a, b) * dir || a - b);
    this.cacheKey = key;
    this.cache = Int32Array.from(out);
    return this.cache;
  }

  page(q: RowQuerySpec, offset: number, count: number): { total: number; rows: RowPreview[] } {
    const idx = this.indices(q);
    const rows: RowPreview[] = [];
    for (let k = offset; k < Math.min(idx.length, offset + count); k++) {
      const i = idx[k]!;
      const r = this.rows[i]!;
      rows.push({
        index: i,
        line: r.line,
        customId: r.customId,
        outcome: r.outcome,
        input: oneLine(r.inputText),
        output: oneLine(r.outputText ?? (r.errorMessage ? `⚠ ${r.errorCode ? `${r.errorCode}: ` : ''}${r.errorMessage}` : '')),
        tokens: tokensOf(r),
        attempt: r.attempt,
      });
    }
    return { total: idx.length, rows };
  }
}
