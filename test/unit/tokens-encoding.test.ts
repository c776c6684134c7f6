import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeChat as encodeChatO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { encodeChat as encodeChatCl100k, encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { approxTokens, loadEncoders, countRequest, describeRequest, encodingForModel, lineFormat, tokenCounterFor, APPROX_CHARS_PER_TOKEN } from '../../src/core/tokens';

before(() => loadEncoders());

test('each OpenAI model family gets its encoding', () => {
  for (const m of ['gpt-4o', 'gpt-4o-mini-2024-07-18', 'gpt-4.1-nano', 'gpt-5', 'gpt-5-mini', 'o3', 'o4-mini', 'o1-2024-12-17', 'models/gpt-4o']) {
    assert.equal(encodingForModel(m), 'o200k_base', m);
  }
  for (const m of ['gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo-0125', 'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002']) {
    assert.equal(encodingForModel(m), 'cl100k_base', m);
  }
  for (const m of ['claude-sonnet-4-5', 'gemini-2.5-flash', 'meta-llama/Llama-3.1-8B-Instruct', '', null]) {
    assert.equal(encodingForModel(m), null, String(m));
  }
});

test('the two encodings really differ, and the counter uses the right one', () => {
  const text = 'Ünïcödé façade — 東京 and naïve résumé cafés; supercalifragilistic tokenization';
  assert.notEqual(encodeO200k(text).length, encodeCl100k(text).length);
  assert.equal(tokenCounterFor('openai', 'gpt-4o').count(text), encodeO200k(text).length);
  assert.equal(tokenCounterFor('openai', 'gpt-4').count(text), encodeCl100k(text).length);
});

test('chat requests count like gpt-tokenizer encodeChat (per-message framing included)', () => {
  const messages = [
    { role: 'system' as const, content: 'You label sentiment. Answer with one word.' },
    { role: 'user' as const, content: 'The delivery was late but the product is excellent.' },
    { role: 'assistant' as const, content: 'positive' },
    { role: 'user' as const, content: 'And this one: "never again"' },
  ];
  const line = (model: string) => ({ custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: { model, messages } });
  const r4o = describeRequest(line('gpt-4o'), 'openai')!;
  assert.equal(countRequest(r4o, tokenCounterFor('openai', 'gpt-4o')), encodeChatO200k(messages, 'gpt-4o').length);
  const r4 = describeRequest(line('gpt-4'), 'openai')!;
  assert.equal(countRequest(r4, tokenCounterFor('openai', 'gpt-4')), encodeChatCl100k(messages, 'gpt-4').length);
});

test('Claude and Gemini are approximated at 3.5 characters per token', () => {
  assert.equal(APPROX_CHARS_PER_TOKEN, 3.5);
  assert.equal(approxTokens('x'.repeat(35)), 10);
  assert.equal(approxTokens('x'.repeat(36)), 11);
  const counter = tokenCounterFor('anthropic', 'claude-sonnet-4-5');
  assert.equal(counter.method, 'approx');
  const r = describeRequest({ custom_id: 'a', params: { model: 'claude-sonnet-4-5', max_tokens: 50, system: 'x'.repeat(70), messages: [{ role: 'user', content: 'y'.repeat(35) }] } }, 'anthropic')!;
  assert.equal(r.maxOutputTokens, 50);
  assert.equal(countRequest(r, counter), 20 + 10 + 3);
  const g = describeRequest({ key: 'k', request: { contents: [{ role: 'user', parts: [{ text: 'z'.repeat(7) }] }], generationConfig: { maxOutputTokens: 77 } } }, 'gemini')!;
  assert.equal(g.maxOutputTokens, 77);
  assert.equal(countRequest(g, tokenCounterFor('gemini', null)), 2 + 3);
});

test('embeddings have no output and count every input', () => {
  const r = describeRequest({ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['hello world', 'bye'] } }, 'openai')!;
  assert.equal(r.noOutput, true);
  assert.equal(r.maxOutputTokens, 0);
  assert.equal(countRequest(r, tokenCounterFor('openai', 'text-embedding-3-small')), encodeCl100k('hello world').length + encodeCl100k('bye').length);
});

test('line formats are told apart by their shape', () => {
  assert.equal(lineFormat({ custom_id: 'a', params: {} }), 'anthropic');
  assert.equal(lineFormat({ key: 'a', request: {} }), 'gemini');
  assert.equal(lineFormat({ custom_id: 'a', url: '/v1/chat/completions', body: {} }), 'openai');
  assert.equal(lineFormat({ foo: 1 }), null);
  assert.equal(lineFormat([1]), null);
});
