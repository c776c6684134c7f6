import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  summarize,
  statusText,
  notificationText,
  multiFileNotificationText,
  statusAccessibilityLabel,
  progressText,
  formatBytes,
  type SummarizableResult,
} from '../../src/extension/validation/summary';

function result(severities: Array<'error' | 'warning' | 'info'>, over: Partial<SummarizableResult> = {}): SummarizableResult {
  return {
    provider: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    lines: 12,
    requests: 12,
    bytes: 2048,
    diagnostics: severities.map((severity) => ({ severity })),
    ...over,
  };
}

test('status text with errors uses the documented format', () => {
  const s = summarize(result(['error', 'error', 'error', 'info'], { requests: 12000 }));
  assert.equal(statusText(s), '$(error) 3 errors · 12,000 requests · openai /v1/chat/completions');
});

test('status text of a valid file', () => {
  assert.equal(statusText(summarize(result([]))), '$(check) 12 requests · openai /v1/chat/completions');
  assert.equal(statusText(summarize(result([], { requests: 1 }))), '$(check) 1 request · openai /v1/chat/completions');
});

test('warnings count too', () => {
  assert.equal(statusText(summarize(result(['warning']))), '$(warning) 1 warning · 12 requests · openai /v1/chat/completions');
  assert.equal(statusText(summarize(result(['error', 'warning', 'warning']))), '$(error) 1 error · 12 requests · openai /v1/chat/completions · 2 warnings');
});

test('providers without an endpoint show the model; an unknown format says so', () => {
  const anthropic = summarize(result([], { provider: 'anthropic', endpoint: null, model: 'claude-sonnet-4-5' }));
  assert.equal(statusText(anthropic), '$(check) 12 requests · anthropic claude-sonnet-4-5');
  const unknown = summarize(result(['error'], { provider: null, endpoint: null, model: null }));
  assert.equal(statusText(unknown), '$(error) 1 error · 12 requests · format not recognized');
});

test('notification text for the Validate command', () => {
  assert.equal(notificationText('openai-valid.jsonl', summarize(result([]))), 'openai-valid.jsonl: valid — 12 requests · openai /v1/chat/completions');
  assert.equal(
    notificationText('openai-broken.jsonl', summarize(result(['error', 'error', 'error', 'error', 'error', 'warning']))),
    'openai-broken.jsonl: 5 errors, 1 warning',
  );
  assert.equal(notificationText('w.jsonl', summarize(result(['warning']))), 'w.jsonl: valid — 12 requests · openai /v1/chat/completions (1 warning)');
});

test('multi-file notification names the files with errors', () => {
  const ok = summarize(result([]));
  const bad = summarize(result(['error']));
  const text = multiFileNotificationText(
    [
      { fileName: 'a.jsonl', summary: bad },
      { fileName: 'b.jsonl', summary: ok },
      { fileName: 'c.jsonl', summary: bad },
    ],
    ['d.jsonl'],
  );
  assert.equal(text, 'Validated 4 files: 2 with errors (a.jsonl, c.jsonl), 1 valid, 1 could not be read (d.jsonl)');
});

test('accessibility label has words, not codicons', () => {
  const label = statusAccessibilityLabel(summarize(result([])));
  assert.equal(label, 'Batchwise: valid, 12 requests, openai /v1/chat/completions');
  assert.doesNotMatch(statusAccessibilityLabel(summarize(result(['error']))), /\$\(/);
});

test('progress and byte formatting', () => {
  assert.deepEqual(progressText(50, 200), { percent: 25, message: '25% of 200 bytes' });
  assert.equal(progressText(0, 0).percent, 100);
  assert.equal(formatBytes(180_000_000), '180 MB');
  assert.equal(formatBytes(1_500_000), '1.5 MB');
  assert.equal(formatBytes(1), '1 byte');
});
