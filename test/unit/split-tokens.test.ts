import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { RequestOverTokenBudget, planParts, readPartLines } from '../../src/core/split';
import { enqueuedTokenCounter, enqueuedTokensOfLine } from '../../src/core/enqueuedTokens';
import { estimateFile } from '../../src/core/estimate';
import { runCliCaptured } from '../support/cli';

// Issue 18: parts respect an enqueued-token budget (input tokens plus max_tokens) next to count and bytes.
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-split-tokens-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const words = ['revenue', 'grew', 'while', 'churn', 'fell', 'in', 'the', 'quarter', 'and', 'forecasts', 'hold'];
const line = (i: number, maxTokens = 50) =>
  JSON.stringify({ custom_id: `r-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content: Array.from({ length: 5 + (i % 40) }, (_, k) => words[(i + k) % words.length]).join(' ') }] } });

test('a line counts its input tokens as the estimate does, plus the max_tokens it reserves', async () => {
  const text = line(3, 120);
  const path = join(dir, 'one.jsonl');
  await writeFile(path, text + '\n');
  const estimate = await estimateFile(path);
  const count = await enqueuedTokenCounter('openai');
  assert.equal(count(text), estimate.inputTokens + 120);
  // The exact o200k count of the message text is inside it (framing tokens come on top).
  const content = (JSON.parse(text) as { body: { messages: { content: string }[] } }).body.messages[0]!.content;
  assert.ok(count(text) - 120 > countTokens(content));
  assert.equal(enqueuedTokensOfLine('not json'), 0);
});

test('no part goes over the budget, the parts hold every line once, and their totals are their lines\' tokens', async () => {
  const lines = Array.from({ length: 400 }, (_, i) => line(i));
  const path = join(dir, 'many.jsonl');
  await writeFile(path, lines.join('\n') + '\n');
  const of = await enqueuedTokenCounter('openai');
  const total = lines.reduce((n, l) => n + of(l), 0);
  const budget = Math.ceil(total / 7);
  const parts = await planParts(path, { maxRequests: 1000, maxBytes: 1e9, maxTokens: { budget, of } });
  assert.ok(parts.length >= 7 && parts.length <= 9, `${parts.length} parts`);
  const seen: string[] = [];
  for (const p of parts) {
    let t = 0;
    for await (const l of readPartLines(path, p)) {
      t += of(l);
      seen.push(l);
    }
    assert.equal(p.tokens, t);
    assert.ok(t <= budget, `part ${p.index} holds ${t} > ${budget}`);
  }
  assert.deepEqual(seen, lines);
  // Whichever binds first: a small request count splits further.
  assert.ok((await planParts(path, { maxRequests: 20, maxBytes: 1e9, maxTokens: { budget, of } })).length >= 20);
});

test('a single request over the budget is an error naming its line', async () => {
  const path = join(dir, 'big.jsonl');
  await writeFile(path, [line(1), line(2, 5000), line(3)].join('\n') + '\n');
  const of = await enqueuedTokenCounter('openai');
  await assert.rejects(planParts(path, { maxRequests: 100, maxBytes: 1e9, maxTokens: { budget: 1000, of } }), (e: unknown) => e instanceof RequestOverTokenBudget && e.line === 2 && /line 2 holds 5,0\d\d tokens \(input plus max_tokens\), more than the budget of 1,000 per batch/.test(e.message));
  const r = await runCliCaptured(['split', path, '--max-tokens', '1000', '--out-dir', join(dir, 'out-big')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /big\.jsonl:2: line 2 holds/);
});

test('batchwise split --max-tokens writes parts within the budget and reports their tokens', async () => {
  const path = join(dir, 'cli.jsonl');
  await writeFile(path, Array.from({ length: 60 }, (_, i) => line(i)).join('\n') + '\n');
  const r = await runCliCaptured(['split', path, '--max-tokens', '900', '--out-dir', join(dir, 'out'), '--json']);
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out) as { maxTokens: number; parts: { path: string; tokens: number; requests: number }[] };
  assert.equal(out.maxTokens, 900);
  assert.ok(out.parts.length > 1);
  const of = await enqueuedTokenCounter('openai');
  for (const p of out.parts) {
    const text = (await readFile(p.path, 'utf8')).trim().split('\n');
    assert.equal(text.length, p.requests);
    assert.equal(text.reduce((n, l) => n + of(l), 0), p.tokens);
    assert.ok(p.tokens <= 900);
  }
  assert.equal(out.parts.reduce((n, p) => n + p.requests, 0), 60);
});
