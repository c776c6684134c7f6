import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookupPrice, PRICE_TABLE, PRICING_DATE, PRICING_SOURCES } from '../../src/core/pricingData';

test('the table carries its date and a source per provider, and covers the main models', () => {
  assert.match(PRICING_DATE, /^\d{4}-\d{2}-\d{2}$/);
  for (const url of Object.values(PRICING_SOURCES)) assert.match(url, /^https:\/\//);
  for (const m of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1', 'claude-3-5-sonnet', 'claude-3-5-haiku', 'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite']) {
    assert.ok(PRICE_TABLE[m], m);
  }
});

test('exact ids match; the batch price is the stated one or half the standard', () => {
  const p = lookupPrice('gpt-4o')!;
  assert.deepEqual([p.matched, p.source, p.input, p.output, p.batchInput, p.batchOutput], ['gpt-4o', 'table', 2.5, 10, 1.25, 5]);
  const s = lookupPrice('claude-sonnet-4-5')!;
  assert.equal(s.batchInput, s.input / 2);
  assert.equal(s.batchOutput, s.output / 2);
});

test('dated and prefixed ids find the longest matching prefix', () => {
  assert.equal(lookupPrice('gpt-4o-2024-08-06')!.matched, 'gpt-4o');
  assert.equal(lookupPrice('gpt-4o-mini-2024-07-18')!.matched, 'gpt-4o-mini');
  assert.equal(lookupPrice('claude-sonnet-4-5-20250929')!.matched, 'claude-sonnet-4-5');
  assert.equal(lookupPrice('claude-sonnet-4-20250514')!.matched, 'claude-sonnet-4');
  assert.equal(lookupPrice('models/gemini-2.5-flash-lite')!.matched, 'gemini-2.5-flash-lite');
  assert.equal(lookupPrice('gemini-2.5-flash-preview-09-2025')!.matched, 'gemini-2.5-flash');
});

test('a prefix only matches at a separator, and unknown models have no price', () => {
  assert.equal(lookupPrice('gpt-4.5-preview'), null, 'gpt-4 must not price gpt-4.5');
  assert.equal(lookupPrice('o3x'), null);
  assert.equal(lookupPrice('llama-3.1-8b'), null);
  assert.equal(lookupPrice(null), null);
});

test('overrides win: exact, and by prefix, without capturing a longer table id', () => {
  const overrides = { 'gpt-4o': { input: 1, output: 2 }, 'my-model': { input: 3, output: 4, batchInput: 1, batchOutput: 1 } };
  const exact = lookupPrice('gpt-4o', overrides)!;
  assert.deepEqual([exact.source, exact.input, exact.batchInput], ['override', 1, 0.5]);
  assert.equal(lookupPrice('gpt-4o-2024-08-06', overrides)!.source, 'override');
  assert.equal(lookupPrice('gpt-4o-mini', overrides)!.source, 'table');
  const mine = lookupPrice('my-model-v2', overrides)!;
  assert.deepEqual([mine.matched, mine.batchInput, mine.batchOutput], ['my-model', 1, 1]);
});
