import { DataFileError, type RowItem } from './rows';

/**
 * Streams a Parquet file row group by row group through hyparquet (pure JavaScript: no native addon, so the one
 * .vsix works on every platform). Memory is one row group, not the file. Values become JSON: structs are nested
 * objects (`{{address.city}}`), INT64 numbers, timestamps ISO strings, binary byte arrays (hyparquet's toJson).
 * hyparquet is ESM and only loaded when a Parquet file is read.
 */
export async function* readParquetRows(path: string, opts: { signal?: AbortSignal; limit?: number } = {}): AsyncGenerator<RowItem> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, toJson } = await import('hyparquet');
  const file = await asyncBufferFromFile(path);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new DataFileError(`${path} is not a readable Parquet file: ${e instanceof Error ? e.message : String(e)}`);
  }
  let start = 0;
  let row = 0;
  for (const group of metadata.row_groups) {
    opts.signal?.throwIfAborted();
    const end = start + Number(group.num_rows);
    // With a limit, only the rows needed are decoded.
    const wantedEnd = opts.limit !== undefined ? Math.min(end, opts.limit) : end;
    if (wantedEnd > start) {
      const rows = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: wantedEnd });
      for (const r of rows) yield { row: ++row, values: toJson(r) as Record<string, unknown> };
    }
    start = end;
    if (opts.limit !== undefined && start >= opts.limit) return;
  }
}
