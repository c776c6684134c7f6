import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qualityOfAnswer } from '../../src/core/results/quality';
import { joinResults } from '../../src/core/results/join';
import { parseOpenAIOutputLine } from '../../src/providers/openaiOutput';
import type { ProviderResult } from '../../src/core/results/record';
import { RowQuery } from '../../src/core/results/rowQuery';
import { mergeChain } from '../../src/core/results/merge';
import { rowDetail } from '../../src/core/results/detail';

// Issue 20 (first slice): a succeeded line that is truncated, empty or refused says so. Shapes from the providers'
// documented responses: openai-node ChatCompletion.Choice.finish_reason / ChatCompletionMessage.refusal and
// Response.status / incomplete_details (resources/chat/completions.d.ts, resources/responses/responses.d.ts);
// @anthropic-ai/sdk Message.stop_reason (resources/messages/messages.d.ts); @google/genai FinishReason and
// GenerateContentResponsePromptFeedback.blockReason (dist/genai.d.ts).

const openaiLine = (body: unknown) => ({ id: 'batch_req_1', custom_id: 'a', response: { status_code: 200, request_id: 'r', body }, error: null });
const chat = (message: object, finish_reason: string) => openaiLine({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason }] });

test('OpenAI chat: finish_reason length is truncated (empty when nothing came), refusal and content_filter are refused', () => {
  assert.deepEqual(qualityOfAnswer(chat({ content: 'The capital of France is' }, 'length'), 'The capital of France is'), { quality: 'truncated', reason: 'finish_reason: length' });
  // A reasoning model that spent max_completion_tokens thinking: no text at all.
  assert.deepEqual(qualityOfAnswer(chat({ content: '' }, 'length'), ''), { quality: 'empty', reason: 'finish_reason: length' });
  assert.deepEqual(qualityOfAnswer(chat({ content: null, refusal: "I'm sorry, I can't help with that." }, 'stop'), undefined), { quality: 'refused', reason: "refusal: I'm sorry, I can't help with that." });
  assert.equal(qualityOfAnswer(chat({ content: 'x' }, 'content_filter'), 'x').quality, 'refused');
  assert.deepEqual(qualityOfAnswer(chat({ content: 'Paris.' }, 'stop'), 'Paris.'), { quality: 'ok' });
  // Through the adapter's own reading of a batch output line.
  const r = parseOpenAIOutputLine(JSON.stringify(chat({ content: 'Par' }, 'length')));
  assert.equal(qualityOfAnswer(r.raw, r.outputText).quality, 'truncated');
});

test('OpenAI Responses: incomplete at max_output_tokens is truncated, a refusal part is refused', () => {
  const resp = (extra: object, text?: string) => openaiLine({ object: 'response', status: 'completed', output: text === undefined ? [] : [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }], ...extra });
  assert.equal(qualityOfAnswer(resp({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }, 'Once upon'), 'Once upon').quality, 'truncated');
  assert.equal(qualityOfAnswer(resp({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } }, 'x'), 'x').quality, 'refused');
  const refusal = openaiLine({ object: 'response', status: 'completed', output: [{ type: 'message', content: [{ type: 'refusal', refusal: 'No.' }] }] });
  assert.deepEqual(qualityOfAnswer(refusal, undefined), { quality: 'refused', reason: 'refusal: No.' });
  assert.equal(qualityOfAnswer(resp({}, 'Done.'), 'Done.').quality, 'ok');
});

test('Anthropic: stop_reason max_tokens is truncated, refusal is refused, a tool call is ok without text', () => {
  const msg = (stop_reason: string, content: object[]) => ({ custom_id: 'a', result: { type: 'succeeded', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content, stop_reason, stop_sequence: null } } });
  assert.deepEqual(qualityOfAnswer(msg('max_tokens', [{ type: 'text', text: 'Bonjour le' }]), 'Bonjour le'), { quality: 'truncated', reason: 'stop_reason: max_tokens' });
  assert.equal(qualityOfAnswer(msg('refusal', [{ type: 'text', text: '' }]), '').quality, 'refused');
  assert.equal(qualityOfAnswer(msg('tool_use', [{ type: 'tool_use', id: 't', name: 'get', input: {} }]), undefined).quality, 'ok');
  assert.equal(qualityOfAnswer(msg('end_turn', [{ type: 'text', text: 'Bonjour.' }]), 'Bonjour.').quality, 'ok');
  assert.equal(qualityOfAnswer(msg('end_turn', []), undefined).quality, 'empty');
});

test('Gemini: MAX_TOKENS is truncated; SAFETY, RECITATION, PROHIBITED_CONTENT and a blocked prompt are refused', () => {
  const gem = (finishReason: string, text?: string) => ({ key: 'k', response: { candidates: [{ content: { role: 'model', parts: text === undefined ? [] : [{ text }] }, finishReason }] } });
  assert.equal(qualityOfAnswer(gem('MAX_TOKENS', 'The answer'), 'The answer').quality, 'truncated');
  for (const f of ['SAFETY', 'RECITATION', 'PROHIBITED_CONTENT']) assert.deepEqual(qualityOfAnswer(gem(f), undefined), { quality: 'refused', reason: `finishReason: ${f}` });
  assert.deepEqual(qualityOfAnswer({ key: 'k', response: { promptFeedback: { blockReason: 'SAFETY' } } }, undefined), { quality: 'refused', reason: 'promptFeedback.blockReason: SAFETY' });
  assert.equal(qualityOfAnswer(gem('STOP', 'Done'), 'Done').quality, 'ok');
});

test('answers without a finish reason (embeddings) are ok; the join records the quality and counts it', async () => {
  assert.equal(qualityOfAnswer(openaiLine({ object: 'list', data: [{ object: 'embedding', embedding: [0.1] }] }), undefined).quality, 'ok');
  const dir = await mkdtemp(join(tmpdir(), 'bw-quality-'));
  const inputPath = join(dir, 'in.jsonl');
  await writeFile(inputPath, ['a', 'b', 'c'].map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: id }] } })).join('\n') + '\n');
  const ok = (id: string, raw: unknown, outputText: string): ProviderResult => ({ customId: id, outcome: 'succeeded', raw, outputText });
  const outPath = join(dir, 'results.jsonl');
  const { summary } = await joinResults({
    inputPath,
    outPath,
    jobId: 'j',
    attempt: 1,
    results: [ok('a', chat({ content: 'fine' }, 'stop'), 'fine'), ok('b', chat({ content: 'cut' }, 'length'), 'cut'), { customId: 'c', outcome: 'errored', raw: {}, errorCode: 'e', errorMessage: 'x' }],
  });
  const records = (await readFile(outPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { customId: string; quality?: string; qualityReason?: string });
  assert.deepEqual(records.map((r) => [r.customId, r.quality ?? null]), [['a', null], ['b', 'truncated'], ['c', null]]);
  assert.equal(records[1]!.qualityReason, 'finish_reason: length');
  const built = summary.build({ jobId: 'j' });
  assert.deepEqual(built.quality, { ok: 1, truncated: 1, empty: 0, refused: 0, invalid_json: 0, schema_mismatch: 0 });
  assert.equal(built.counts.succeeded, 2, 'still succeeded: the quality is a second dimension, not a new outcome');
});

test('the panel data: flagged lines filter apart, rows and the detail say why', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-quality-panel-'));
  const inputPath = join(dir, 'in.jsonl');
  await writeFile(inputPath, ['a', 'b', 'c'].map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: id }] } })).join('\n') + '\n');
  const resultsPath = join(dir, 'results.jsonl');
  const ok = (id: string, raw: unknown, outputText: string): ProviderResult => ({ customId: id, outcome: 'succeeded', raw, outputText });
  await joinResults({ inputPath, outPath: resultsPath, jobId: 'j', attempt: 1, results: [ok('a', chat({ content: 'fine' }, 'stop'), 'fine'), ok('b', chat({ content: 'cu' }, 'length'), 'cu'), ok('c', chat({ content: null, refusal: 'No.' }, 'stop'), '')] });
  const t = new Date().toISOString();
  const job = { version: 1 as const, id: 'j', name: 'n', provider: 'openai' as const, profile: 'openai', endpoint: null, model: 'm', inputPath, inputSha256: 'x', inputLines: 3, requests: 3, parts: [], attempt: 1, status: 'completed' as const, createdAt: t, updatedAt: t, resultsPath };
  const chain = await mergeChain(job, [job]);
  assert.deepEqual(chain.summary.quality, { ok: 1, truncated: 1, empty: 0, refused: 1, invalid_json: 0, schema_mismatch: 0 });
  const q = new RowQuery(chain.rows, inputPath);
  const base = { search: '', sort: { key: 'line' as const, dir: 'asc' as const } };
  assert.deepEqual([...(await q.indices({ ...base, filter: 'flagged' }))], [1, 2]);
  assert.deepEqual([...(await q.indices({ ...base, filter: 'truncated' }))], [1]);
  assert.deepEqual([...(await q.indices({ ...base, filter: 'failed' }))], [], 'flagged lines are not failed lines');
  const page = await q.page({ ...base, filter: 'all' }, 0, 10);
  assert.deepEqual(page.rows.map((r) => r.quality ?? null), [null, 'truncated', 'refused']);
  const detail = await rowDetail(chain.rows.at(1)!, 1, inputPath);
  assert.deepEqual(detail.quality, { quality: 'truncated', reason: 'finish_reason: length' });
});
