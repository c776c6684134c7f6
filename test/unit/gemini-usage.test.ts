import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResultLine } from '../../src/core/results/resultLine';
import { SummaryBuilder } from '../../src/core/results/summary';
import { lookupPrice } from '../../src/core/pricingData';
import { geminiResult, parseGeminiResultLine } from '../../src/providers/gemini';

/*
 * A thinking model's answer, as Google's docs print it (Firebase AI Logic, "server prompt templates", a
 * gemini-3-flash-preview GenerateContentResponse): 34 prompt + 418 candidate + 438 thought tokens = 890 total.
 * The Gemini API reference (UsageMetadata) defines totalTokenCount as prompt + candidates + toolUsePrompt + thoughts,
 * and the pricing page bills output "including thinking tokens".
 */
const response = {
  candidates: [{ content: { parts: [{ text: '```json\n{"title": "..."}\n```' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 34, candidatesTokenCount: 418, totalTokenCount: 890, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 34 }], thoughtsTokenCount: 438 },
  modelVersion: 'gemini-3-flash-preview',
  responseId: '3w4Vad6yF-y1vdIP_q_zgAw',
};
/** The same answer as a line of a batch's result file (`{key, response}`). */
const resultLine = JSON.stringify({ key: 'thinking-1', response });

test('Gemini thinking tokens count as output: input + output is the API\'s totalTokenCount', () => {
  for (const usage of [parseResultLine(resultLine)?.usage, parseGeminiResultLine(resultLine)?.usage, geminiResult('thinking-1', response, undefined, response).usage]) {
    assert.deepEqual(usage, { inputTokens: 34, outputTokens: 418 + 438 });
    assert.equal(usage.inputTokens + usage.outputTokens, response.usageMetadata.totalTokenCount);
  }
});

test('tool results fed back to the model (toolUsePromptTokenCount) count as input; cached tokens are kept apart', () => {
  const u = { promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 20, thoughtsTokenCount: 30, toolUsePromptTokenCount: 5, totalTokenCount: 155 };
  const usage = parseResultLine(JSON.stringify({ key: 'k', response: { ...response, usageMetadata: u } }))?.usage;
  assert.deepEqual(usage, { inputTokens: 105, outputTokens: 50, cachedTokens: 40 });
});

test('the actual cost bills thinking tokens at the output rate', () => {
  const price = lookupPrice('gemini-2.5-flash');
  assert.ok(price);
  const b = new SummaryBuilder();
  b.add({ outcome: 'succeeded', usage: parseResultLine(resultLine)!.usage });
  const s = b.build({ jobId: 'j', price });
  assert.deepEqual(s.usage, { inputTokens: 34, outputTokens: 856, cachedTokens: 0 });
  assert.deepEqual([price.input, price.output], [0.3, 2.5], 'gemini-2.5-flash list price, USD per 1M tokens');
  // (34 x 0.30 + 856 x 2.50) / 1M = 0.0021502 at the standard rate, half at the batch rate; to 6 decimals.
  assert.equal(s.standardCost, 0.00215);
  assert.equal(s.actualCost, 0.001075);
});

// SingleEmbedContentResponse in @google/genai dist/genai.d.ts: `{ embedding?: ContentEmbedding; tokenCount?: string }`,
// an int64 as a string. An embedding has no output, so those tokens are all input.
test('an embedding answer\'s tokenCount counts as input tokens, so an embedding batch is not free', () => {
  const embed = { embedding: { values: [0.6, 0.8] }, tokenCount: '20000' };
  const embedLine = JSON.stringify({ key: 'e1', response: embed });
  for (const usage of [parseGeminiResultLine(embedLine)?.usage, geminiResult('e1', embed, undefined, embed).usage]) {
    assert.deepEqual(usage, { inputTokens: 20000, outputTokens: 0 });
  }
  const price = lookupPrice('gemini-embedding-001');
  assert.ok(price);
  const b = new SummaryBuilder();
  b.add({ outcome: 'succeeded', usage: parseGeminiResultLine(embedLine)!.usage });
  const s = b.build({ jobId: 'j', price });
  assert.equal(price.input, 0.15, 'gemini-embedding-001 list price, USD per 1M input tokens');
  // 20000 x 0.15 / 1M = 0.003 at the standard rate, half at the batch rate.
  assert.equal(s.standardCost, 0.003);
  assert.equal(s.actualCost, 0.0015);
});
