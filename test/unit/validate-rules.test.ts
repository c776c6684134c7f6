import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateText, errorCount, type ValidationResult } from '../../src/core/validate';
import type { Diagnostic, Fix } from '../../src/core/diagnostics';
import type { ProviderId } from '../../src/core/status';

// ---- helpers -------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const chat = (id: string, body: Obj = {}, extra: Obj = {}) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Summarize this.' }], ...body }, ...extra });
const ant = (id: string, params: Obj = {}, extra: Obj = {}) =>
  JSON.stringify({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Translate this.' }], ...params }, ...extra });
const gem = (key: string, request: Obj = {}, extra: Obj = {}) =>
  JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text: 'Classify this.' }] }], ...request }, ...extra });

const check = (lines: string[], provider?: ProviderId) => validateText(lines.join('\n') + '\n', { provider });
const codes = (r: ValidationResult) => r.diagnostics.map((d) => d.code);
const only = (r: ValidationResult, code: string): Diagnostic => {
  const ds = r.diagnostics.filter((d) => d.code === code);
  assert.equal(ds.length, 1, `expected one ${code}, got ${JSON.stringify(r.diagnostics, null, 1)}`);
  return ds[0]!;
};
const clean = (r: ValidationResult) => assert.deepEqual(r.diagnostics, [], JSON.stringify(r.diagnostics, null, 1));

/** Applies a fix's edits (1-based, UTF-16 columns) to text, last edit first. */
function applyFix(text: string, fix: Fix): string {
  const lines = text.split('\n');
  const offsetOf = (line: number, col: number) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + col - 1;
  let out = text;
  for (const e of [...fix.edits].sort((a, b) => b.line - a.line || b.column - a.column)) {
    out = out.slice(0, offsetOf(e.line, e.column)) + e.text + out.slice(offsetOf(e.endLine, e.endColumn));
  }
  return out;
}
/** The text a diagnostic's range covers. */
const covered = (text: string, d: Diagnostic) => text.split('\n')[d.line - 1]!.slice(d.column - 1, d.endColumn - 1);

// ---- every line -----------------------------------------------------------------------------

test('invalid-json points at the column where the JSON breaks', () => {
  const bad = '{"custom_id": "a", "method": "POST",, "url": "/v1/chat/completions"}';
  const r = check([chat('ok'), bad]);
  const d = only(r, 'invalid-json');
  assert.equal(d.line, 2);
  assert.equal(d.column, bad.indexOf(',,') + 2);
  assert.match(d.message, /column \d+/);
  clean(check([chat('ok')]));
});

test('invalid-json on a pretty-printed request says to put it on one line', () => {
  const r = check(['{', '  "custom_id": "a",', '}']);
  assert.equal(r.diagnostics.filter((d) => d.code === 'invalid-json').length, 3);
  assert.match(r.diagnostics[0]!.message, /on one line/);
});

test('not-an-object flags arrays, strings and numbers', () => {
  const r = check([chat('a'), '[1, 2]', '"text"', '42'], 'openai');
  assert.deepEqual(codes(r), ['not-an-object', 'not-an-object', 'not-an-object']);
});

// ---- request ids ----------------------------------------------------------------------------

test('missing-custom-id comes with a fix that adds request-<line>, which then validates', () => {
  const line = JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } });
  const text = [chat('a'), line].join('\n');
  const d = only(validateText(text), 'missing-custom-id');
  assert.equal(d.line, 2);
  assert.ok(d.fix);
  const fixed = applyFix(text, d.fix);
  assert.match(fixed.split('\n')[1]!, /^\{"custom_id": "request-2", "method"/);
  clean(validateText(fixed));
});

test('Gemini lines need a key; the fix adds one', () => {
  const text = [gem('a'), JSON.stringify({ request: { contents: [{ role: 'user', parts: [{ text: 'x' }] }] } })].join('\n');
  const r = validateText(text, { provider: 'gemini' });
  const d = only(r, 'missing-custom-id');
  assert.match(d.message, /"key"/);
  clean(validateText(applyFix(text, d.fix!), { provider: 'gemini' }));
});

test('invalid-custom-id: a number or an empty string', () => {
  const r = check([chat('a'), chat('x', {}, { custom_id: 7 }), chat('y', {}, { custom_id: '' })]);
  assert.deepEqual(codes(r), ['invalid-custom-id', 'invalid-custom-id']);
  assert.equal(r.diagnostics[0]!.fix?.edits[0]?.text, '"7"');
});

test('Anthropic custom_id must match ^[a-zA-Z0-9_-]{1,64}$; the fix replaces bad characters', () => {
  const text = [ant('ok_id-1'), ant('has space'), ant('x'.repeat(65))].join('\n');
  const r = validateText(text);
  assert.equal(r.provider, 'anthropic');
  const ds = r.diagnostics.filter((d) => d.code === 'invalid-custom-id');
  assert.deepEqual(ds.map((d) => d.line), [2, 3]);
  assert.equal(covered(text, ds[0]!), '"has space"');
  assert.equal(ds[0]!.fix?.edits[0]?.text, '"has_space"');
  // The same ids are fine for OpenAI.
  clean(check([chat('has space'), chat('x'.repeat(65))]));
});

test('duplicate-custom-id flags each later copy, points at the first, and the fix makes it unique', () => {
  const text = [chat('dup'), chat('b'), chat('dup'), chat('dup')].join('\n');
  const r = validateText(text);
  const ds = r.diagnostics.filter((d) => d.code === 'duplicate-custom-id');
  assert.deepEqual(ds.map((d) => [d.line, d.related?.line]), [[3, 1], [4, 1]]);
  assert.equal(covered(text, ds[0]!), '"dup"');
  const fixed = applyFix(text, ds[0]!.fix!);
  assert.match(fixed.split('\n')[2]!, /"custom_id":"dup-3"/);
  assert.equal(validateText(fixed).diagnostics.filter((d) => d.code === 'duplicate-custom-id').length, 1);
});

test('ranges count UTF-16 units: an emoji before the value shifts the column by two', () => {
  const text = [chat('a'), JSON.stringify({ x: '😀', custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } })].join('\n');
  const d = only(validateText(text), 'duplicate-custom-id');
  assert.equal(covered(text, d), '"a"');
  assert.equal(d.column, text.split('\n')[1]!.indexOf('"a"') + 1);
});

// ---- OpenAI envelope ------------------------------------------------------------------------

test('invalid-method: only POST', () => {
  const r = check([chat('a', {}, { method: 'GET' })]);
  const d = only(r, 'invalid-method');
  assert.equal(d.fix?.edits[0]?.text, '"POST"');
  clean(check([chat('a', {}, { method: 'POST' })]));
});

test('invalid-url suggests the nearest endpoint and the fix applies it', () => {
  const text = [chat('a', {}, { url: '/v1/chat/completion' })].join('\n');
  const d = only(validateText(text), 'invalid-url');
  assert.match(d.message, /Did you mean "\/v1\/chat\/completions"/);
  assert.equal(covered(text, d), '"/v1/chat/completion"');
  clean(validateText(applyFix(text, d.fix!)));
  assert.equal(only(check([chat('a', {}, { url: '/v1/embedding' })]), 'invalid-url').fix?.edits[0]?.text, '"/v1/embeddings"');
});

test('a missing url is reported, with an endpoint guessed from the body', () => {
  const line = JSON.stringify({ custom_id: 'a', method: 'POST', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } });
  const d = only(check([line], 'openai'), 'invalid-url');
  assert.match(d.message, /no "url"/);
  assert.match(d.fix!.edits[0]!.text, /"url": "\/v1\/chat\/completions"/);
});

test('mixed-endpoint flags lines whose endpoint differs from the first', () => {
  const emb = JSON.stringify({ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { model: 'gpt-4o-mini', input: 'hello' } });
  const d = only(check([chat('a'), chat('b'), emb]), 'mixed-endpoint');
  assert.deepEqual([d.line, d.related?.line], [3, 1]);
  clean(check([emb, emb.replace('"e"', '"f"')]));
});

test('mixed-model flags OpenAI lines naming another model', () => {
  const r = check([chat('a'), chat('b', { model: 'gpt-4o' })]);
  const d = only(r, 'mixed-model');
  assert.deepEqual([d.line, d.related?.line], [2, 1]);
  assert.equal(r.model, 'gpt-4o-mini');
});

test('missing-body and invalid-body', () => {
  const noBody = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions' });
  assert.deepEqual(codes(check([noBody], 'openai')), ['missing-body']);
  assert.deepEqual(codes(check([chat('a'), chat('b', {}, { body: 'hi' })])), ['invalid-body']);
});

test('chat bodies: model, messages, roles and content', () => {
  const noModel = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'x' }] } });
  const d = only(check([noModel]), 'invalid-body');
  assert.match(d.message, /body\.model is missing/);
  assert.match(only(check([chat('a', { messages: [] })]), 'invalid-body').message, /must not be empty/);
  const role = only(check([chat('a', { messages: [{ role: 'bot', content: 'x' }] })]), 'invalid-role');
  assert.match(role.message, /body\.messages\[0\]\.role/);
  assert.match(only(check([chat('a', { messages: [{ role: 'user', content: 5 }] })]), 'invalid-body').message, /content must be a string or an array/);
  assert.match(only(check([chat('a', { messages: [{ role: 'user' }] })]), 'invalid-body').message, /content is missing/);
  clean(
    check([
      chat('a', {
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'x' }] },
          { role: 'assistant', content: null, tool_calls: [] },
          { role: 'tool', content: 'result', tool_call_id: 't' },
        ],
      }),
    ]),
  );
});

test('other endpoints: embeddings/responses/moderations need input, completions needs prompt', () => {
  const line = (url: string, body: Obj) => JSON.stringify({ custom_id: 'a', method: 'POST', url, body });
  assert.deepEqual(codes(check([line('/v1/embeddings', { model: 'text-embedding-3-small' })])), ['invalid-body']);
  assert.deepEqual(codes(check([line('/v1/responses', { model: 'gpt-4o-mini' })])), ['invalid-body']);
  assert.deepEqual(codes(check([line('/v1/completions', { model: 'gpt-3.5-turbo-instruct' })])), ['invalid-body']);
  assert.deepEqual(codes(check([line('/v1/moderations', {})])), ['invalid-body']);
  clean(check([line('/v1/embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'] })]));
  clean(check([line('/v1/responses', { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 50 })]));
  clean(check([line('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Once' })]));
  clean(check([line('/v1/moderations', { input: 'text' })]));
});

test('invalid-max-tokens: a string, zero or a fraction', () => {
  for (const bad of ['100', 0, 1.5, -3]) {
    const d = only(check([chat('a', { max_tokens: bad })]), 'invalid-max-tokens');
    assert.match(d.message, /body\.max_tokens/);
  }
  only(check([chat('a', { max_completion_tokens: '50' })]), 'invalid-max-tokens');
  clean(check([chat('a', { max_tokens: 100, max_completion_tokens: 200 })]));
});

test('temperature-range is a warning, not an error', () => {
  const r = check([chat('a', { temperature: 3 })]);
  assert.equal(only(r, 'temperature-range').severity, 'warning');
  assert.equal(errorCount(r), 0);
  clean(check([chat('a', { temperature: 1.2 })]));
  assert.equal(only(check([ant('a', { temperature: 1.2 })]), 'temperature-range').severity, 'warning');
});

test('unknown-key warns about top-level keys the provider does not take', () => {
  const text = chat('a', {}, { model: 'gpt-4o-mini' });
  const d = only(validateText(text), 'unknown-key');
  assert.equal(d.severity, 'warning');
  assert.equal(covered(text, d), '"model"');
  assert.deepEqual(codes(check([ant('a', {}, { extra: 1 })])), ['unknown-key']);
  assert.deepEqual(codes(check([gem('a', {}, { meta: 1 })])), ['unknown-key']);
});

// ---- Anthropic ------------------------------------------------------------------------------

test('Anthropic missing-max-tokens has a fix adding "max_tokens": 1024', () => {
  const line = JSON.stringify({ custom_id: 'a', params: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] } });
  const d = only(validateText(line), 'missing-max-tokens');
  assert.equal(d.fix?.title, 'Add "max_tokens": 1024');
  const fixed = applyFix(line, d.fix!);
  assert.match(fixed, /"params":\{"max_tokens": 1024, "model"/);
  clean(validateText(fixed));
});

test('Anthropic roles are user/assistant only; system goes in params.system', () => {
  const d = only(check([ant('a', { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'x' }] })]), 'invalid-role');
  assert.match(d.message, /params\.system/);
  assert.deepEqual(codes(check([ant('a', { system: 42 })])), ['invalid-system']);
  assert.deepEqual(codes(check([ant('a', { system: [{ type: 'image' }] })])).every((c) => c === 'invalid-system'), true);
  clean(check([ant('a', { system: 'Be brief.' }), ant('b', { system: [{ type: 'text', text: 'Be brief.' }] })]));
});

test('Anthropic params: missing params, bad max_tokens, empty messages; mixed models are allowed', () => {
  assert.deepEqual(codes(check([JSON.stringify({ custom_id: 'a', params: null })], 'anthropic')), ['missing-params']);
  assert.deepEqual(codes(check([ant('a', { max_tokens: '1024' })])), ['invalid-max-tokens']);
  assert.deepEqual(codes(check([ant('a', { messages: [] })])), ['invalid-params']);
  clean(check([ant('a'), ant('b', { model: 'claude-haiku-4-5' })]));
});

// ---- Gemini ---------------------------------------------------------------------------------

test('Gemini: contents must be an array of {role user/model, parts[]}', () => {
  assert.deepEqual(codes(check([gem('a', { contents: { parts: [{ text: 'x' }] } })])), ['invalid-request']);
  const role = only(check([gem('a', { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] })]), 'invalid-role');
  assert.match(role.message, /"model"/);
  assert.deepEqual(codes(check([gem('a', { contents: [{ role: 'user', parts: [] }] })])), ['invalid-request']);
  assert.deepEqual(codes(check([gem('a', { contents: [{ role: 'user' }] })])), ['invalid-request']);
  assert.deepEqual(codes(check([JSON.stringify({ key: 'a' })], 'gemini')), ['missing-request']);
  clean(check([gem('a', { contents: [{ role: 'user', parts: [{ text: 'x' }] }, { role: 'model', parts: [{ text: 'y' }] }], generationConfig: { maxOutputTokens: 100 } })]));
  assert.deepEqual(codes(check([gem('a', { generationConfig: { maxOutputTokens: 0 } })])), ['invalid-max-tokens']);
});

test('Gemini embeddings: a line with one `content` is an EmbedContentRequest', () => {
  const embed = (key: string, request: unknown) => JSON.stringify({ key, request });
  clean(check([embed('a', { content: { parts: [{ text: 'x' }] }, outputDimensionality: 8 }), embed('b', { content: { parts: [{ text: 'y' }] } })], 'gemini'));
  assert.deepEqual(codes(check([embed('a', { content: { parts: [] } })], 'gemini')), ['invalid-request']);
  assert.deepEqual(codes(check([embed('a', { content: { parts: [{ text: 'x' }] }, outputDimensionality: 0 })], 'gemini')), ['invalid-request']);
});

test('Gemini mixed-model: the batch names one model, so lines must agree', () => {
  const r = check([gem('a', { model: 'models/gemini-2.5-flash' }), gem('b', { model: 'models/gemini-2.5-pro' }), gem('c')]);
  const d = only(r, 'mixed-model');
  assert.deepEqual([d.line, d.related?.line], [2, 1]);
  clean(check([gem('a', { model: 'models/gemini-2.5-flash' }), gem('b', { model: 'models/gemini-2.5-flash' })]));
});

// ---- file-level -----------------------------------------------------------------------------

test('bom: a warning that says what the provider does, with a fix', () => {
  const r = validateText('\uFEFF' + chat('a') + '\n');
  const d = only(r, 'bom');
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /OpenAI/);
  assert.ok(d.fix);
  assert.equal(r.hasBom, true);
  assert.equal(validateText(chat('a')).hasBom, false);
});

test('blank-line: a warning per blank line with a delete fix; blank lines are not requests', () => {
  const text = [chat('a'), '', '   ', chat('b')].join('\n');
  const r = validateText(text);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line, d.severity]), [
    ['blank-line', 2, 'warning'],
    ['blank-line', 3, 'warning'],
  ]);
  assert.equal(r.requests, 2);
  assert.equal(r.lines, 4);
  assert.equal(applyFix(text, r.diagnostics[0]!.fix!), [chat('a'), '   ', chat('b')].join('\n'));
});

test('an empty file is an error', () => {
  assert.deepEqual(codes(validateText('')), ['empty-file']);
  assert.deepEqual(codes(validateText('\n')), ['blank-line', 'empty-file']);
});

test('too-many-requests and file-too-large point at the first line over the limit and say to split', () => {
  const lines = [chat('a'), chat('b'), chat('c')];
  const r = validateText(lines.join('\n'), { file: 'in.jsonl', limits: { maxRequests: 2, maxBytes: Infinity } });
  const d = only(r, 'too-many-requests');
  assert.equal(d.line, 3);
  assert.match(d.message, /batchwise split in\.jsonl/);
  const big = validateText(lines.join('\n'), { limits: { maxRequests: Infinity, maxBytes: lines[0]!.length + 5 } });
  assert.equal(only(big, 'file-too-large').line, 2);
});

test('the real OpenAI cap: 50,001 requests is one too many', () => {
  const line = (i: number) => `{"custom_id":"r${i}","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"x"}]}}`;
  const ok = Array.from({ length: 50_000 }, (_, i) => line(i));
  assert.equal(errorCount(validateText(ok.join('\n'))), 0);
  ok.push(line(50_000));
  assert.equal(only(validateText(ok.join('\n')), 'too-many-requests').line, 50_001);
  assert.equal(errorCount(validateText(ok.join('\n'), { provider: 'anthropic' })) > 0, true); // wrong format, but no count error
  assert.equal(validateText(ok.join('\n'), { provider: 'local' }).diagnostics.length, 0);
});

test('diagnostics are capped at 1,000 per code with one info saying how many were left out', () => {
  const lines = Array.from({ length: 2500 }, () => '{broken');
  const r = validateText(lines.join('\n'), { provider: 'openai' });
  assert.equal(r.diagnostics.filter((d) => d.code === 'invalid-json').length, 1000);
  const info = only(r, 'diagnostics-truncated');
  assert.equal(info.severity, 'info');
  assert.match(info.message, /1,500 more "invalid-json"/);
  // The count is the real one (issue 11): 2,500 errors, of which the first 1,000 are listed.
  assert.equal(errorCount(r), 2500);
});

test('every message says what to do: no diagnostic of the broken samples lacks a verb of advice', () => {
  const text = [chat('a', { max_tokens: '1' }), chat('a', {}, { url: '/v1/chat' }), '{x', chat('b', { temperature: 9 })].join('\n');
  for (const d of validateText(text).diagnostics) {
    assert.match(d.message, /(Add|Use|Give|Fix|Did you mean|rename|Rename|Remove|remove|Delete|Split|Put|Replace|Shorten|Move|Check|Save|Write)/, d.message);
  }
});

test('file-too-large: exact bytes when the rounded sizes would read the same (a file 776 bytes over 200 MB)', async () => {
  const { sizesApart } = await import('../../src/core/rules/file.js');
  const limit = 200 * 1024 * 1024;
  const [size, max] = sizesApart(limit + 776, limit);
  assert.notEqual(size, max);
  assert.equal(size, '200.0 MB (209,715,976 bytes)');
  assert.equal(max, '200.0 MB (209,715,200 bytes)');
  assert.deepEqual(sizesApart(300 * 1024 * 1024, limit), ['300.0 MB', '200.0 MB'], 'figures that differ stay short');
});

test('batchwise validate: a wrong --provider lists local among the providers', async () => {
  const { run } = await import('../../src/cli/commands/validate.js');
  const err: string[] = [];
  const io = { out: () => undefined, err: (s: string) => void err.push(s), env: {}, isTTY: false } as unknown as Parameters<typeof run>[1];
  await assert.rejects(run(['x.jsonl', '--provider', 'vllm'], io), (e: Error) => /one of auto, openai, azure, anthropic, gemini, local \(got "vllm"\)/.test(e.message));
});
