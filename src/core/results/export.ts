import { open } from 'node:fs/promises';
import { readJsonlFile, isBlankLine } from '../jsonl';
import { writeLinesAtomic } from './lineWriter';
import type { MergedRow, MergedRows } from './rows';
import { RecordReader, type RecordTexts } from './recordReader';
import { FAILED_OUTCOMES } from './summary';
import { conversationOf } from './conversation';

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, and its quotes doubled. */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Records end with CRLF, as RFC 4180 says (spreadsheets accept it everywhere). */
export function csvRow(fields: (string | number | undefined | null)[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

export const CSV_HEADER = ['custom_id', 'outcome', 'quality', 'input', 'output', 'error', 'input_tokens', 'output_tokens'];

function errorText(r: RecordTexts): string | undefined {
  if (!r.errorCode && !r.errorMessage) return undefined;
  return r.errorCode && r.errorMessage ? `${r.errorCode}: ${r.errorMessage}` : (r.errorMessage ?? r.errorCode);
}

/**
 * Each row with the texts of its record, in row order, read from the results files by byte range (one record
 * in memory at a time).
 */
async function* withTexts(rows: MergedRows, signal?: AbortSignal): AsyncGenerator<{ row: MergedRow; texts: RecordTexts }> {
  const reader = new RecordReader();
  try {
    for (let i = 0; i < rows.length; i++) {
      signal?.throwIfAborted();
      const row = rows.at(i)!;
      yield { row, texts: await reader.texts(row.source) };
    }
  } finally {
    await reader.close();
  }
}

/**
 * The `input` column is the line's last user message (what the results table shows), read from the input file
 * (`inputPath`, the chain's original input) by the row's byte range; empty without one.
 */
export async function writeMergedCsv(rows: MergedRows, path: string, signal?: AbortSignal, inputPath?: string): Promise<void> {
  const inputs = new RecordReader();
  try {
    await writeLinesAtomic(path, async (w) => {
      await w.write(csvRow(CSV_HEADER));
      for await (const { row: r, texts: t } of withTexts(rows, signal)) {
        const input = inputPath && r.input.bytes > 0 ? conversationOf(await inputs.text({ path: inputPath, ...r.input })).lastUserText : undefined;
        await w.write(csvRow([r.customId, r.outcome, r.outcome === 'succeeded' ? (r.quality ?? 'ok') : '', input, t.outputText, errorText(t), r.usage?.inputTokens, r.usage?.outputTokens]));
      }
    });
  } finally {
    await inputs.close();
  }
}

/** One JSON object per original input line, in input order. */
export async function writeMergedJsonl(rows: MergedRows, path: string, signal?: AbortSignal): Promise<void> {
  await writeLinesAtomic(path, async (w) => {
    for await (const { row: r, texts: t } of withTexts(rows, signal)) {
      const error = t.errorCode || t.errorMessage ? { code: t.errorCode ?? null, message: t.errorMessage ?? null } : null;
      await w.write(
        JSON.stringify({ custom_id: r.customId, line: r.line, outcome: r.outcome, quality: r.outcome === 'succeeded' ? (r.quality ?? 'ok') : null, output: t.outputText ?? null, error, usage: r.usage ?? null, job: r.jobId, attempt: r.attempt }) + '\n',
      );
    }
  });
}

/** CSV for a `.csv` path, JSONL otherwise; streamed from the results files, never a second copy in memory. */
export async function exportMerged(rows: MergedRows, path: string, signal?: AbortSignal, inputPath?: string): Promise<void> {
  if (/\.csv$/i.test(path)) await writeMergedCsv(rows, path, signal, inputPath);
  else await writeMergedJsonl(rows, path, signal);
}

export function isFailed(r: Pick<MergedRow, 'outcome'>): boolean {
  return FAILED_OUTCOMES.has(r.outcome);
}

/**
 * Copies the given lines of the input file, byte for byte with their own line ends (CRLF stays CRLF), to
 * `outPath`. A BOM on line 1 is left out: it belongs to the file, not the line. Returns how many were written.
 */
export async function writeInputLines(
  inputPath: string,
  lines: ReadonlySet<number>,
  outPath: string,
  signal?: AbortSignal,
  /** Rewrites chosen lines (a raised token limit); every other line is copied as it is. */
  transform?: (line: number, text: string) => string,
): Promise<number> {
  let written = 0;
  let lastEol = '';
  await writeLinesAtomic(outPath, async (w) => {
    for await (const l of readJsonlFile(inputPath, { signal })) {
      if (!lines.has(l.line) || isBlankLine(l.text)) continue;
      // The input's last line may lack a line end; if another line follows it in the output, give it one.
      if (written > 0 && lastEol === '') await w.write('\n');
      await w.write((transform ? transform(l.line, l.text) : l.text) + l.eol);
      lastEol = l.eol;
      written++;
    }
  });
  return written;
}

/** Picks succeeded rows to send again, from the input line and the output (e.g. an output that fails the request's JSON schema). */
export type IncludeRow = (row: MergedRow, lineText: string, outputText: string | undefined) => boolean;

/**
 * The failed lines (errored, expired, canceled, missing) of a merged view, as original input lines; with
 * `include`, also succeeded rows it picks (e.g. outputs that fail the request's JSON schema).
 */
export async function writeFailedLines(
  inputPath: string,
  rows: MergedRows,
  outPath: string,
  opts: { withoutId?: boolean; include?: IncludeRow; signal?: AbortSignal } = {},
): Promise<number> {
  const lines = await selectLines(inputPath, rows, opts);
  return writeInputLines(inputPath, lines, outPath, opts.signal);
}

/** Line numbers of the rows to send again (reads the input and the outputs only when `include` needs them). */
export async function selectLines(
  inputPath: string,
  rows: MergedRows,
  opts: { withoutId?: boolean; include?: IncludeRow; signal?: AbortSignal } = {},
): Promise<Set<number>> {
  const lines = new Set<number>();
  for (let i = 0; i < rows.length; i++) {
    if ((opts.withoutId || rows.customId(i) !== '') && FAILED_OUTCOMES.has(rows.outcome(i))) lines.add(rows.line(i));
  }
  if (opts.include) {
    const reader = new RecordReader();
    try {
      for (let i = 0; i < rows.length; i++) {
        opts.signal?.throwIfAborted();
        if (rows.outcome(i) !== 'succeeded' || (!opts.withoutId && rows.customId(i) === '')) continue;
        const row = rows.at(i)!;
        const lineText = await reader.text({ path: inputPath, ...row.input });
        if (opts.include(row, lineText, (await reader.texts(row.source)).outputText)) lines.add(row.line);
      }
    } finally {
      await reader.close();
    }
  }
  return lines;
}

/** Reads one original input line back (detail pane) from its byte range, BOM removed. */
export async function readRange(path: string, range: { offset: number; bytes: number }): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(range.bytes);
    const { bytesRead } = await fh.read(buf, 0, range.bytes, range.offset);
    let text = buf.toString('utf8', 0, bytesRead);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text;
  } finally {
    await fh.close();
  }
}
