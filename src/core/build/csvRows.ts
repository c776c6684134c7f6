import { Readable, pipeline } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { readTextChunks } from './textDecode';
import { DataFileError, type RowItem } from './rows';

/**
 * Streams a CSV or TSV file as rows keyed by the header's column names, through csv-parse (RFC 4180 quoting: commas,
 * quotes and newlines inside quoted fields, CRLF or LF). Every value is the cell's text; an empty cell is "". A record
 * with more or fewer fields than the header is skipped with the counts, not guessed at.
 */
export async function* readDelimitedRows(path: string, delimiter: ',' | '\t', opts: { signal?: AbortSignal } = {}): AsyncGenerator<RowItem> {
  const parser = parse({ delimiter, relax_column_count: true, skip_empty_lines: true });
  const source = Readable.from(readTextChunks(path, opts));
  // pipeline forwards a read error (a bad encoding, a vanished file) into the parser, where the loop below sees it.
  pipeline(source, parser, () => undefined);
  let header: string[] | undefined;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = checkHeader(path, record);
        continue;
      }
      row++;
      if (record.length !== header.length) {
        yield { row, skip: `has ${record.length} field${record.length === 1 ? '' : 's'}, the header has ${header.length}: quote a field that holds a ${delimiter === ',' ? 'comma' : 'tab'} or a newline` };
        continue;
      }
      const values: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++) values[header[i]!] = record[i];
      yield { row, values };
    }
  } catch (err) {
    if (err instanceof CsvError) throw new DataFileError(`${path}: ${err.message} (after data row ${row}). Check the quotes around that record: a field that starts with " must end with "`);
    throw err;
  } finally {
    source.destroy();
    parser.destroy();
  }
  if (!header) throw new DataFileError(`${path} is empty: a ${delimiter === ',' ? 'CSV' : 'TSV'} file needs a header row naming the columns, then one row per request`);
}

function checkHeader(path: string, names: string[]): string[] {
  const seen = new Map<string, number>();
  names.forEach((raw, i) => {
    const name = raw.trim();
    if (!name) throw new DataFileError(`${path}: column ${i + 1} of the header has no name: name every column (the names are the {{placeholders}})`);
    const first = seen.get(name);
    if (first !== undefined) throw new DataFileError(`${path}: the header names "${name}" twice (columns ${first + 1} and ${i + 1}): rename one`);
    seen.set(name, i);
  });
  return names.map((n) => n.trim());
}
