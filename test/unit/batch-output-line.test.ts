// vLLM `run-batch` output lines (vllm/entrypoints/openai/run_batch.py: BatchRequestOutput{id, custom_id,
// response: BatchResponseData{status_code, request_id, body} | None, error}; error is a plain string for failures
// outside the server, or the server's ErrorResponse — nested `{error: {...}}` since 0.11, flat before), vLLM 0.4.x
// (the completion itself as `response`), and OpenAI's Batch API output/error lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBatchOutputLine } from '../../src/core/results/batchOutputLine';
import { parseResultLine } from '../../src/core/results/resultLine';

const completion = { id: 'cmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };

test('vLLM >= 0.5 success envelope and 0.4.x bare completion both succeed', () => {
  const modern = readBatchOutputLine({ id: 'vllm-1', custom_id: 'a', response: { status_code: 200, request_id: 'vllm-batch-1', body: completion }, error: null });
  assert.equal(modern.ok, true);
  const old = parseResultLine(JSON.stringify({ id: 'vllm-2', custom_id: 'b', response: completion, error: null }));
  assert.equal(old?.outcome, 'succeeded');
  assert.equal(old?.outputText, 'Hi');
});

test('vLLM error forms give their own message text and string codes', () => {
  const plain = readBatchOutputLine({ id: 'x', custom_id: 'a', response: null, error: 'URL /v1/completions was used. Supported endpoints: /v1/chat/completions, /v1/embeddings, /score, /rerank.' });
  assert.deepEqual(plain.ok ? null : [plain.outcome, plain.message.startsWith('URL /v1/completions')], ['errored', true]);
  const nested = readBatchOutputLine({ id: 'x', custom_id: 'a', response: { status_code: 404, request_id: 'r', body: null }, error: { error: { message: 'The model `nope` does not exist.', type: 'NotFoundError', param: null, code: 404 } } });
  assert.equal(nested.ok, false);
  if (!nested.ok) {
    assert.equal(nested.message, 'The model `nope` does not exist.');
    assert.equal(nested.code, '404');
    assert.equal(typeof nested.code, 'string');
  }
  const flat = parseResultLine(JSON.stringify({ id: 'x', custom_id: 'c', response: { status_code: 400, request_id: 'r', body: { object: 'error', message: 'max_tokens must be at least 1', type: 'BadRequestError', param: null, code: 400 } }, error: null }));
  assert.equal(flat?.outcome, 'errored');
  assert.equal(flat?.errorMessage, 'max_tokens must be at least 1');
  assert.equal(flat?.errorCode, '400');
  assert.doesNotMatch(JSON.stringify(flat?.errorMessage), /\[object Object\]/);
});

test('OpenAI error-file lines: expired and cancelled lines keep their outcome; no response says so', () => {
  const expired = readBatchOutputLine({ id: 'batch_req_1', custom_id: 'a', response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } });
  assert.equal(expired.ok ? 'ok' : expired.outcome, 'expired');
  const nothing = readBatchOutputLine({ id: 'x', custom_id: 'a', response: null, error: null });
  assert.equal(nothing.ok ? 'ok' : nothing.message, 'The line has neither a response nor an error.');
  const http = readBatchOutputLine({ id: 'x', custom_id: 'a', response: { status_code: 500, request_id: 'r', body: null }, error: null });
  assert.deepEqual(http.ok ? null : [http.code, http.message], ['http_500', 'The server answered HTTP 500 with no error message.']);
});
