import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateFile, validateText, errorCount } from '../../src/core/validate';
import { detectLineProvider } from '../../src/core/detect';
import { requestIdOf } from '../../src/core/requestId';
import { PROVIDER_LIMITS } from '../../src/core/limits';

const oa = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } });
const an = (id: string) => JSON.stringify({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] } });
const ge = (id: string) => JSON.stringify({ key: id, request: { contents: [{ role: 'user', parts: [{ text: 'x' }] }] } });

test('detectLineProvider reads the line shape', () => {
  assert.equal(detectLineProvider(JSON.parse(oa('a'))), 'openai');
  assert.equal(detectLineProvider(JSON.parse(an('a'))), 'anthropic');
  assert.equal(detectLineProvider(JSON.parse(ge('a'))), 'gemini');
  assert.equal(detectLineProvider({ custom_id: 'a', url: '/v1/x' }), 'openai');
  assert.equal(detectLineProvider({ custom_id: 'a' }), null);
  assert.equal(detectLineProvider([1]), null);
  assert.equal(detectLineProvider(null), null);
});

test('requestIdOf returns custom_id or the Gemini key', () => {
  assert.equal(requestIdOf(JSON.parse(oa('r1'))), 'r1');
  assert.equal(requestIdOf(JSON.parse(ge('k1'))), 'k1');
  assert.equal(requestIdOf({ custom_id: 5 }), undefined);
  assert.equal(requestIdOf('x'), undefined);
});

test('the file provider is the majority of line shapes; the odd line out gets errors', () => {
  const r = validateText([an('a'), oa('b'), an('c'), an('d')].join('\n'));
  assert.equal(r.provider, 'anthropic');
  assert.equal(r.endpoint, '/v1/messages');
  assert.ok(r.diagnostics.every((d) => d.line === 2), JSON.stringify(r.diagnostics));
  assert.ok(errorCount(r) > 0);
});

test('--provider overrides detection', () => {
  const text = [oa('a'), oa('b')].join('\n');
  assert.equal(validateText(text).provider, 'openai');
  const forced = validateText(text, { provider: 'gemini' });
  assert.equal(forced.provider, 'gemini');
  // Every line is another provider's: one diagnostic says so, not every Gemini rule failing on each line.
  assert.deepEqual(forced.diagnostics.map((d) => [d.code, d.line]), [['mixed-providers', 1]]);
  assert.match(forced.diagnostics[0]!.message, /^2 lines \(1, 2\) are OpenAI requests in a file of Gemini requests/);
  assert.equal(validateText(text, { provider: 'auto' }).provider, 'openai');
  assert.equal(validateText(text, { provider: 'local' }).provider, 'local');
});

test('a file of invalid JSON has no provider; objects with no telling key are checked as OpenAI', () => {
  const none = validateText('{x\n{y\n');
  assert.equal(none.provider, null);
  assert.deepEqual(none.diagnostics.map((d) => d.code), ['invalid-json', 'invalid-json']);
  assert.equal(validateText('{"custom_id":"a"}').provider, 'openai');
});

test('the result reports endpoint, model, lines, requests and bytes', () => {
  const text = `${oa('a')}\n\n${oa('b')}\n`;
  const r = validateText(text, { file: 'x.jsonl' });
  assert.deepEqual(
    { file: r.file, provider: r.provider, endpoint: r.endpoint, model: r.model, lines: r.lines, requests: r.requests, bytes: r.bytes },
    { file: 'x.jsonl', provider: 'openai', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini', lines: 3, requests: 2, bytes: Buffer.byteLength(text) },
  );
});

test('validateFile and validateText agree on the same content (CRLF, BOM, blank lines, errors)', async () => {
  const text = '\uFEFF' + [oa('a'), '', oa('a'), '{bad', an('z')].join('\r\n');
  const dir = await mkdtemp(join(tmpdir(), 'bw-val-'));
  const path = join(dir, 'in.jsonl');
  await writeFile(path, text);
  const progress: number[] = [];
  const fromFile = await validateFile(path, { onProgress: (read, total) => progress.push(read / total) });
  const fromText = validateText(text, { file: path });
  assert.deepEqual(fromFile, fromText);
  assert.equal(fromFile.hasBom, true);
  assert.equal(progress.at(-1), 1);
  assert.deepEqual(
    fromFile.diagnostics.map((d) => d.code),
    ['bom', 'blank-line', 'duplicate-custom-id', 'invalid-json', 'mixed-providers'],
  );
});

test('the detection sample is bounded: a long file still decides and streams the rest', () => {
  const lines = Array.from({ length: 1000 }, (_, i) => ge(`k${i}`));
  lines.push(ge('k5'));
  const r = validateText(lines.join('\n'));
  assert.equal(r.provider, 'gemini');
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line, d.related?.line]), [['duplicate-custom-id', 1001, 6]]);
});

test('the limits table has a source for every provider and no limit for local', () => {
  for (const [p, l] of Object.entries(PROVIDER_LIMITS)) assert.ok(l.source.length > 10, p);
  assert.equal(PROVIDER_LIMITS.openai.maxRequests, 50_000);
  assert.equal(PROVIDER_LIMITS.openai.maxBytes, 200 * 1024 * 1024);
  assert.equal(PROVIDER_LIMITS.anthropic.maxRequests, 100_000);
  assert.equal(PROVIDER_LIMITS.anthropic.maxBytes, 256 * 1024 * 1024);
  assert.equal(PROVIDER_LIMITS.local.maxRequests, Infinity);
});

test('the sample files: valid ones are clean, broken ones show each mistake with advice in the message', async () => {
  const dir = join(__dirname, '..', '..', 'samples');
  const advice = /\b(add|use|give|fix|did you mean|rename|remove|delete|split|put|replace|shorten|move|check|save|write)\b/i;
  const expected: Record<string, string[]> = {
    openai: ['duplicate-custom-id', 'invalid-url', 'invalid-json', 'missing-custom-id', 'invalid-max-tokens', 'invalid-role', 'mixed-model', 'temperature-range'],
    anthropic: ['invalid-custom-id', 'missing-max-tokens', 'invalid-role', 'duplicate-custom-id', 'temperature-range', 'invalid-system'],
    gemini: ['invalid-role', 'invalid-request', 'missing-custom-id', 'duplicate-custom-id', 'mixed-model', 'invalid-request'],
  };
  for (const p of ['openai', 'anthropic', 'gemini'] as const) {
    const ok = await validateFile(join(dir, `${p}-valid.jsonl`));
    assert.equal(ok.provider, p);
    assert.deepEqual(ok.diagnostics, []);
    const bad = await validateFile(join(dir, `${p}-broken.jsonl`));
    assert.deepEqual(bad.diagnostics.map((d) => d.code), expected[p], p);
    for (const d of bad.diagnostics) assert.match(d.message, advice, d.message);
  }
});
