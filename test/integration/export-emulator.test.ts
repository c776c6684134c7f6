import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { Database } from 'node-sqlite3-wasm';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { submitJob } from '../../src/jobs/submit';
import { downloadResults } from '../../src/jobs/results';
import { retryFailed } from '../../src/jobs/retry';
import { OpenAIProvider } from '../../src/providers/openai';
import { defaultProfile } from '../../src/providers';
import { untilTerminal, writeInput } from './support/providerHarness';
import { runCliCaptured } from '../support/cli';

const exec = promisify(execFile);
const line = (id: string, text: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: text }] } });

describe('batchwise export against the emulator (manual clock)', () => {
  let emu: Emulator;
  let dir: string;
  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
    dir = await mkdtemp(join(tmpdir(), 'bw-export-emu-'));
  });
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a job built from a table, retried once: export to sqlite and parquet merges the chain and joins the source rows', async () => {
    const home = join(dir, 'home');
    const store = new JobStore(home);
    const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const input = await writeInput(dir, 'requests.jsonl', [line('t1', 'first'), line('t2', 'second [[fail-once]]'), line('t3', 'third [[fail]]')]);
    const sidecar = join(dir, 'requests.rows.jsonl');
    await writeFile(sidecar, ['t1', 't2', 't3'].map((id, k) => JSON.stringify({ custom_id: id, row: k + 1, values: { ticket: id.toUpperCase(), priority: k + 1 } })).join('\n') + '\n');
    const submitted = await submitJob({ store, provider, inputPath: input });
    // The builder records the sidecar on the job; here it is set by hand (the builder is not part of this test).
    await store.save({ ...submitted, sourceRowsPath: sidecar });
    const { job } = await untilTerminal(store, (await store.get(submitted.id))!, provider, () => emu.clock.tick(1));
    await downloadResults(store, job, provider);
    const retry = await retryFailed({ store, job: (await store.get(job.id))!, provider });
    await untilTerminal(store, retry.retryJob!, provider, () => emu.clock.tick(1));

    const env = { BATCHWISE_HOME: home, OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '5' };
    const db = join(dir, 'out.sqlite');
    const r = await runCliCaptured(['export', job.id, '--to', db, '--table', 'tickets', '--json'], { env });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { job: job.id, out: db, format: 'sqlite', rows: 3 });
    const sqlite = new Database(db);
    let rows;
    try {
      rows = sqlite.all('SELECT custom_id, outcome, attempt, ticket, priority, error_code IS NOT NULL AS has_error, input_tokens > 0 AS has_tokens FROM tickets ORDER BY line');
    } finally {
      sqlite.close();
    }
    assert.deepEqual(rows, [
      { custom_id: 't1', outcome: 'succeeded', attempt: 1, ticket: 'T1', priority: 1, has_error: 0, has_tokens: 1 },
      { custom_id: 't2', outcome: 'succeeded', attempt: 2, ticket: 'T2', priority: 2, has_error: 0, has_tokens: 1 },
      { custom_id: 't3', outcome: 'errored', attempt: 2, ticket: 'T3', priority: 3, has_error: 1, has_tokens: null },
    ]);

    const pq = join(dir, 'out.parquet');
    const p = await runCliCaptured(['export', job.id, '--to', pq], { env });
    assert.equal(p.code, 0, p.err);
    assert.match(p.out, /3 rows of .* 1 retry merged\) written to .*out\.parquet \(parquet\)/);
    const objs = (await parquetReadObjects({ file: await asyncBufferFromFile(pq) })) as { custom_id: string; outcome: string; ticket: string; model: string }[];
    assert.deepEqual(objs.map((o) => [o.custom_id, o.outcome, o.ticket, o.model]), [['t1', 'succeeded', 'T1', 'gpt-4o-mini'], ['t2', 'succeeded', 'T2', 'gpt-4o-mini'], ['t3', 'errored', 'T3', 'gpt-4o-mini']]);

    // Bad usage: an unknown extension names the formats (exit 2), --table on a CSV is refused.
    const bad = await runCliCaptured(['export', job.id, '--to', join(dir, 'out.xlsx')], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /\.sqlite.*\.duckdb.*\.parquet.*\.csv.*\.jsonl/);
    assert.equal((await runCliCaptured(['export', job.id, '--to', join(dir, 'o.csv'), '--table', 't'], { env })).code, 2);
    // .duckdb is refused at once with the formats DuckDB reads instead, once (no "batchwise export:" twice).
    const duck = await runCliCaptured(['export', job.id, '--to', join(dir, 'o.duckdb')], { env });
    assert.equal(duck.code, 1);
    assert.match(duck.err, /^batchwise export: writing \.duckdb files is not supported yet .*Export to \.parquet or \.sqlite instead/);
    // A broken sidecar line is named, not a crash.
    await writeFile(sidecar, '{"custom_id":"t1","row":1,"values":{}}\nnot json\n');
    const broken = await runCliCaptured(['export', job.id, '--to', join(dir, 'b.jsonl')], { env });
    assert.equal(broken.code, 1);
    assert.match(broken.err, /^batchwise export: .*requests\.rows\.jsonl line 2: not JSON/);
  });

  test('the built CLI (dist/cli.js, split vendor files and the .wasm beside them) writes a file the sqlite3 command line opens', async (t) => {
    const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
    const sqlite3 = await exec('sqlite3', ['-version']).then(() => true, () => false);
    if (!sqlite3) return t.skip('sqlite3 is not installed (apt-get install sqlite3)');
    if (!(await readFile(cli).then(() => true, () => false))) return t.skip('dist/cli.js not built (npm run build)');
    const home = join(dir, 'home2');
    const store = new JobStore(home);
    const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const submitted = await submitJob({ store, provider, inputPath: await writeInput(dir, 'two.jsonl', [line('a', 'x'), line('b', 'y')]) });
    const { job } = await untilTerminal(store, submitted, provider, () => emu.clock.tick(1));
    await downloadResults(store, job, provider);
    const out = join(dir, 'built.sqlite');
    const { stdout } = await exec(process.execPath, [cli, 'export', job.id, '--to', out, '--json'], { env: { ...process.env, BATCHWISE_HOME: home, OPENAI_API_KEY: 'k' } });
    assert.equal((JSON.parse(stdout) as { rows: number }).rows, 2);
    assert.equal((await exec('sqlite3', [out, 'SELECT group_concat(custom_id) FROM results;'])).stdout, 'a,b\n');
  });

  test('pandas (with pyarrow) reads the Parquet file: the same rows, numbers as numbers', async (t) => {
    const py = await exec('python3', ['-c', 'import pandas, pyarrow']).then(() => true, () => false);
    if (!py) return t.skip('python3 with pandas and pyarrow is not installed (pip install pandas pyarrow)');
    const home = join(dir, 'home3');
    const store = new JobStore(home);
    const provider = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const submitted = await submitJob({ store, provider, inputPath: await writeInput(dir, 'three.jsonl', [line('p', 'x'), line('q', 'y'), line('r', 'z [[fail]]')]) });
    const { job } = await untilTerminal(store, submitted, provider, () => emu.clock.tick(1));
    const out = join(dir, 'pandas.parquet');
    const r = await runCliCaptured(['export', job.id, '--to', out, '--json'], { env: { BATCHWISE_HOME: home, OPENAI_API_KEY: 'k' } });
    assert.equal(r.code, 0, r.err);
    const script = `import json, sys, pandas
df = pandas.read_parquet(sys.argv[1])
print(json.dumps({"ids": df["custom_id"].tolist(), "outcomes": df["outcome"].tolist(), "tokens": str(df["input_tokens"].dtype), "columns": list(df.columns)}))`;
    const { stdout } = await exec('python3', ['-c', script, out]);
    const got = JSON.parse(stdout) as { ids: string[]; outcomes: string[]; tokens: string; columns: string[] };
    assert.deepEqual(got.ids, ['p', 'q', 'r']);
    assert.deepEqual(got.outcomes, ['succeeded', 'succeeded', 'errored']);
    assert.match(got.tokens, /^(u?int|Int|float)/, 'input_tokens is numeric in pandas');
    assert.ok(got.columns.includes('cost_usd'));
  });
});
