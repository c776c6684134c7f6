import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMessage, FailureReporter, redactSecrets } from '../../src/extension/errors';

const OPENAI = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
const ANTHROPIC = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz_0123456789';
const GOOGLE = 'AIzaSyA1234567890abcdefghijklmnopqrstuv';

test('redacts provider keys wherever they appear', () => {
  for (const key of [OPENAI, ANTHROPIC, GOOGLE]) {
    const out = redactSecrets(`request failed with key ${key} (401)`);
    assert.ok(!out.includes(key), out);
    assert.match(out, /\[redacted\]/);
    assert.match(out, /\(401\)$/);
  }
});

test('redacts authorization and key headers, as text or JSON', () => {
  const cases = [
    `Authorization: Bearer ${OPENAI}`,
    `{"authorization":"Bearer some-opaque-token-123456"}`,
    `x-api-key: ${ANTHROPIC}`,
    `headers: { 'x-goog-api-key': '${GOOGLE}' }`,
    `api-key=azure0123456789abcdef`,
    `apiKey: "whatever-secret-value"`,
  ];
  for (const c of cases) {
    const out = redactSecrets(c);
    assert.match(out, /\[redacted\]/, c);
    assert.ok(!/sk-|AIza|opaque-token|azure0123|whatever-secret/.test(out), out);
  }
});

test('redacts keys in query strings and credentials in URLs, keeps the rest of the URL', () => {
  assert.equal(
    redactSecrets(`GET https://generativelanguage.googleapis.com/v1beta/batches/x?key=${GOOGLE}&alt=json failed`),
    'GET https://generativelanguage.googleapis.com/v1beta/batches/x?key=[redacted]&alt=json failed',
  );
  assert.equal(redactSecrets('connect to https://bob:hunter2@proxy.local:8443/v1 refused'), 'connect to https://[redacted]@proxy.local:8443/v1 refused');
});

test('leaves ordinary messages alone', () => {
  const messages = [
    'no API key for profile "openai" (openai): run "Batchwise: Set API Key", then Refresh',
    'Job 20261126-abc is no longer in the job store (/home/u/.batchwise/jobs).',
    'line 12: custom_id "task-key-1" is used twice',
    'http://127.0.0.1:4010/v1 answered 503',
  ];
  for (const m of messages) assert.equal(redactSecrets(m), m);
});

test('errorMessage: Error, string, other values, all redacted', () => {
  assert.equal(errorMessage(new Error(`bad key ${OPENAI}`)), 'bad key [redacted]');
  assert.equal(errorMessage('plain'), 'plain');
  assert.equal(errorMessage(42), '42');
  const e = new Error('');
  e.name = 'AbortError';
  assert.equal(errorMessage(e), 'AbortError');
  const hostile = { toString: () => { throw new Error('no'); } };
  assert.equal(errorMessage(hostile), 'unknown error');
});

test('FailureReporter reports once per streak at the threshold', () => {
  const r = new FailureReporter<string>(3);
  assert.equal(r.failed('a'), false);
  assert.equal(r.failed('a'), false);
  assert.equal(r.failed('a'), true);
  assert.equal(r.failed('a'), false, 'not again while it keeps failing');
  assert.equal(r.failures('a'), 4);
  assert.equal(r.failed('b'), false, 'streaks are per key');
  r.succeeded('a');
  assert.equal(r.failures('a'), 0);
  assert.equal(r.failed('a'), false);
  assert.equal(r.failed('a'), false);
  assert.equal(r.failed('a'), true, 'a new streak is reported again');
  r.forget('a');
  assert.equal(r.failures('a'), 0);
});
