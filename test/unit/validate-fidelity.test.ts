import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCount, validateFile, validateText } from '../../src/core/validate';
import { summaryLine } from '../../src/cli/commands/validate';
import { InvalidUtf8Line, planParts } from '../../src/core/split';
import { PROVIDER_LIMITS } from '../../src/core/limits';
import { runCliCaptured } from '../support/cli';

// Issue 11, "What the validator accepts". Test lines come from the providers' own docs and tests where they exist.

const codes = (text: string, provider?: 'openai' | 'local' | 'anthropic' | 'gemini') => validateText(text, { provider }).diagnostics.map((d) => `${d.line}:${d.code}`);
const line = (url: string, body: object, id = 'request-1') => JSON.stringify({ custom_id: id, method: 'POST', url, body });

test('every endpoint an OpenAI batch accepts validates (openai-node BatchCreateParams.endpoint)', () => {
  // https://platform.openai.com/docs/guides/image-generation and the Batch guide: one request per line.
  const files: Record<string, string[]> = {
    '/v1/images/generations': [line('/v1/images/generations', { model: 'gpt-image-1', prompt: 'A cute baby sea otter', n: 1, size: '1024x1024' })],
    '/v1/images/edits': [line('/v1/images/edits', { model: 'gpt-image-1', prompt: 'Add a hat', images: [{ image_url: 'https://example.com/otter.png' }] })],
    '/v1/videos': [line('/v1/videos', { model: 'sora-2', prompt: 'A calico cat playing a piano on stage', seconds: '4' })],
    '/v1/moderations': [line('/v1/moderations', { model: 'omni-moderation-latest', input: 'I want to kill them.' })],
    '/v1/responses': [line('/v1/responses', { model: 'gpt-4.1', input: 'Tell me a joke.' })],
  };
  for (const [endpoint, lines] of Object.entries(files)) {
    const r = validateText(lines.join('\n') + '\n', { provider: 'openai' });
    assert.deepEqual(r.diagnostics, [], `${endpoint}: ${JSON.stringify(r.diagnostics)}`);
    assert.equal(r.endpoint, endpoint);
  }
  const noPrompt = validateText(line('/v1/images/generations', { model: 'gpt-image-1' }) + '\n').diagnostics;
  assert.deepEqual(noPrompt.map((d) => d.code), ['invalid-body']);
  assert.match(noPrompt[0]!.message, /body\.prompt is missing/);
  const noImages = validateText(line('/v1/images/edits', { model: 'gpt-image-1', prompt: 'Add a hat' }) + '\n').diagnostics;
  assert.match(noImages[0]!.message, /body\.images is missing/);
});

test('self-hosted: the URLs vllm run-batch accepts validate, the ones it rejects warn (vllm tests/entrypoints/openai/test_run_batch.py)', () => {
  // INPUT_SCORE_BATCH and INPUT_RERANK_BATCH of vLLM's own test, with its model name.
  const score = [
    '{"custom_id": "request-1", "method": "POST", "url": "/score", "body": {"model": "BAAI/bge-reranker-v2-m3", "queries": "What is the capital of France?", "documents": ["The capital of Brazil is Brasilia.", "The capital of France is Paris."]}}',
    '{"custom_id": "request-2", "method": "POST", "url": "/v1/score", "body": {"model": "BAAI/bge-reranker-v2-m3", "queries": "What is the capital of France?", "documents": ["The capital of Brazil is Brasilia.", "The capital of France is Paris."]}}',
  ];
  const rerank = [
    '{"custom_id": "request-1", "method": "POST", "url": "/rerank", "body": {"model": "BAAI/bge-reranker-v2-m3", "query": "What is the capital of France?", "documents": ["The capital of Brazil is Brasilia.", "The capital of France is Paris."]}}',
    '{"custom_id": "request-2", "method": "POST", "url": "/v1/rerank", "body": {"model": "BAAI/bge-reranker-v2-m3", "query": "What is the capital of France?", "documents": ["The capital of Brazil is Brasilia.", "The capital of France is Paris."]}}',
    '{"custom_id": "request-2", "method": "POST", "url": "/v2/rerank", "body": {"model": "BAAI/bge-reranker-v2-m3", "query": "What is the capital of France?", "documents": ["The capital of Brazil is Brasilia.", "The capital of France is Paris."]}}',
  ];
  // One file per endpoint (a batch runs one endpoint): the score pair is clean apart from the endpoint change.
  assert.deepEqual(codes(score.join('\n') + '\n', 'local'), ['2:mixed-endpoint']);
  // vLLM's own rerank test reuses "request-2": that is the only other thing said about it.
  assert.deepEqual(codes(rerank.join('\n') + '\n', 'local'), ['2:mixed-endpoint', '3:duplicate-custom-id', '3:mixed-endpoint']);
  assert.deepEqual(codes(line('/v1/audio/transcriptions', { model: 'openai/whisper-large-v3', file_url: 'https://example.com/a.wav' }) + '\n', 'local'), []);
  // Batchwise's runner sends /v1/completions to any server; vllm run-batch would not take it.
  assert.deepEqual(codes(line('/v1/completions', { model: 'm', prompt: 'Hi' }) + '\n', 'local'), ['1:vllm-unsupported-url']);
  // OpenAI itself has no /score endpoint.
  assert.deepEqual(codes(score[0]! + '\n', 'openai'), ['1:invalid-url']);
});

test('/v1/embeddings: at most 50,000 embedding inputs across the file; the splitter keeps each part under it', async () => {
  const inputs = (n: number) => Array.from({ length: n }, (_, i) => `text ${i}`);
  const lines = [0, 1, 2].map((i) => line('/v1/embeddings', { model: 'text-embedding-3-small', input: inputs(20_000) }, `e${i}`));
  const r = validateText(lines.join('\n') + '\n', { provider: 'openai' });
  assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.code}`), ['3:too-many-embedding-inputs']);
  assert.match(r.diagnostics[0]!.message, /60,000 inputs by this line; OpenAI accepts at most 50,000 embedding inputs per batch/);
  // A token array is one input, not one per token.
  assert.deepEqual(codes(line('/v1/embeddings', { model: 'text-embedding-3-small', input: Array.from({ length: 60_000 }, () => 1) }) + '\n', 'openai'), []);

  const dir = await mkdtemp(join(tmpdir(), 'bw-emb-'));
  const path = join(dir, 'emb.jsonl');
  await writeFile(path, lines.join('\n') + '\n');
  const plans = await planParts(path, PROVIDER_LIMITS.openai);
  assert.deepEqual(plans.map((p) => p.requests), [2, 1]);
});

test('invalid UTF-8 is an error at its line and column; split refuses rather than rewrite the bytes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-utf8-'));
  const path = join(dir, 'latin1.jsonl');
  const good = line('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Bonjour' }] });
  // "café" saved as Latin-1: 0xE9 alone is not UTF-8.
  const bad = Buffer.concat([Buffer.from('{"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "caf'), Buffer.from([0xe9]), Buffer.from('"}]}}')]);
  await writeFile(path, Buffer.concat([Buffer.from(good + '\n'), bad, Buffer.from('\n')]));
  const r = await validateFile(path);
  assert.deepEqual(r.diagnostics.map((d) => [d.line, d.column, d.code]), [[2, bad.indexOf(0xe9) + 1, 'invalid-utf8']]);
  assert.match(r.diagnostics[0]!.message, /byte 0xe9/);
  await assert.rejects(planParts(path, PROVIDER_LIMITS.openai), (e: unknown) => e instanceof InvalidUtf8Line && e.line === 2);
  const before = await readFile(path);
  const cli = await runCliCaptured(['split', path, '--out-dir', join(dir, 'parts'), '--max-requests', '1'], { env: {} });
  assert.equal(cli.code, 1);
  assert.match(cli.err, new RegExp(`latin1\\.jsonl:2: line 2 is not valid UTF-8 at column ${bad.indexOf(0xe9) + 1}`));
  assert.deepEqual(await readFile(path), before);
});

test('a line nested 200,000 levels deep is one diagnostic on that line; the other lines are still judged', () => {
  const deep = `{"custom_id":"b","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":${'['.repeat(200_000)}${']'.repeat(200_000)}}]}}`;
  const typo = line('/v1/chat/completion', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, 'c');
  assert.deepEqual(codes([deep, typo].join('\n') + '\n', 'openai'), ['1:too-deeply-nested', '2:invalid-url']);
});

test('a file mixing providers gets one diagnostic naming the foreign lines, not errors per rule on each', () => {
  const oa = (id: string) => line('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, id);
  const an = (id: string) => JSON.stringify({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'x' }] } });
  const r = validateText([oa('a'), an('b'), oa('c'), an('d'), oa('e')].join('\n') + '\n');
  assert.equal(r.provider, 'openai');
  assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.code}`), ['2:mixed-providers']);
  assert.match(r.diagnostics[0]!.message, /^2 lines \(2, 4\) are Anthropic requests in a file of OpenAI requests/);
});

test('the error count in the summary is the real count, also past the per-code listing cap', () => {
  const text = Array.from({ length: 1500 }, (_, i) => `{"custom_id": "x${i}", oops}`).join('\n') + '\n';
  const r = validateText(text);
  assert.equal(r.diagnostics.filter((d) => d.code === 'invalid-json').length, 1000);
  assert.equal(errorCount(r), 1500);
  assert.match(summaryLine(r), /^1,500 errors · /);
});

test('a token limit too small for the asked answer is warned before submit (issue 20)', () => {
  // A structured-output request (https://platform.openai.com/docs/guides/structured-outputs) whose schema needs a few
  // dozen tokens at least, with max_tokens 5.
  const schema = { type: 'object', properties: { summary: { type: 'string' }, tags: { type: 'array', minItems: 1, items: { type: 'string' } }, sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] }, confidence: { type: 'number' } }, required: ['summary', 'tags', 'sentiment', 'confidence'] };
  const withSchema = (max: number) => line('/v1/chat/completions', { model: 'gpt-4o-mini', max_tokens: max, messages: [{ role: 'user', content: 'Review: great' }], response_format: { type: 'json_schema', json_schema: { name: 'r', schema } } });
  const small = validateText(withSchema(5) + '\n').diagnostics;
  assert.deepEqual(small.map((d) => [d.code, d.severity]), [['max-tokens-below-schema', 'warning']]);
  assert.match(small[0]!.message, /max_tokens is 5, but the smallest answer that follows the request's JSON schema takes about \d+ tokens/);
  assert.deepEqual(validateText(withSchema(500) + '\n').diagnostics, []);
  // A reasoning model with a tiny completion budget.
  const reasoning = (max: number) => line('/v1/chat/completions', { model: 'o4-mini', max_completion_tokens: max, messages: [{ role: 'user', content: 'Prove it' }] });
  assert.deepEqual(validateText(reasoning(300) + '\n').diagnostics.map((d) => d.code), ['reasoning-budget-small']);
  assert.deepEqual(validateText(reasoning(4000) + '\n').diagnostics, []);
  assert.deepEqual(validateText(line('/v1/chat/completions', { model: 'gpt-4o-mini', max_tokens: 300, messages: [{ role: 'user', content: 'x' }] }) + '\n').diagnostics, [], 'not a reasoning model');
});
