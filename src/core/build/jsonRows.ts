import { JSONParser } from '@streamparser/json';
import { isBlankLine, readJsonlFile } from '../jsonl';
import { readTextChunks, sniffTextEncoding } from './textDecode';
import { DataFileError, objectRow, type RowItem } from './rows';

/**
 * JSONL: one object per line, read by core/jsonl's streaming line reader (UTF-8, BOM, CRLF, very long lines). A
 * UTF-16 file is decoded first and split the same way. A line that is not JSON or not an object is skipped with why.
 */
export async function* readJsonlRows(path: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<RowItem> {
  const { encoding } = await sniffTextEncoding(path);
  const lines = encoding === 'utf-8' ? utf8Lines(path, opts.signal) : decodedLines(path, opts.signal);
  let row = 0;
  for await (const { line, text } of lines) {
    if (isBlankLine(text)) continue;
    row++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { row, skip: `line ${line} is not valid JSON (${e instanceof Error ? e.message : String(e)})` };
      continue;
    }
    yield objectRow(row, value, `line ${line}`);
  }
}

async function* utf8Lines(path: string, signal?: AbortSignal): AsyncGenerator<{ line: number; text: string }> {
  for await (const l of readJsonlFile(path, { signal })) yield { line: l.line, text: l.text };
}

async function* decodedLines(path: string, signal?: AbortSignal): AsyncGenerator<{ line: number; text: string }> {
  let line = 0;
  let rest = '';
  for await (const chunk of readTextChunks(path, { signal })) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const p of parts) yield { line: ++line, text: p.replace(/\r$/, '') };
  }
  if (rest) yield { line: ++line, text: rest.replace(/\r$/, '') };
}

/**
 * A JSON array of objects, parsed as a stream (@streamparser/json): each element is emitted and dropped once
 * complete, so a 1 GB array costs one element of memory, not the document.
 */
export async function* readJsonArrayRows(path: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<RowItem> {
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
  const ready: RowItem[] = [];
  let row = 0;
  parser.onValue = ({ value }) => {
    row++;
    ready.push(objectRow(row, value, `element ${row} of the array`));
  };
  let started = false;
  const fail = (e: unknown): never => {
    throw new DataFileError(`${path} is not valid JSON after ${row} row${row === 1 ? '' : 's'}: ${e instanceof Error ? e.message : String(e)}`);
  };
  for await (const chunk of readTextChunks(path, opts)) {
    if (!started) {
      const first = chunk.trimStart()[0];
      if (first === undefined) continue;
      if (first !== '[') throw new DataFileError(`${path} is JSON but not an array: a .json data file must be an array of row objects, [{"column": value}, ...] (or give one object per line as .jsonl)`);
      started = true;
    }
    try {
      parser.write(chunk);
    } catch (e) {
      fail(e);
    }
    yield* ready.splice(0);
  }
  if (!started) throw new DataFileError(`${path} is empty: a .json data file must be an array of row objects`);
  try {
    // The parser ends by itself once the array closes; before that, end() reports a cut-off document.
    if (!parser.isEnded) parser.end();
  } catch (e) {
    fail(e);
  }
  yield* ready.splice(0);
}
