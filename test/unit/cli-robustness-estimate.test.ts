import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';
import { countBounded, LONG_RUN_CHARS, loadEncoders, tokenCounterFor } from '../../src/core/tokens';

const cli = (...argv: string[]) => runCliCaptured(argv);

test('estimate of one huge line without spaces (a pasted blob) finishes quickly instead of hanging', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-robust-est-'));
  try {
    const file = join(dir, 'blob.jsonl');
    const blob = 'x'.repeat(3_000_000);
    await writeFile(file, JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: blob }] } }) + '\n');
    const started = Date.now();
    const r = await cli('estimate', file, '--json');
    assert.equal(r.code, 0, r.err);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    const doc = JSON.parse(r.out) as { requests: number; inputTokens: number };
    assert.equal(doc.requests, 1);
    assert.ok(doc.inputTokens > 100_000, `tokens ${doc.inputTokens}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('countBounded is the exact count for ordinary text and scales long runs from a sample', async () => {
  await loadEncoders();
  const counter = tokenCounterFor('openai', 'gpt-4o-mini');
  const exact = (t: string) => counter.count(t);
  const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(2000);
  let calls = 0;
  const spy = (t: string) => {
    calls++;
    return t.length;
  };
  assert.equal(countBounded(spy, prose), prose.length, 'ordinary text: one exact call on the whole text');
  assert.equal(calls, 1);
  assert.ok(exact(prose) > 0);
  const run = 'ab'.repeat(LONG_RUN_CHARS * 5);
  const withRun = `start ${run} end`;
  calls = 0;
  const n = countBounded(spy, withRun);
  assert.ok(calls <= 3, `${calls} calls`);
  assert.ok(Math.abs(n - withRun.length) <= 2, `${n} vs ${withRun.length}`);
});
