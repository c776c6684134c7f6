import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { joinResults } from '../../src/core/results/join';
import { MergedRows, mergedResultsForChain, rootOf } from '../../src/core/results/merge';
import { RecordReader } from '../../src/core/results/recordReader';
import { RowQuery } from '../../src/core/results/rowQuery';
import { writeFailedLines, exportMerged, csvField, csvRow } from '../../src/core/results/export';
import { buildRetryFile, planForRetryFile } from '../../src/jobs/retry';
import { retryCostLine } from '../../src/extension/submit/confirmText';
import type { FileEstimate } from '../../src/core/estimate';
import { outputFailsSchema } from '../../src/core/results/schemaCheck';
import type { ProviderResult } from '../../src/core/results/record';

const line = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: `text of ${id}` }] } });
const ok = (id: string, text = `ok ${id}`): ProviderResult => ({ customId: id, outcome: 'succeeded', outputText: text, raw: {}, usage: { inputTokens: 1, outputTokens: 2 } });
const noInput = { offset: 0, bytes: 0, bom: false };
const fail = (id: string, outcome: ProviderResult['outcome'] = 'errored'): ProviderResult => ({ customId: id, outcome, raw: {}, errorCode: 'e', errorMessage: `failed ${id}` });

function job(id: string, inputPath: string, attempt: number, parentId?: string): Job {
  const t = new Date(Date.UTC(2026, 0, 1, 0, attempt)).toISOString();
  return {
    version: 1, id, name: 'labels', provider: 'openai', profile: 'openai', endpoint: '/v1/chat/completions', model: 'm', inputPath, inputSha256: 'x',
    inputLines: 0, requests: 0, parts: [], attempt, status: 'completed', createdAt: t, updatedAt: t, finishedAt: t, ...(parentId ? { parentId } : {}),
  };
}

async function finished(store: JobStore, j: Job, results: ProviderResult[]): Promise<Job> {
  const resultsPath = join(store.jobDir(j.id), 'results.jsonl');
  await joinResults({ inputPath: j.inputPath, outPath: resultsPath, results, jobId: j.id, attempt: j.attempt });
  const saved = { ...j, resultsPath };
  await store.save(saved);
  return saved;
}

test('merge across two retries: the latest success wins, one row per original line, failed lines byte-identical', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-merge-'));
  const store = new JobStore(join(dir, 'home'));
  const ids = ['a', 'b', 'c', 'd', 'e'];
  // CRLF input, a BOM on line 1 and no newline at the end: the retry files must still hold the very same line bytes.
  const input = join(dir, 'in.jsonl');
  await writeFile(input, '\uFEFF' + ids.map(line).join('\r\n'));
  const root = await finished(store, job('bw-root', input, 1), [ok('a'), fail('b'), fail('c', 'expired'), fail('e')]); // d missing

  const retry1Path = join(dir, 'retry-1.jsonl');
  const n1 = await writeFailedLines(input, (await mergedResultsForChain(store, root)).rows, retry1Path);
  assert.equal(n1, 4);
  assert.equal(await readFile(retry1Path, 'utf8'), [line('b'), line('c'), line('d'), line('e')].join('\r\n'));
  const r1 = await finished(store, job('bw-r1', retry1Path, 2, root.id), [ok('b', 'b second'), fail('c'), ok('d')]); // e missing this time

  const merged1 = await mergedResultsForChain(store, root);
  assert.deepEqual([...merged1.rows].map((r) => [r.customId, r.outcome, r.attempt]), [['a', 'succeeded', 1], ['b', 'succeeded', 2], ['c', 'errored', 2], ['d', 'succeeded', 2], ['e', 'errored', 1]]);

  const retry2Path = join(dir, 'retry-2.jsonl');
  assert.equal(await writeFailedLines(input, merged1.rows, retry2Path), 2);
  await finished(store, job('bw-r2', retry2Path, 3, r1.id), [ok('c'), ok('e'), fail('a')]); // a stray error for an id that already succeeded

  assert.equal((await rootOf(store, (await store.get('bw-r2'))!)).id, 'bw-root');
  const merged = await mergedResultsForChain(store, root);
  assert.deepEqual(merged.jobs.map((j) => j.id), ['bw-root', 'bw-r1', 'bw-r2']);
  assert.deepEqual([...merged.rows].map((r) => [r.line, r.customId, r.outcome, r.jobId]), [
    [1, 'a', 'succeeded', 'bw-root'],
    [2, 'b', 'succeeded', 'bw-r1'],
    [3, 'c', 'succeeded', 'bw-r2'],
    [4, 'd', 'succeeded', 'bw-r1'],
    [5, 'e', 'succeeded', 'bw-r2'],
  ]);
  assert.equal((await new RecordReader().texts(merged.rows.at(1)!.source)).outputText, 'b second');
  assert.equal(merged.summary.counts.succeeded, 5);
  assert.equal(merged.summary.total, 5);
  assert.deepEqual(merged.pending, []);
});

test('merge: a chain job without downloaded results is pending and leaves rows as they were', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-merge-'));
  const store = new JobStore(join(dir, 'home'));
  const input = join(dir, 'in.jsonl');
  await writeFile(input, [line('a'), line('b')].join('\n') + '\n');
  const root = await finished(store, job('bw-root', input, 1), [ok('a'), fail('b')]);
  await store.save({ ...job('bw-r1', join(dir, 'retry.jsonl'), 2, root.id), status: 'in_progress' });
  const merged = await mergedResultsForChain(store, root);
  assert.deepEqual(merged.pending.map((j) => j.id), ['bw-r1']);
  assert.deepEqual([...merged.rows].map((r) => r.outcome), ['succeeded', 'errored']);
  const page = await new RowQuery(merged.rows, input).page({ filter: 'all', search: '', sort: { key: 'line', dir: 'asc' } }, 0, 2);
  assert.deepEqual(page.rows.map((r) => [r.input, r.output]), [['text of a', 'ok a'], ['text of b', '⚠ e: failed b']]);
});

test('CSV escaping follows RFC 4180', async () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(undefined), '');
  assert.equal(csvField(0), '0');
  assert.equal(csvRow(['x', 'y,z', 3]), 'x,"y,z",3\r\n');

  const dir = await mkdtemp(join(tmpdir(), 'bw-csv-'));
  const out = join(dir, 'out.csv');
  // Records on disk (the export reads the texts from there), as joinResults writes them.
  const records = join(dir, 'results.jsonl');
  const recs = [
    { customId: 'id,1', line: 1, outcome: 'succeeded', outputText: 'He said "yes",\nthen left', usage: { inputTokens: 3, outputTokens: 4 }, jobId: 'j', attempt: 1 },
    { customId: 'id2', line: 2, outcome: 'errored', errorCode: 'rate_limit', errorMessage: 'slow down', jobId: 'j', attempt: 1 },
  ].map((r) => JSON.stringify(r));
  await writeFile(records, recs.join('\n') + '\n');
  const rows = new MergedRows({ jobId: 'j', attempt: 1 });
  rows.setResult(rows.push(1, 'id,1', noInput), { outcome: 'succeeded', jobId: 'j', attempt: 1, usage: { inputTokens: 3, outputTokens: 4 }, source: { path: records, offset: 0, bytes: Buffer.byteLength(recs[0]!) } });
  rows.setResult(rows.push(2, 'id2', noInput), { outcome: 'errored', jobId: 'j', attempt: 1, source: { path: records, offset: Buffer.byteLength(recs[0]!) + 1, bytes: Buffer.byteLength(recs[1]!) } });
  await exportMerged(rows, out);
  assert.equal(
    await readFile(out, 'utf8'),
    'custom_id,outcome,quality,input,output,error,input_tokens,output_tokens\r\n"id,1",succeeded,ok,,"He said ""yes"",\nthen left",,3,4\r\nid2,errored,,,,rate_limit: slow down,,\r\n',
  );
  const jsonl = join(dir, 'out.jsonl');
  const missing = new MergedRows({ jobId: 'j', attempt: 1 });
  missing.push(7, 'q', noInput);
  await exportMerged(missing, jsonl);
  assert.deepEqual(JSON.parse(await readFile(jsonl, 'utf8')), { custom_id: 'q', line: 7, outcome: 'missing', quality: null, output: null, error: null, usage: null, job: 'j', attempt: 1 });
});

test('retry file: succeeded outputs that fail the request JSON schema can be included, as original lines', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-schema-'));
  const store = new JobStore(join(dir, 'home'));
  const schema = { type: 'object', required: ['label'], properties: { label: { enum: ['pos', 'neg'] } } };
  const withSchema = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: id }], response_format: { type: 'json_schema', json_schema: { name: 's', schema } } } });
  const input = join(dir, 'in.jsonl');
  const lines = [withSchema('good'), withSchema('bad'), withSchema('notjson'), line('plain'), withSchema('err')];
  await writeFile(input, lines.join('\n') + '\n');
  const root = await finished(store, job('bw-s', input, 1), [ok('good', '{"label":"pos"}'), ok('bad', '{"label":"meh"}'), ok('notjson', 'positive'), ok('plain', 'anything'), fail('err')]);
  const rows = (await mergedResultsForChain(store, root)).rows;
  const out = join(dir, 'retry.jsonl');
  assert.equal(await writeFailedLines(input, rows, out, { include: (_row, text, output) => outputFailsSchema(text, output) }), 3);
  assert.equal(await readFile(out, 'utf8'), [lines[1], lines[2], lines[4]].join('\n') + '\n');
  assert.equal(await writeFailedLines(input, rows, out), 1);
});

test('merge: a root record whose line no longer holds its id (input edited after the download) still finds its row by id', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-merge-'));
  const store = new JobStore(join(dir, 'home'));
  const input = join(dir, 'in.jsonl');
  await writeFile(input, [line('a'), line('b')].join('\n') + '\n');
  const root = await finished(store, job('bw-root', input, 1), [ok('a'), fail('b')]);
  // A line put in front: every record's line number is now off by one.
  await writeFile(input, [line('new'), line('a'), line('b')].join('\n') + '\n');
  const merged = await mergedResultsForChain(store, root);
  assert.deepEqual([...merged.rows].map((r) => [r.line, r.customId, r.outcome]), [[1, 'new', 'missing'], [2, 'a', 'succeeded'], [3, 'b', 'errored']]);
});

test('a retry file left for review is found again by its place (the parent job folder), edited or not, and knows once it was sent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-retryfile-'));
  const store = new JobStore(join(dir, 'home'));
  const input = join(dir, 'in.jsonl');
  await writeFile(input, ['a', 'b', 'c'].map(line).join('\n') + '\n');
  const root = await finished(store, job('bw-root', input, 1), [ok('a'), fail('b'), fail('c')]);
  const plan = await buildRetryFile({ store, job: root });
  assert.equal(plan.retryFile, join(store.jobDir('bw-root'), 'retry-1.jsonl'));
  // The user edits it during the review: one line removed.
  await writeFile(plan.retryFile, line('c') + '\n\n');
  const found = await planForRetryFile(store, plan.retryFile);
  assert.ok(found);
  assert.deepEqual({ parent: found.parent.id, requests: found.requests, name: found.name, attempt: found.attempt, sent: found.submittedAs.length }, { parent: 'bw-root', requests: 1, name: 'labels (retry 1)', attempt: 2, sent: 0 });
  await store.save({ ...job('bw-r1', plan.retryFile, 2, 'bw-root'), status: 'in_progress' });
  assert.deepEqual((await planForRetryFile(store, plan.retryFile))!.submittedAs.map((j) => j.id), ['bw-r1']);
  // Elsewhere, or another name: not a retry file.
  await writeFile(join(dir, 'retry-1.jsonl'), line('c') + '\n');
  assert.equal(await planForRetryFile(store, join(dir, 'retry-1.jsonl')), undefined);
  assert.equal(await planForRetryFile(store, input), undefined);
});

test('the resubmit confirmation says what the retry costs', () => {
  const e = { standardCost: 0.0246, batchCost: 0.0123, currency: 'USD', inputTokens: 1200, tokenMethod: 'exact' } as unknown as FileEstimate;
  assert.equal(retryCostLine(e), 'Estimated cost: $0.012 at the batch rate (standard $0.025), 1,200 input tokens.');
  assert.equal(retryCostLine({ ...e, standardCost: null, batchCost: null, reason: 'no price for model m' }), 'Estimated cost: unknown (no price for model m).');
  assert.equal(retryCostLine(null, 'cannot read the file'), 'Estimated cost: unknown (cannot read the file).');
});
