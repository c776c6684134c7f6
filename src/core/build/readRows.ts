import { extname } from 'node:path';
import { readDelimitedRows } from './csvRows';
import { readJsonArrayRows, readJsonlRows } from './jsonRows';
import { readParquetRows } from './parquetRows';
import { DATA_FORMATS, DataFileError, type DataFormat, type ReadRowsOptions, type RowItem } from './rows';

const BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** The table format from the file name; an unknown extension is an error listing the known ones. */
export function dataFormatOf(path: string): DataFormat {
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (!format) throw new DataFileError(`${path}: cannot tell the table format from the name: use one of ${Object.keys(BY_EXTENSION).join(', ')} (${DATA_FORMATS.join(', ')})`);
  return format;
}

/** Streams the rows of a CSV, TSV, JSONL, JSON array or Parquet file, in file order, in bounded memory. */
export async function* readRows(path: string, opts: ReadRowsOptions = {}): AsyncGenerator<RowItem> {
  const format = opts.format ?? dataFormatOf(path);
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return;
  const source =
    format === 'csv'
      ? readDelimitedRows(path, ',', opts)
      : format === 'tsv'
        ? readDelimitedRows(path, '\t', opts)
        : format === 'jsonl'
          ? readJsonlRows(path, opts)
          : format === 'json'
            ? readJsonArrayRows(path, opts)
            : readParquetRows(path, { ...opts, ...(Number.isFinite(limit) ? { limit } : {}) });
  for await (const item of source) {
    yield item;
    if (item.row >= limit) return;
  }
}
