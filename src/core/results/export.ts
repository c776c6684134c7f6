import { open } from 'node:fs/promises';
import { readJsonlFile, isBlankLine } from '../jsonl';
import { writeLinesAtomic } from './lineWriter';
import type { MergedRow } from './merge';
import { FAILED_OUTCOMES } from './summary';

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

export const CSV_HEADER = ['custom_id', 'outcome', 'output', 'error', 'input_tokens', 'output_tokens'];

function errorText(r: MergedRow): string | undefined {
  if (!r.errorCode && !r.errorMessage) return undefined;
  return r.errorCode && r.errorMessage ? `${r.errorCode}: ${r.errorMessage}` : (r.errorMessage ?? r.errorCode);
}

export async function writeMergedCsv(rows: readonly MergedRow[], path: string): Promise<void> {
  await writeLinesAtomic(path, async (w) => {
    await w.write(csvRow(CSV_HEADER));
    for (const r of rows) await w.write(csvRow([r.customId, r.outcome, r.outputText, errorText(r), r.usage?.inputTokens, r.usage?.outputTokens]));
  });
}

/** One JSON object per original input line, in input order. */
export async function writeMergedJsonl(rows: readonly MergedRow[], path: string): Promise<void> {
  await writeLinesAtomic(path, async (w) => {
    for (const r of rows) {
      const error = r.errorCode || r.errorMessage ? { code: r.errorCode ?? null, message: r.errorMessage ?? null } : null;
      await w.write(
        JSON.stringify({ custom_id: r.customId, line: r.line, outcome: r.outcome, output: r.outputText ?? null, error, usage: r.usage ?? null, job: r.jobId, attempt: r.attempt }) + '\n',
      );
    }
  });
}

/** CSV for a `.csv` path, JSONL otherwise. */
export async function exportMerged(rows: readonly MergedRow[], path: string): Promise<void> {
  if (/\.csv$/i.test(path)) await writeMergedCsv(rows, path);
  else await writeMergedJsonl(rows, path);
}

export function isFailed(r: MergedRow): boolean {
  return FAILED_OUTCOMES.has(r.outcome);
}

/**
 * Copies the given lines of the input file, byte for byte with their own line ends (CRLF stays CRLF), to
 * `outPath`. A BOM on line 1 is left out: it belongs to the file, not the line. Returns how many were written.
 */
export async function writeInputLines(inputPath: string, lines: ReadonlySet<number>, outPath: string, signal?: AbortSignal): Promise<number> {
  let written = 0;
  let lastEol = '';
  await writeLinesAtomic(outPath, async (w) => {
    for await (const l of readJsonlFile(inputPath, { signal })) {
      if (!lines.has(l.line) || isBlankLine(l.text)) continue;
      // The input's last line may lack a line end; if another line follows it in the output, give it one.
      if (written > 0 && lastEol === '') await w.write('\n');
      await w.write(l.text + l.eol);
      lastEol = l.eol;
      written++;
    }
  });
  return written;
}

/**
 * The failed lines (errored, expired, canceled, missing) of a merged view, as original input lines; with
 * `include`, also succeeded rows it picks (e.g. outputs that fail the request's JSON schema).
 */
export async function writeFailedLines(
  inputPath: string,
  rows: readonly MergedRow[],
  outPath: string,
  opts: { withoutId?: boolean; include?: (row: MergedRow, lineText: string) => boolean; signal?: AbortSignal } = {},
): Promise<number> {
  const lines = await selectLines(inputPath, rows, opts);
  return writeInputLines(inputPath, lines, outPath, opts.signal);
}

/** Line numbers of the rows to send again (reads the input only when `include` needs the line text). */
export async function selectLines(
  inputPath: string,
  rows: readonly MergedRow[],
  opts: { withoutId?: boolean; include?: (row: MergedRow, lineText: string) => boolean; signal?: AbortSignal } = {},
): Promise<Set<number>> {
  const eligible = (r: MergedRow) => opts.withoutId || r.customId !== '';
  const lines = new Set(rows.filter((r) => isFailed(r) && eligible(r)).map((r) => r.line));
  if (opts.include) {
    const succeeded = new Map(rows.filter((r) => r.outcome === 'succeeded' && eligible(r)).map((r) => [r.line, r]));
    for await (const l of readJsonlFile(inputPath, { signal: opts.signal })) {
      const row = succeeded.get(l.line);
      if (row && opts.include(row, l.text)) lines.add(l.line);
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
