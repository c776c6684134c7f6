import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { Database } from 'node-sqlite3-wasm';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { joinResults } from '../../src/core/results/join';
import { mergedResultsForChain } from '../../src/core/results/merge';
import type { ProviderResult } from '../../src/core/results/record';
import { exportResults, exportFormatOf, ExportFormatError } from '../../src/core/export/exporter';
import { ColumnNamer, sanitizeName } from '../../src/core/export/columns';

type Row = Record<string, string | number | null>;

const schema = { type: 'object', properties: { label: { type: 'string' }, score: { type: 'number' }, 'weird name': { type: 'integer' }, outcome: { type: 'string' } } };
const line = (id: string, withSchema: boolean) =>
  JSON.stringify({
    custom_id: id,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'm', messages: [{ role: 'user', content: `text of ${id}` }], ...(withSchema ? { response_format: { type: 'json_schema', json_schema: { name: 's', schema } } } : {}) },
  });
const ok = (id: string, text: string, tokens = [10, 5]): ProviderResult => ({ customId: id, outcome: 'succeeded', outputText: text, raw: {}, usage: { inputTokens: tokens[0]!, outputTokens: tokens[1]! } });
const fail = (id: string): ProviderResult => ({ customId: id, outcome: 'errored', raw: {}, errorCode: 'rate_limit', errorMessage: `failed, "quoted", ${id}` });

function job(id: string, inputPath: string, attempt: number, extra: Partial<Job> = {}): Job {
  const t = new Date(Date.UTC(2026, 0, 1, 0, attempt)).toISOString();
  return {
    version: 1, id, name: 'labels', provider: 'openai', profile: 'openai', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini', inputPath, inputSha256: 'x',
    inputLines: 0, requests: 0, parts: [], attempt, status: 'completed', createdAt: t, updatedAt: t, finishedAt: t, ...extra,
  };
}

async function finished(store: JobStore, j: Job, results: ProviderResult[]): Promise<Job> {
  const resultsPath = join(store.jobDir(j.id), 'results.jsonl');
  await joinResults({ inputPath: j.inputPath, outPath: resultsPath, results, jobId: j.id, attempt: j.attempt });
  const saved = { ...j, resultsPath };
  await store.save(saved);
  return saved;
}

/**
 * A root job of 4 lines built from a table (a sidecar whose columns clash with fixed ones and have odd names),
 * and a retry that fixes line b: the merged view has b from attempt 2.
 */
async function fixture(opts: { withSchema: boolean; sidecar: boolean; outputs: Record<string, string> }) {
  const dir = await mkdtemp(join(tmpdir(), 'bw-export-'));
  const store = new JobStore(join(dir, 'home'));
  const ids = ['a', 'b', 'c', 'd'];
  const input = join(dir, 'requests.jsonl');
  await writeFile(input, ids.map((id) => line(id, opts.withSchema)).join('\n') + '\n');
  let sourceRowsPath: string | undefined;
  if (opts.sidecar) {
    sourceRowsPath = join(dir, 'requests.rows.jsonl');
    // Out of step on purpose (c before b): the join is by custom_id, not by position.
    const values = (id: string, n: number) => ({ text: `row ${id}`, 'Price (€)': n + 0.5, outcome: `src ${id}`, '1st': n, nested: { k: id } });
    const order: [string, number][] = [['a', 1], ['c', 3], ['b', 2], ['d', 4]];
    await writeFile(sourceRowsPath, order.map(([id, n]) => JSON.stringify({ custom_id: id, row: n, values: values(id, n) })).join('\n') + '\n');
  }
  const root = await finished(store, job('bw-root', input, 1, sourceRowsPath ? { sourceRowsPath } : {}), [ok('a', opts.outputs.a!), fail('b'), ok('c', opts.outputs.c!, [7, 3])]); // d missing
  const retryInput = join(dir, 'retry.jsonl');
  await writeFile(retryInput, line('b', opts.withSchema) + '\n');
  await finished(store, job('bw-r1', retryInput, 2, { parentId: root.id }), [ok('b', opts.outputs.b!, [4, 2])]);
  const merged = await mergedResultsForChain(store, root);
  return { dir, input: { rows: merged.rows, root, price: { input: 2, output: 4 } } };
}

const cost = (i: number, o: number) => (i * 1 + o * 2) / 1e6; // the batch rate: half of 2 and 4 per 1M

/** What every format must hold, built from the fixture's own data (not from the exporter). */
function expectedRows(outputs: Record<string, string>, extra: (id: string) => Row): Row[] {
  const base = (id: string, l: number, outcome: string, tokens: [number, number] | null, attempt: number, job: string): Row => ({
    custom_id: id, line: l, outcome, quality: outcome === 'succeeded' ? 'ok' : null, output: outputs[id] && outcome === 'succeeded' ? outputs[id]! : null,
    error_code: null, error_message: null, input_tokens: tokens?.[0] ?? null, output_tokens: tokens?.[1] ?? null, cost_usd: tokens ? cost(...tokens) : null, attempt, job, model: 'gpt-4o-mini', ...extra(id),
  });
  return [
    base('a', 1, 'succeeded', [10, 5], 1, 'bw-root'),
    base('b', 2, 'succeeded', [4, 2], 2, 'bw-r1'),
    base('c', 3, 'succeeded', [7, 3], 1, 'bw-root'),
    { ...base('d', 4, 'missing', null, 1, 'bw-root') },
  ];
}

async function readBack(format: string, path: string): Promise<Row[]> {
  if (format === 'jsonl') return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
  if (format === 'csv') return parseCsv(await readFile(path, 'utf8'), { columns: true }) as Row[];
  if (format === 'sqlite') {
    const db = new Database(path);
    try {
      return db.all('SELECT * FROM "results" ORDER BY rowid') as Row[];
    } finally {
      db.close();
    }
  }
  const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as Record<string, unknown>[];
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v as string | number | null)])));
}

/** CSV holds text only: numbers as their text, null as empty. */
const asCsv = (rows: Row[]): Row[] => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])));

const FORMATS = ['jsonl', 'csv', 'sqlite', 'parquet'] as const;

for (const format of FORMATS) {
  test(`export ${format}: one row per input line merged across the retry, source columns joined (clashes prefixed, odd names sanitised)`, async () => {
    const outputs = { a: 'plain a', b: 'plain, "b"\nsecond line', c: '{"x": 1}' };
    const { dir, input } = await fixture({ withSchema: false, sidecar: true, outputs });
    const out = join(dir, `out.${format}`);
    const res = await exportResults(input, out);
    assert.deepEqual(res, { format, rows: 4 });
    const source = (id: string): Row => {
      const n = { a: 1, b: 2, c: 3, d: 4 }[id]!;
      // c's output is JSON: the job has no schema, so it gets output_json (compact); the others null.
      return { output_json: id === 'c' ? '{"x":1}' : null, text: `row ${id}`, Price: n + 0.5, source_outcome: `src ${id}`, _1st: n, nested: JSON.stringify({ k: id }) };
    };
    const expected = expectedRows(outputs, source);
    expected[3] = { ...expected[3]!, output: null };
    const got = await readBack(format, out);
    assert.deepEqual(got, format === 'csv' ? asCsv(expected) : expected);
    // Written atomically: nothing but the result is left in the folder.
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('.')), []);
  });

  test(`export ${format}: a JSON-schema job gets one column per top-level field`, async () => {
    const outputs = { a: '{"label":"cat","score":0.9,"weird name":3,"outcome":"x"}', b: '{"label":"dog","score":1}', c: 'not json' };
    const { dir, input } = await fixture({ withSchema: true, sidecar: false, outputs });
    const out = join(dir, `out.${format}`);
    await exportResults(input, out);
    const fields: Record<string, Row> = {
      a: { label: 'cat', score: 0.9, weird_name: 3, output_outcome: 'x' },
      b: { label: 'dog', score: 1, weird_name: null, output_outcome: null },
      c: { label: null, score: null, weird_name: null, output_outcome: null },
      d: { label: null, score: null, weird_name: null, output_outcome: null },
    };
    const expected = expectedRows(outputs, (id) => fields[id]!);
    // The join flags c (a schema job whose output is not JSON): the quality column says so.
    expected[2] = { ...expected[2]!, quality: 'invalid_json' };
    const got = await readBack(format, out);
    assert.deepEqual(got, format === 'csv' ? asCsv(expected) : expected);
  });
}

test('export sqlite: the failed line keeps its error code and message; --table names the table', async () => {
  const outputs = { a: 'x', b: 'y', c: 'z' };
  const { dir, input } = await fixture({ withSchema: false, sidecar: false, outputs });
  // Drop the retry's success: export the root alone, where b is errored.
  const out = join(dir, 'root.sqlite');
  const rootOnly = await mergedResultsForChain(new JobStore(join(dir, 'home-none')), input.root);
  await exportResults({ ...input, rows: rootOnly.rows }, out, { table: 'my "table"' });
  const db = new Database(out);
  try {
    const b = db.get('SELECT outcome, error_code, error_message, quality FROM "my ""table""" WHERE custom_id = ?', ['b']) as Row;
    assert.deepEqual(b, { outcome: 'errored', error_code: 'rate_limit', error_message: 'failed, "quoted", b', quality: null });
    const types = db.all('SELECT name, type FROM pragma_table_info(\'my "table"\')') as { name: string; type: string }[];
    assert.deepEqual(types.slice(0, 3), [{ name: 'custom_id', type: 'TEXT' }, { name: 'line', type: 'INTEGER' }, { name: 'outcome', type: 'TEXT' }]);
    assert.equal(types.find((t) => t.name === 'cost_usd')?.type, 'REAL');
  } finally {
    db.close();
  }
});

for (const format of FORMATS) {
  test(`export ${format}: an empty job writes the columns and no rows`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-export-empty-'));
    const store = new JobStore(join(dir, 'home'));
    const inputPath = join(dir, 'empty.jsonl');
    await writeFile(inputPath, '');
    const root = await finished(store, job('bw-empty', inputPath, 1), []);
    const merged = await mergedResultsForChain(store, root);
    const out = join(dir, `out.${format}`);
    assert.deepEqual(await exportResults({ rows: merged.rows, root }, out), { format, rows: 0 });
    assert.deepEqual(await readBack(format, out), []);
    if (format === 'csv') assert.match(await readFile(out, 'utf8'), /^custom_id,line,outcome,/);
  });
}

test('export: the format comes from the extension; an unknown one names the formats', () => {
  assert.equal(exportFormatOf('x.SQLITE'), 'sqlite');
  assert.equal(exportFormatOf('a/b.parquet'), 'parquet');
  assert.equal(exportFormatOf('c.duckdb'), 'duckdb');
  assert.throws(() => exportFormatOf('x.xlsx'), (e: Error) => e instanceof ExportFormatError && /\.sqlite.*\.duckdb.*\.parquet.*\.csv.*\.jsonl/.test(e.message));
});

test('export: column names are sanitised and made unique case-insensitively', () => {
  assert.equal(sanitizeName('Price (€)'), 'Price');
  assert.equal(sanitizeName('2nd col'), '_2nd_col');
  assert.equal(sanitizeName('???'), 'column');
  const n = new ColumnNamer();
  assert.equal(n.name('Custom_ID', 'source_'), 'source_Custom_ID');
  assert.equal(n.name('a b', 'source_'), 'a_b');
  assert.equal(n.name('a-b', 'source_'), 'source_a_b');
  assert.equal(n.name('a.b', 'source_'), 'source_a_b_2');
});

test('export sqlite: the file opens in the real sqlite3 command line', async (t) => {
  try {
    execFileSync('sqlite3', ['-version']);
  } catch {
    t.skip('sqlite3 is not installed (apt-get install sqlite3)');
    return;
  }
  const { dir, input } = await fixture({ withSchema: false, sidecar: true, outputs: { a: 'x', b: 'y', c: 'z' } });
  const out = join(dir, 'cli.sqlite');
  await exportResults(input, out);
  const text = execFileSync('sqlite3', [out, 'SELECT custom_id, attempt, source_outcome FROM results ORDER BY line;'], { encoding: 'utf8' });
  assert.equal(text, 'a|1|src a\nb|2|src b\nc|1|src c\nd|1|src d\n');
  assert.equal(execFileSync('sqlite3', [out, 'PRAGMA integrity_check;'], { encoding: 'utf8' }), 'ok\n');
});

test('export duckdb: refused with the reason and the formats DuckDB reads instead; nothing is written', async () => {
  const { dir, input } = await fixture({ withSchema: false, sidecar: false, outputs: { a: 'x', b: 'y', c: 'z' } });
  await assert.rejects(exportResults(input, join(dir, 'out.duckdb')), (e: Error) => e instanceof ExportFormatError && /\.parquet/.test(e.message) && /\.sqlite/.test(e.message));
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('duckdb')), []);
});

test('export parquet: the file opens in the real DuckDB (Python package) when it is installed', async (t) => {
  try {
    execFileSync('python3', ['-c', 'import duckdb'], { stdio: 'ignore' });
  } catch {
    return t.skip('the duckdb Python package is not installed (pip install duckdb)');
  }
  const { dir, input } = await fixture({ withSchema: false, sidecar: true, outputs: { a: "it's", b: 'y', c: 'z' } });
  const out = join(dir, 'real.parquet');
  await exportResults(input, out);
  const sql = `SELECT custom_id, attempt, source_outcome, output, typeof(line), typeof(cost_usd) FROM '${out}' ORDER BY line`;
  const text = execFileSync('python3', ['-c', "import duckdb,sys; [print('|'.join(map(str, r))) for r in duckdb.sql(sys.argv[1]).fetchall()]", sql], { encoding: 'utf8' });
  assert.equal(text, "a|1|src a|it's|BIGINT|DOUBLE\nb|2|src b|y|BIGINT|DOUBLE\nc|1|src c|z|BIGINT|DOUBLE\nd|1|src d|None|BIGINT|DOUBLE\n");
});
