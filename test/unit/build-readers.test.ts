import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRows, DataFileError, TextEncodingError, type RowItem } from '../../src/core/build';

async function file(name: string, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-build-read-'));
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

async function all(path: string, opts: Parameters<typeof readRows>[1] = {}): Promise<RowItem[]> {
  const out: RowItem[] = [];
  for await (const r of readRows(path, opts)) out.push(r);
  return out;
}

const values = (rows: RowItem[]) => rows.map((r) => ('values' in r ? r.values : { skip: r.skip }));

test('CSV: quotes, commas and newlines in fields, empty cells, unicode, a BOM and CRLF', async () => {
  const csv = '\uFEFFid,text,note\r\n1,"a, b","say ""hi"""\r\n2,"line one\r\nline two",\r\n3,日本語 ✓ é,""\r\n\r\n4,,x\r\n';
  const rows = await all(await file('t.csv', csv));
  assert.deepEqual(values(rows), [
    { id: '1', text: 'a, b', note: 'say "hi"' },
    { id: '2', text: 'line one\r\nline two', note: '' },
    { id: '3', text: '日本語 ✓ é', note: '' },
    { id: '4', text: '', note: 'x' },
  ]);
  assert.deepEqual(rows.map((r) => r.row), [1, 2, 3, 4]);
});

test('CSV: a record with the wrong number of fields is skipped with the counts; the rows after it are kept', async () => {
  const rows = await all(await file('t.csv', 'a,b\n1,2\n1,2,3\n4,5\n'));
  assert.deepEqual(rows[1], { row: 2, skip: 'has 3 fields, the header has 2: quote a field that holds a comma or a newline' });
  assert.deepEqual(values([rows[2]!]), [{ a: '4', b: '5' }]);
});

test('CSV: an unclosed quote, a duplicate or empty header name and an empty file are errors naming the file', async () => {
  await assert.rejects(all(await file('q.csv', 'a,b\n1,"open\n')), (e: Error) => e instanceof DataFileError && /q\.csv: .*Quote Not Closed/i.test(e.message));
  await assert.rejects(all(await file('d.csv', 'a,b,a\n1,2,3\n')), /names "a" twice \(columns 1 and 3\)/);
  await assert.rejects(all(await file('e.csv', 'a,,c\n1,2,3\n')), /column 2 of the header has no name/);
  await assert.rejects(all(await file('z.csv', '')), /is empty: a CSV file needs a header row/);
});

test('TSV: tabs split, commas stay in the field', async () => {
  const rows = await all(await file('t.tsv', 'q\tlabel\nhello, world\tgreeting\n'));
  assert.deepEqual(values(rows), [{ q: 'hello, world', label: 'greeting' }]);
});

test('UTF-16 LE and BE with a BOM are decoded; bytes that are not UTF-8 are an error saying how to fix it', async () => {
  const text = 'name,city\nZoë,Zürich\n';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const be = Buffer.from(le.subarray(2)).swap16();
  assert.deepEqual(values(await all(await file('le.csv', le))), [{ name: 'Zoë', city: 'Zürich' }]);
  assert.deepEqual(values(await all(await file('be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be])))), [{ name: 'Zoë', city: 'Zürich' }]);
  const latin1 = Buffer.from('name\nZo\xeb\n', 'latin1');
  await assert.rejects(all(await file('l.csv', latin1)), (e: Error) => e instanceof TextEncodingError && /not valid UTF-8.*Save the file as UTF-8/.test(e.message));
});

test('JSONL: nested objects kept, blank lines not rows, bad lines skipped with their line number', async () => {
  const rows = await all(await file('t.jsonl', '{"a":{"b":1}}\n\n[1]\n{oops\n{"a":2}\n'));
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[0], { row: 1, values: { a: { b: 1 } } });
  assert.deepEqual(rows[1], { row: 2, skip: 'line 3 is an array, not an object of columns (write each row as {"column": value, ...})' });
  assert.equal(rows[2]!.row, 3);
  assert.match('skip' in rows[2]! ? rows[2].skip : '', /^line 4 is not valid JSON/);
  assert.deepEqual(rows[3], { row: 4, values: { a: 2 } });
});

test('JSON array: streamed element by element; not an array, or broken JSON, is an error', async () => {
  const rows = await all(await file('t.json', ' [ {"q": "x", "m": {"k": [1, 2]}}, 3, {"q": "y"} ]'));
  assert.deepEqual(rows, [
    { row: 1, values: { q: 'x', m: { k: [1, 2] } } },
    { row: 2, skip: 'element 2 of the array is a number, not an object of columns (write each row as {"column": value, ...})' },
    { row: 3, values: { q: 'y' } },
  ]);
  await assert.rejects(all(await file('o.json', '{"q": 1}')), /is JSON but not an array/);
  await assert.rejects(all(await file('b.json', '[{"q": 1}, {"q": ')), (e: Error) => e instanceof DataFileError && /not valid JSON after 1 row/.test(e.message));
});

test('--limit stops after N rows (the reader is closed early)', async () => {
  const csv = 'n\n' + Array.from({ length: 50 }, (_, i) => i).join('\n') + '\n';
  const rows = await all(await file('t.csv', csv), { limit: 3 });
  assert.deepEqual(values(rows), [{ n: '0' }, { n: '1' }, { n: '2' }]);
});

test('Parquet: rows across several row groups, INT64 as numbers, JSON columns nested; --limit reads only what it needs', async () => {
  const { parquetWriteFile } = await import('hyparquet-writer');
  const dir = await mkdtemp(join(tmpdir(), 'bw-build-pq-'));
  const p = join(dir, 't.parquet');
  parquetWriteFile({
    filename: p,
    rowGroupSize: 2,
    columnData: [
      { name: 'id', data: [1n, 2n, 3n, 4n, 5n], type: 'INT64' },
      { name: 'text', data: ['a', 'b, "c"', null, 'ü', 'e'], type: 'STRING' },
      { name: 'meta', data: [{ city: 'Oslo' }, { city: 'Rome' }, { city: 'Lima' }, { city: 'Pune' }, { city: 'Baku' }], type: 'JSON' },
    ],
  });
  const rows = await all(p);
  assert.deepEqual(values(rows), [
    { id: 1, text: 'a', meta: { city: 'Oslo' } },
    { id: 2, text: 'b, "c"', meta: { city: 'Rome' } },
    { id: 3, text: null, meta: { city: 'Lima' } },
    { id: 4, text: 'ü', meta: { city: 'Pune' } },
    { id: 5, text: 'e', meta: { city: 'Baku' } },
  ]);
  assert.deepEqual(rows.map((r) => r.row), [1, 2, 3, 4, 5]);
  assert.deepEqual(values(await all(p, { limit: 3 })).map((v) => v.id), [1, 2, 3]);
  await assert.rejects(all(await file('bad.parquet', 'not parquet at all')), /is not a readable Parquet file/);
});

test('an unknown extension is an error listing the formats', async () => {
  await assert.rejects(all(await file('t.xlsx', 'x')), /cannot tell the table format.*\.csv, \.tsv/);
});
