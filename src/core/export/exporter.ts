import { isJsonObject } from '../json';
import { isBlankLine, readJsonlFile } from '../jsonl';
import type { ModelPrice } from '../pricing';
import type { MergedRows } from '../results/rows';
import { RecordReader, type RecordTexts } from '../results/recordReader';
import { jsonRequestOf } from '../results/quality';
import { parseJsonOutput } from '../results/schemaCheck';
import { costOf } from '../results/summary';
import { ColumnNamer, FIXED_COLUMNS, cellOf, coerce, widen, type Cell, type Column, type ColumnType } from './columns';
import { SourceRowIndex } from './sourceRows';
import { CsvWriter, JsonlWriter } from './textWriters';
import { SqliteWriter } from './sqliteWriter';
import { ParquetWriter } from './parquetWriter';
import { formatOfPath, FORMAT_EXTENSIONS, type ExportFormat, type TableWriter } from './writer';

/** What an export reads: the merged rows of a chain and its root job (input, model, source rows). */
export interface ExportInput {
  rows: MergedRows;
  root: { inputPath: string; model: string | null; sourceRowsPath?: string };
  /** The model's price, for `cost_usd` (null without one). */
  price?: ModelPrice;
}

export interface ExportOptions {
  /** The table name in a .sqlite / .duckdb file; `results` by default. */
  table?: string;
  signal?: AbortSignal;
}

/** Rows per batch handed to a writer: one Parquet row group, one SQLite transaction. */
const BATCH_ROWS = 2000;

export class ExportFormatError extends Error {}

/** The format of `path`, or an error that lists the formats. */
export function exportFormatOf(path: string): ExportFormat {
  const f = formatOfPath(path);
  if (!f) throw new ExportFormatError(`cannot tell the format of ${path}: give a file ending in ${FORMAT_EXTENSIONS}`);
  return f;
}

/** Why a format cannot be written (checked before any work), or undefined. */
export function unsupportedFormat(format: ExportFormat, path: string): string | undefined {
  if (format !== 'duckdb') return undefined;
  // docs/DESIGN.md "Export libraries": DuckDB-Wasm under Node keeps every row in the .wal, never in the file.
  return `writing .duckdb files is not supported yet (DuckDB's WebAssembly build cannot checkpoint a database file under Node). Export to .parquet or .sqlite instead: DuckDB opens both (SELECT * FROM '${path.replace(/\.duckdb$/i, '.parquet')}', or ATTACH 'x.sqlite' (TYPE sqlite))`;
}

function writerFor(format: ExportFormat, path: string, table: string): TableWriter {
  switch (format) {
    case 'csv':
    case 'jsonl':
      return format === 'csv' ? new CsvWriter(path) : new JsonlWriter(path);
    // These load their library (split out of the bundle) on open, not here.
    case 'sqlite':
      return new SqliteWriter(path, table);
    case 'parquet':
      return new ParquetWriter(path);
    case 'duckdb':
      throw new ExportFormatError(unsupportedFormat(format, path)!);
  }
}

/** The JSON schema's top-level property names, when the job's requests carry an object schema. */
async function schemaFieldsOf(inputPath: string, signal?: AbortSignal): Promise<string[] | undefined> {
  for await (const l of readJsonlFile(inputPath, { signal })) {
    if (isBlankLine(l.text)) continue;
    let line: unknown;
    try {
      line = JSON.parse(l.text);
    } catch {
      return undefined;
    }
    const { schema } = jsonRequestOf(line);
    return isJsonObject(schema) && isJsonObject(schema.properties) ? Object.keys(schema.properties) : undefined;
  }
  return undefined;
}

/** The job's own columns: one per schema field (or `output_json`), then one per source-row column. */
interface Plan {
  columns: Column[];
  /** Schema field → column index; absent when the job has no schema. */
  fields?: { key: string; at: number }[];
  outputJsonAt?: number;
  source?: { index: SourceRowIndex; keys: { key: string; at: number }[] };
}

/**
 * First pass: reads every output once (for the types of the schema fields, or whether any output is JSON) and
 * indexes the source rows. Only column types are kept, never values.
 */
async function plan(input: ExportInput, signal?: AbortSignal): Promise<Plan> {
  const { rows, root } = input;
  const namer = new ColumnNamer();
  const columns: Column[] = [...FIXED_COLUMNS];
  const fieldKeys = await schemaFieldsOf(root.inputPath, signal);
  const fieldTypes = new Map<string, ColumnType | undefined>((fieldKeys ?? []).map((k) => [k, undefined]));
  let anyJson = false;
  const reader = new RecordReader();
  try {
    for (let i = 0; i < rows.length; i++) {
      signal?.throwIfAborted();
      const src = rows.source(i);
      if (!src || rows.outcome(i) !== 'succeeded') continue;
      const parsed = parseJsonOutput((await reader.texts(src)).outputText);
      if (!parsed) continue;
      anyJson = true;
      if (fieldKeys && isJsonObject(parsed.value)) for (const k of fieldKeys) fieldTypes.set(k, widen(fieldTypes.get(k), cellOf(parsed.value[k])));
    }
  } finally {
    await reader.close();
  }
  const out: Plan = { columns };
  if (fieldKeys) {
    out.fields = fieldKeys.map((key) => {
      columns.push({ name: namer.name(key, 'output_'), type: fieldTypes.get(key) ?? 'text' });
      return { key, at: columns.length - 1 };
    });
  } else if (anyJson) {
    columns.push({ name: namer.name('output_json', 'output_'), type: 'text' });
    out.outputJsonAt = columns.length - 1;
  }
  if (root.sourceRowsPath) {
    const index = await SourceRowIndex.build(root.sourceRowsPath, rows, signal);
    const keys = [...index.columns].map(([key, type]) => {
      columns.push({ name: namer.name(key, 'source_'), type: type ?? 'text' });
      return { key, at: columns.length - 1 };
    });
    out.source = { index, keys };
  }
  return out;
}

function fixedCells(rows: MergedRows, i: number, t: RecordTexts, input: ExportInput): Cell[] {
  const usage = rows.usage(i);
  const r = rows.at(i)!;
  const cost = usage ? costOf(usage, input.price).batch : null;
  return [
    r.customId,
    r.line,
    r.outcome,
    r.outcome === 'succeeded' ? (r.quality ?? 'ok') : null,
    t.outputText ?? null,
    t.errorCode ?? null,
    t.errorMessage ?? null,
    usage?.inputTokens ?? null,
    usage?.outputTokens ?? null,
    cost,
    r.attempt,
    r.jobId,
    input.root.model,
  ];
}

/**
 * Exports the merged results of a chain to `path` in the format its extension names, one row per input line, in
 * input order: two streaming passes over the results files (types first, then rows), BATCH_ROWS rows in memory
 * at a time. The file appears whole or not at all. Returns the format and the number of rows written.
 */
export async function exportResults(input: ExportInput, path: string, opts: ExportOptions = {}): Promise<{ format: ExportFormat; rows: number }> {
  const format = exportFormatOf(path);
  const writer = writerFor(format, path, opts.table ?? 'results');
  const p = await plan(input, opts.signal);
  const reader = new RecordReader();
  const { rows } = input;
  try {
    await writer.open(p.columns);
    let batch: Cell[][] = [];
    for (let i = 0; i < rows.length; i++) {
      opts.signal?.throwIfAborted();
      const t = await reader.texts(rows.source(i));
      const cells: Cell[] = fixedCells(rows, i, t, input);
      for (let k = cells.length; k < p.columns.length; k++) cells.push(null);
      if (p.fields || p.outputJsonAt !== undefined) {
        const parsed = rows.outcome(i) === 'succeeded' ? parseJsonOutput(t.outputText) : undefined;
        if (parsed && p.fields && isJsonObject(parsed.value)) for (const f of p.fields) cells[f.at] = cellOf(parsed.value[f.key]);
        if (parsed && p.outputJsonAt !== undefined) cells[p.outputJsonAt] = JSON.stringify(parsed.value);
      }
      if (p.source) {
        const values = await p.source.index.values(i);
        for (const s of p.source.keys) cells[s.at] = cellOf(values[s.key]);
      }
      batch.push(cells.map((c, k) => coerce(c, p.columns[k]!.type)));
      if (batch.length >= BATCH_ROWS) {
        await writer.addRows(batch);
        batch = [];
      }
    }
    await writer.addRows(batch);
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await reader.close();
    await p.source?.index.close();
  }
  return { format, rows: rows.length };
}
