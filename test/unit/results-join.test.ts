import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinResults } from '../../src/core/results/join';
import { SummaryBuilder, errorGroupLabel } from '../../src/core/results/summary';
import { ResultRecordSchema, type ProviderResult } from '../../src/core/results/record';
import { parseResultLine } from '../../src/core/results/resultLine';

const line = (id: string, text = `say ${id}`) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });
const ok = (id: string, text = `answer ${id}`): ProviderResult => ({ customId: id, outcome: 'succeeded', outputText: text, raw: { id }, usage: { inputTokens: 10, outputTokens: 5 } });
const err = (id: string, message = 'boom'): ProviderResult => ({ customId: id, outcome: 'errored', raw: { id }, errorCode: 'server_error', errorMessage: message });

async function setup(lines: string[], eol = '\n') {
  const dir = await mkdtemp(join(tmpdir(), 'bw-join-'));
  const inputPath = join(dir, 'in.jsonl');
  await writeFile(inputPath, lines.join(eol) + eol);
  return { dir, inputPath, outPath: join(dir, 'results.jsonl') };
}

async function records(path: string) {
  return (await readFile(path, 'utf8')).trim().split('\n').map((l) => ResultRecordSchema.parse(JSON.parse(l)));
}

function shuffle<T>(xs: T[], seed = 7): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

test('join: results in shuffled order land on their own input lines, in input order', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `req-${i}`);
  const { inputPath, outPath } = await setup(ids.map((id) => line(id)));
  const { summary } = await joinResults({ inputPath, outPath, results: shuffle(ids.map((id) => ok(id))), jobId: 'j1', attempt: 1 });
  const recs = await records(outPath);
  assert.equal(recs.length, 200);
  recs.forEach((r, i) => {
    assert.equal(r.customId, `req-${i}`);
    assert.equal(r.line, i + 1);
    assert.equal(r.outputText, `answer req-${i}`);
    assert.equal(r.jobId, 'j1');
  });
  const s = summary.build({ jobId: 'j1' });
  assert.equal(s.counts.succeeded, 200);
  assert.deepEqual(s.usage, { inputTokens: 2000, outputTokens: 1000, cachedTokens: 0 });
});

test('join: lines without a result are missing, never dropped; unknown ids are counted', async () => {
  const { inputPath, outPath } = await setup(['a', 'b', 'c', 'd'].map((id) => line(id)));
  const { summary } = await joinResults({ inputPath, outPath, results: [ok('c'), ok('zzz'), err('a')], jobId: 'j', attempt: 1 });
  const recs = await records(outPath);
  assert.deepEqual(recs.map((r) => [r.customId, r.outcome]), [['a', 'errored'], ['b', 'missing'], ['c', 'succeeded'], ['d', 'missing']]);
  const s = summary.build({ jobId: 'j' });
  assert.equal(s.unmatched, 1);
  assert.equal(s.counts.missing, 2);
  assert.deepEqual(s.topErrors, [{ message: 'boom', code: 'server_error', count: 1, lines: [1] }]);
});

test('join: duplicates: a success wins over an error in either order, and duplicates are reported', async () => {
  const { inputPath, outPath } = await setup(['a', 'b', 'c'].map((id) => line(id)));
  const { summary } = await joinResults({ inputPath, outPath, results: [err('a'), ok('a'), ok('b'), err('b'), err('c', 'first'), err('c', 'second')], jobId: 'j', attempt: 1 });
  const recs = await records(outPath);
  assert.deepEqual(recs.map((r) => r.outcome), ['succeeded', 'succeeded', 'errored']);
  assert.equal(recs[2]!.errorMessage, 'second');
  const s = summary.build({ jobId: 'j' });
  assert.equal(s.duplicates, 3);
  assert.equal(s.total, 3);
  assert.equal(s.counts.succeeded, 2);
  assert.equal(s.counts.errored, 1);
  assert.deepEqual(s.topErrors, [{ message: 'second', code: 'server_error', count: 1, lines: [3] }]);
  assert.equal(s.usage.inputTokens, 20);
});

test('join: an OpenAI error file only (a completed batch whose lines all failed) gives errored records and the top error', async () => {
  const ids = ['x1', 'x2', 'x3'];
  const { inputPath, outPath } = await setup(ids.map((id) => line(id)));
  const errorFile = ids.map((id) => JSON.stringify({ id: `batch_req_${id}`, custom_id: id, response: { status_code: 429, body: { error: { message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limit_exceeded' } } }, error: null }));
  const results = errorFile.map((l) => parseResultLine(l)!);
  const { summary } = await joinResults({ inputPath, outPath, results, jobId: 'j', attempt: 1 });
  const recs = await records(outPath);
  assert.ok(recs.every((r) => r.outcome === 'errored' && r.errorCode === 'rate_limit_exceeded'));
  const s = summary.build({ jobId: 'j' });
  assert.deepEqual(s.topErrors, [{ message: 'Rate limit reached', code: 'rate_limit_exceeded', count: 3, lines: [1, 2, 3] }]);
});

test('join: part fallbacks turn missing lines into expired; blank lines are not requests; no temp file is left', async () => {
  const { dir, inputPath, outPath } = await setup([line('a'), '', line('b'), line('c')], '\r\n');
  await joinResults({ inputPath, outPath, results: [ok('a')], jobId: 'j', attempt: 2, fallback: (l) => (l >= 3 ? { outcome: 'expired', errorCode: 'batch_expired' } : undefined) });
  const recs = await records(outPath);
  assert.deepEqual(recs.map((r) => [r.customId, r.line, r.outcome, r.attempt]), [['a', 1, 'succeeded', 2], ['b', 3, 'expired', 2], ['c', 4, 'expired', 2]]);
  assert.deepEqual((await readdir(dir)).sort(), ['in.jsonl', 'results.jsonl']);
});

test('join: Gemini keys and Anthropic results join by id', async () => {
  const { inputPath, outPath } = await setup([JSON.stringify({ key: 'g1', request: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] } }), JSON.stringify({ key: 'g2', request: { contents: [] } })]);
  const results = [
    parseResultLine(JSON.stringify({ key: 'g2', response: { candidates: [{ content: { parts: [{ text: 'two' }] } }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 } } }))!,
    parseResultLine(JSON.stringify({ key: 'g1', error: { code: 400, message: 'bad' } }))!,
  ];
  await joinResults({ inputPath, outPath, results, jobId: 'j', attempt: 1 });
  const recs = await records(outPath);
  assert.deepEqual(recs.map((r) => [r.customId, r.outcome, r.outputText ?? r.errorMessage]), [['g1', 'errored', 'bad'], ['g2', 'succeeded', 'two']]);
  const a = parseResultLine(JSON.stringify({ custom_id: 'q', result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } } }))!;
  assert.deepEqual([a.outcome, a.errorCode, a.errorMessage], ['errored', 'overloaded_error', 'Overloaded']);
  const e = parseResultLine(JSON.stringify({ custom_id: 'q', result: { type: 'expired' } }))!;
  assert.equal(e.outcome, 'expired');
});

test('top errors: messages that differ only in numbers count as one kind, others stay apart', async () => {
  const b = new SummaryBuilder();
  for (const line of [2, 5, 11, 40]) b.add({ outcome: 'errored', errorCode: 'invalid_request_error', errorMessage: `Failed on purpose (line ${line}).`, line });
  b.add({ outcome: 'errored', errorCode: 'invalid_request_error', errorMessage: 'Model not found.', line: 7 });
  const s = b.build({ jobId: 'j' });
  assert.deepEqual(s.topErrors.map((e) => [e.message, e.count]), [['Failed on purpose (line 2).', 4], ['Model not found.', 1]]);
  // A group is said as a group with its first lines, never as the one line its message names (issue 13).
  assert.deepEqual(s.topErrors.map(errorGroupLabel), ['4 lines, e.g. lines 2, 5, 11', '1 line (line 7)']);
  assert.equal(errorGroupLabel({ count: 1000, lines: [12] }), '1,000 lines, e.g. line 12');
});
