import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeChat } from 'gpt-tokenizer/encoding/o200k_base';
import { DEFAULT_MAX_OUTPUT_TOKENS, estimateFile, TYPICAL_OUTPUT_TOKENS } from '../../src/core/estimate';
import { PRICING_DATE } from '../../src/core/pricingData';

async function file(lines: unknown[], raw = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-est-'));
  const p = join(dir, 'in.jsonl');
  await writeFile(p, lines.map((l) => JSON.stringify(l)).join('\n') + '\n' + raw);
  return p;
}

const chat = (id: string, content: string, extra: Record<string, unknown> = {}, model = 'gpt-4o-mini') => ({
  custom_id: id,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content }], ...extra },
});

test('OpenAI chat: exact tokens, output bounds from max_tokens / max_completion_tokens / default, costs', async () => {
  const p = await file([chat('a', 'Hello there, how are you?', { max_tokens: 100 }), chat('b', 'Summarize: cats are great.', { max_completion_tokens: 1000 }), chat('c', 'Tell me a story')]);
  const e = await estimateFile(p);
  const expected = ['Hello there, how are you?', 'Summarize: cats are great.', 'Tell me a story'].reduce((n, c) => n + encodeChat([{ role: 'user', content: c }], 'gpt-4o').length, 0);
  assert.equal(e.requests, 3);
  assert.equal(e.inputTokens, expected);
  assert.equal(e.outputTokensMax, 100 + 1000 + DEFAULT_MAX_OUTPUT_TOKENS);
  assert.equal(e.outputTokensTypical, 100 + TYPICAL_OUTPUT_TOKENS + TYPICAL_OUTPUT_TOKENS);
  assert.equal(e.defaultedMaxTokens, 1);
  assert.equal(e.tokenMethod, 'exact');
  assert.deepEqual(e.encodings, ['o200k_base']);
  assert.equal(e.provider, 'openai');
  assert.equal(e.model, 'gpt-4o-mini');
  assert.equal(e.currency, 'USD');
  assert.equal(e.pricingDate, PRICING_DATE);
  // gpt-4o-mini: 0.15 / 0.60 per 1M standard, 0.075 / 0.30 batch
  const std = (expected * 0.15 + e.outputTokensTypical * 0.6) / 1e6;
  assert.ok(Math.abs(e.standardCost! - std) < 1e-6);
  assert.ok(Math.abs(e.batchCost! - std / 2) < 1e-6);
  assert.ok(Math.abs(e.saving! - std / 2) < 2e-6);
  assert.ok(e.standardCostMax! > e.standardCost!);
  assert.equal(e.sampledLines, null);
});

test('an override from the setting changes the price', async () => {
  const p = await file([chat('a', 'hi', { max_tokens: 10 })]);
  const e = await estimateFile(p, { overrides: { 'gpt-4o-mini': { input: 1_000_000, output: 0 } } });
  assert.equal(e.standardCost, e.inputTokens);
  assert.equal(e.batchCost, e.inputTokens / 2);
});

test('an unknown model gives null costs with the reason, but still counts tokens', async () => {
  const p = await file([chat('a', 'hello', { max_tokens: 5 }, 'my-finetune-xyz')]);
  const e = await estimateFile(p);
  assert.equal(e.standardCost, null);
  assert.equal(e.batchCost, null);
  assert.equal(e.saving, null);
  assert.equal(e.pricingDate, null);
  assert.match(e.reason!, /my-finetune-xyz/);
  assert.match(e.reason!, /batchwise\.pricing/);
  assert.ok(e.inputTokens > 0);
});

test('Anthropic: approximate tokens, max_tokens sum, claude price', async () => {
  const p = await file([
    { custom_id: 'a', params: { model: 'claude-sonnet-4-5-20250929', max_tokens: 200, system: 'x'.repeat(35), messages: [{ role: 'user', content: 'y'.repeat(70) }] } },
    { custom_id: 'b', params: { model: 'claude-sonnet-4-5-20250929', max_tokens: 300, messages: [{ role: 'user', content: [{ type: 'text', text: 'z'.repeat(7) }] }] } },
  ]);
  const e = await estimateFile(p);
  assert.equal(e.provider, 'anthropic');
  assert.equal(e.tokenMethod, 'approx');
  assert.equal(e.inputTokens, 10 + 20 + 3 + 2 + 3);
  assert.equal(e.outputTokensMax, 500);
  assert.equal(e.models[0]!.price!.matched, 'claude-sonnet-4-5');
  assert.ok(Math.abs(e.standardCost! - (38 * 3 + 500 * 15) / 1e6) < 1e-6, String(e.standardCost));
});

test('Gemini without a model in the lines: priced with opts.model, else a reason naming --model', async () => {
  const lines = [{ key: 'k1', request: { contents: [{ role: 'user', parts: [{ text: 'hello gemini' }] }], generationConfig: { maxOutputTokens: 64 } } }];
  const p = await file(lines);
  const none = await estimateFile(p);
  assert.equal(none.batchCost, null);
  assert.match(none.reason!, /--model/);
  const priced = await estimateFile(p, { model: 'gemini-2.5-flash' });
  assert.ok(priced.batchCost! > 0);
  assert.equal(priced.outputTokensMax, 64);
});

test('embeddings: no output tokens, embedding price', async () => {
  const p = await file([{ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'a sentence to embed' } }]);
  const e = await estimateFile(p);
  assert.equal(e.outputTokensMax, 0);
  assert.equal(e.outputTokensTypical, 0);
  assert.ok(Math.abs(e.batchCost! - (e.inputTokens * 0.01) / 1e6) < 1e-9);
});

test('local provider is never priced; bad lines are skipped and counted', async () => {
  const p = await file([chat('a', 'hi', { max_tokens: 5 })], 'not json\n\n{"x":1}\n');
  const e = await estimateFile(p, { provider: 'local' });
  assert.equal(e.requests, 1);
  assert.equal(e.skippedLines, 2);
  assert.equal(e.batchCost, null);
  assert.match(e.reason!, /self-hosted/);
});

test('sampling past the exact budget stays close to the exact count and says how many lines were tokenized', async () => {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'theta', 'lambda'];
  const lines = Array.from({ length: 400 }, (_, i) => chat(`r${i}`, Array.from({ length: 20 + (i % 7) }, (_, j) => words[(i * 7 + j) % words.length]).join(' '), { max_tokens: 10 }));
  const p = await file(lines);
  const exact = await estimateFile(p);
  const sampled = await estimateFile(p, { exactChars: 1000, sampleStride: 10 });
  assert.equal(exact.sampledLines, null);
  assert.ok(sampled.sampledLines! > 0 && sampled.sampledLines! < 400, String(sampled.sampledLines));
  assert.equal(sampled.requests, 400);
  const err = Math.abs(sampled.inputTokens - exact.inputTokens) / exact.inputTokens;
  assert.ok(err < 0.05, `sampled ${sampled.inputTokens} vs exact ${exact.inputTokens}`);
});

test('mixed models are priced per model', async () => {
  const p = await file([chat('a', 'hello', { max_tokens: 10 }, 'gpt-4o'), chat('b', 'hello', { max_tokens: 10 }, 'gpt-4o-mini'), chat('c', 'hello', { max_tokens: 10 }, 'gpt-4o-mini')]);
  const e = await estimateFile(p);
  assert.equal(e.models.length, 2);
  assert.equal(e.model, 'gpt-4o-mini');
  const sum = e.models.reduce((a, m) => a + m.standardCost!, 0);
  assert.ok(Math.abs(e.standardCost! - sum) < 1e-6);
});

test('images and videos have no per-token price: "unknown price" with why; moderations are free', async () => {
  const img = await file([{ custom_id: 'i', method: 'POST', url: '/v1/images/generations', body: { model: 'gpt-image-1', prompt: 'A cute baby sea otter', size: '1024x1024' } }]);
  const e = await estimateFile(img);
  assert.equal(e.requests, 1);
  assert.equal(e.standardCost, null);
  assert.equal(e.batchCost, null);
  assert.equal(e.outputTokensMax, 0, 'no 4,096-token reply assumed for an image');
  assert.match(e.reason ?? '', /^unknown price: \/v1\/images\/generations is priced per image/);
  const vid = await estimateFile(await file([{ custom_id: 'v', method: 'POST', url: '/v1/videos', body: { model: 'sora-2', prompt: 'A cat at a piano' } }]));
  assert.match(vid.reason ?? '', /per second of video/);
  // https://platform.openai.com/docs/guides/moderation: free to use.
  const mod = await estimateFile(await file([{ custom_id: 'm', method: 'POST', url: '/v1/moderations', body: { model: 'omni-moderation-latest', input: 'hello' } }]));
  assert.equal(mod.standardCost, 0);
  assert.equal(mod.batchCost, 0);
  assert.equal(mod.reason, undefined);
});
