import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm, readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';

let dir: string;
let env: NodeJS.ProcessEnv;
let store: JobStore;

const cli = (...argv: string[]) => runCliCaptured(argv, { env });

const chat = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${id}` }] } });

/** A finished job as submit would record it; its batch lives on an address nothing listens on. */
function finishedJob(id: string, inputPath: string): Job {
  const now = new Date().toISOString();
  const counts = { total: 2, succeeded: 2, failed: 0, processing: 0, expired: 0, canceled: 0 };
  return {
    version: 1,
    id,
    name: 'in.jsonl',
    provider: 'openai',
    profile: 'openai@127.0.0.1:9',
    baseUrl: 'http://127.0.0.1:9/v1',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    inputPath,
    inputSha256: 'x',
    inputLines: 2,
    requests: 2,
    parts: [{ index: 0, remoteId: 'batch_1', status: 'completed', lineStart: 1, lineEnd: 2, requests: 2, counts, errors: [] }],
    attempt: 1,
    status: 'completed',
    createdAt: now,
    updatedAt: now,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-robust-store-'));
  env = { BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
  store = new JobStore(join(dir, 'home'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test('a corrupt job.json is named with what is wrong and how to get out of it, for every job command', async () => {
  const id = 'bw-20260101-abc123';
  await mkdir(store.jobDir(id), { recursive: true });
  await writeFile(join(store.jobDir(id), 'job.json'), '{"version":1, "id":');
  for (const command of ['status', 'results', 'retry', 'cancel']) {
    const r = await cli(command, id, '--json');
    assert.equal(r.code, 2, command);
    assert.equal(r.out, '', command);
    assert.match(r.err, new RegExp(`job ${id} cannot be read: .*job\\.json: not valid JSON .*Repair or restore that file, or remove the folder`), command);
    assert.doesNotMatch(r.err, /no job/, command);
  }
  // The file is left as it was.
  assert.equal(await readFile(join(store.jobDir(id), 'job.json'), 'utf8'), '{"version":1, "id":');
});

test('a prefix shared by a readable and a corrupt job is not silently resolved to the readable one', async () => {
  const input = join(dir, 'in.jsonl');
  await writeFile(input, chat('a') + '\n' + chat('b') + '\n');
  await store.save(finishedJob('bw-20260101-aaaaaa', input));
  await mkdir(store.jobDir('bw-20260101-bbbbbb'), { recursive: true });
  await writeFile(join(store.jobDir('bw-20260101-bbbbbb'), 'job.json'), '{}');
  const r = await cli('status', 'bw-20260101');
  assert.equal(r.code, 2);
  assert.match(r.err, /also matches a job that cannot be read \(bw-20260101-bbbbbb\): give the full id/);
  const full = await cli('status', 'bw-20260101-aaaaaa', '--json');
  assert.equal(full.code, 0, full.err);
});

test('list with only corrupt job files says they cannot be read, never "No jobs", and never echoes their bytes', async () => {
  const id = 'bw-20260101-cccccc';
  await mkdir(store.jobDir(id), { recursive: true });
  // Garbage with a terminal escape and a secret-looking word: V8's JSON.parse message would quote it.
  await writeFile(join(store.jobDir(id), 'job.json'), '{"version":1,\n  "id": \u001b[31mSECRETBYTES');
  const r = await cli('list');
  assert.equal(r.code, 0);
  assert.match(r.out, /No readable jobs in .*: one job file cannot be read \(see the warnings above\)/);
  assert.doesNotMatch(r.out, /No jobs in/);
  assert.match(r.err, /not valid JSON \(unexpected character at line 2, column 9\)/);
  assert.doesNotMatch(r.out + r.err, /SECRETBYTES/);
  assert.ok(!(r.out + r.err).includes('\u001b'), 'no escape byte');
});

test('a job file with a wrong value is named by field, without quoting the value it holds', async () => {
  const input = join(dir, 'in.jsonl');
  await writeFile(input, chat('a') + '\n' + chat('b') + '\n');
  const job = finishedJob('bw-20260101-dddddd', input);
  await mkdir(store.jobDir(job.id), { recursive: true });
  await writeFile(join(store.jobDir(job.id), 'job.json'), JSON.stringify({ ...job, provider: 'SECRETBYTES' }));
  const r = await cli('list');
  assert.match(r.err, /not a Batchwise job: provider: /);
  assert.doesNotMatch(r.err, /SECRETBYTES/);
});

test('status PREFIX that matches only unreadable jobs says so, instead of "no job"', async () => {
  await mkdir(store.jobDir('bw-20260101-eeeeee'), { recursive: true });
  await writeFile(join(store.jobDir('bw-20260101-eeeeee'), 'job.json'), '');
  const r = await cli('status', 'bw-20260101-e');
  assert.equal(r.code, 2);
  assert.match(r.err, /"bw-20260101-e" matches only a job that cannot be read: .*job\.json: not valid JSON \(the file is empty\)/);
  assert.doesNotMatch(r.err, /no job "/);
});

test('a job reference that is a path is never read from outside the store', async () => {
  await mkdir(join(dir, 'home', 'outside'), { recursive: true });
  const input = join(dir, 'in.jsonl');
  await writeFile(input, chat('a') + '\n');
  await writeFile(join(dir, 'home', 'outside', 'job.json'), JSON.stringify(finishedJob('outside', input)));
  const r = await cli('status', '../outside');
  assert.equal(r.code, 2);
  assert.match(r.err, /no job "\.\.\/outside"/);
});

test('a job whose input file was deleted: results and retry say which file is needed (exit 2), nothing is lost', async () => {
  const input = join(dir, 'gone.jsonl');
  await store.save(finishedJob('bw-20260101-gone00', input));
  for (const command of ['results', 'retry']) {
    const r = await cli(command, 'bw-20260101-gone00', '--json');
    assert.equal(r.code, 2, command);
    assert.equal(r.out, '');
    assert.match(r.err, /the input file of bw-20260101-gone00 is gone: .*gone\.jsonl\. .*put the file back at that path/, command);
    assert.doesNotMatch(r.err, /ENOENT/);
  }
  assert.ok(await store.get('bw-20260101-gone00'), 'the job is still in the store');
});

test('results refuses --out / --failed-out pointing at the job\'s input (it would be replaced)', async () => {
  const input = join(dir, 'in.jsonl');
  const text = chat('a') + '\n' + chat('b') + '\n';
  await writeFile(input, text);
  await store.save(finishedJob('bw-20260101-keep00', input));
  for (const option of ['--out', '--failed-out']) {
    const r = await cli('results', 'bw-20260101-keep00', option, input, '--json');
    assert.equal(r.code, 2, option);
    assert.match(r.err, new RegExp(`${option} .*in\\.jsonl is the input of this job: writing there would replace it`));
    assert.equal(r.out, '');
  }
  assert.equal(await readFile(input, 'utf8'), text);
});

test('a job store that is not a directory gets a message naming BATCHWISE_HOME, not ENOTDIR', async () => {
  const home = join(dir, 'home-file');
  await writeFile(home, 'not a folder');
  env = { ...env, BATCHWISE_HOME: home };
  const r = await cli('list', '--json');
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /cannot read .*home-file.*jobs: .*\(BATCHWISE_HOME\): make it a writable directory/);
  assert.doesNotMatch(r.err, /ENOTDIR/);
});

test('an output path that cannot be written names the place and the reason, not a temp file or an errno', async () => {
  const input = join(dir, 'in.jsonl');
  await writeFile(input, chat('a') + '\n' + chat('b') + '\n');
  const job = finishedJob('bw-20260101-write0', input);
  const results = join(dir, 'results.jsonl');
  await writeFile(results, '');
  await store.save({ ...job, resultsPath: results });
  const r = await cli('results', 'bw-20260101-write0', '--out', join(input, 'x.jsonl'), '--json');
  assert.equal(r.code, 2, r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /cannot write .*in\.jsonl: it is a file, and a directory is needed there/);
  assert.doesNotMatch(r.err, /EEXIST|ENOTDIR|\.tmp/);
});
