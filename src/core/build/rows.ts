/**
 * One data row of a table as the builder sees it. `row` is 1-based and counts data rows only (a CSV header is not a
 * row, blank JSONL lines are not rows), so "row 7" is the 7th record whatever the format. A row that cannot be read
 * (a CSV record with the wrong number of fields, a JSONL line that is not an object) comes as `skip` with the reason,
 * and the rows after it go on.
 */
export type RowItem = { row: number; values: Record<string, unknown> } | { row: number; skip: string };

export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet';
export const DATA_FORMATS: readonly DataFormat[] = ['csv', 'tsv', 'jsonl', 'json', 'parquet'];

export interface ReadRowsOptions {
  /** Stop after this many data rows (read or skipped). */
  limit?: number;
  signal?: AbortSignal;
  /** Overrides the format taken from the file name. */
  format?: DataFormat;
}

/** Bad input that stops the whole read (an unclosed quote, a duplicate header, a file that is not JSON). */
export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A parsed JSON value as a row: objects are rows, anything else is skipped with what it was. */
export function objectRow(row: number, value: unknown, where: string): RowItem {
  if (isObject(value)) return { row, values: value };
  const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return { row, skip: `${where} is ${what}, not an object of columns (write each row as {"column": value, ...})` };
}
