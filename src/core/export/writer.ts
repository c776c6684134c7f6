import type { Cell, Column } from './columns';

/** One output format: opened with the columns, fed rows in batches, closed (committed atomically) or aborted. */
export interface TableWriter {
  open(columns: readonly Column[]): Promise<void>;
  /** A batch of rows, each with one cell per column, in column order. */
  addRows(rows: readonly (readonly Cell[])[]): Promise<void>;
  /** Finishes the file and renames it over the target. */
  close(): Promise<void>;
  /** Drops the temp file; the target is left as it was. */
  abort(): Promise<void>;
}

export const EXPORT_FORMATS = ['sqlite', 'duckdb', 'parquet', 'csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const EXTENSIONS: Record<string, ExportFormat> = { '.sqlite': 'sqlite', '.sqlite3': 'sqlite', '.db': 'sqlite', '.duckdb': 'duckdb', '.parquet': 'parquet', '.csv': 'csv', '.jsonl': 'jsonl' };

/** The format a path's extension names, or undefined. */
export function formatOfPath(path: string): ExportFormat | undefined {
  const m = /\.[A-Za-z0-9]+$/.exec(path);
  return m ? EXTENSIONS[m[0].toLowerCase()] : undefined;
}

export const FORMAT_EXTENSIONS = '.sqlite (or .db), .duckdb, .parquet, .csv, .jsonl';
