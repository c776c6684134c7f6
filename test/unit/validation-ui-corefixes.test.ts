import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateText } from '../../src/core/validate';
import type { TextEdit } from '../../src/core/diagnostics';
import { mergeFixes } from '../../src/extension/validation/fixAll';
import { toZeroRange } from '../../src/extension/validation/ranges';
import { summarize, statusText } from '../../src/extension/validation/summary';
import { fixAllTitle } from '../../src/core/rules/problemNames';

/** Applies non-overlapping edits the way VS Code applies a WorkspaceEdit (positions refer to the original text). */
function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split('\n');
  const offsetOf = (line: number, column: number) => {
    let off = 0;
    for (let i = 0; i < line - 1; i++) off += lines[i]!.length + 1;
    return off + column - 1;
  };
  const sorted = [...edits].sort((a, b) => offsetOf(b.line, b.column) - offsetOf(a.line, a.column));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetOf(e.line, e.column)) + e.text + out.slice(offsetOf(e.endLine, e.endColumn));
  return out;
}

const line = (id: string, extra = '') =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${extra}` }] } });

test('a duplicate custom_id is underlined exactly (UTF-16 columns, after an emoji) and points at the first use', () => {
  const text = [line('a', '😀'), line('b'), line('a', '😀😀')].join('\n') + '\n';
  const r = validateText(text, { provider: 'auto' });
  const dup = r.diagnostics.find((d) => d.line === 3 && d.severity === 'error');
  assert.ok(dup, JSON.stringify(r.diagnostics));
  assert.equal(dup.related?.line, 1);
  const z = toZeroRange(dup, { count: 4, length: (i) => text.split('\n')[i]!.length });
  const shown = text.split('\n')[z.startLine]!.slice(z.startCharacter, z.endCharacter);
  assert.equal(shown, '"a"');
});

test('fix all duplicates in one merged edit leaves a file with no errors', () => {
  const text = [line('a'), line('a'), line('b'), line('a'), line('b')].join('\n') + '\n';
  const before = validateText(text);
  assert.match(statusText(summarize(before)), /^\$\(error\) 3 errors · 5 requests · openai \/v1\/chat\/completions$/);
  const code = before.diagnostics.find((d) => d.severity === 'error')!.code;
  const fixes = before.diagnostics.filter((d) => d.code === code && d.fix).map((d) => d.fix!);
  assert.equal(fixes.length, 3);
  const merged = mergeFixes(fixes);
  assert.equal(merged.applied, 3);
  const after = validateText(applyEdits(text, merged.edits));
  assert.deepEqual(after.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(statusText(summarize(after)), '$(check) 5 requests · openai /v1/chat/completions');
});

test('fix all blank lines: touching multi-line deletions merge and leave no blank line', () => {
  const text = [line('a'), '', '', line('b'), '   ', line('c')].join('\n') + '\n';
  const before = validateText(text);
  const fixes = before.diagnostics.filter((d) => d.code === 'blank-line' && d.fix).map((d) => d.fix!);
  assert.equal(fixes.length, 3);
  const merged = mergeFixes(fixes);
  assert.equal(merged.skipped, 0);
  const fixed = applyEdits(text, merged.edits);
  assert.equal(fixed, [line('a'), line('b'), line('c')].join('\n') + '\n');
});

/** Applies the fix of the one diagnostic with `code` and validates again. */
function fixed(text: string, code: string): { title: string; after: string; errors: string[] } {
  const d = validateText(text).diagnostics.find((x) => x.code === code);
  assert.ok(d?.fix, `a quick fix for ${code}: ${JSON.stringify(validateText(text).diagnostics)}`);
  const after = applyEdits(text, d.fix.edits);
  return { title: d.fix.title, after, errors: validateText(after).diagnostics.filter((x) => x.severity === 'error').map((x) => `${x.code}: ${x.message}`) };
}

const anthropic = (params: Record<string, unknown>) => JSON.stringify({ custom_id: 'a', params: { model: 'claude-sonnet-4-5', max_tokens: 64, ...params } }) + '\n';

test('quick fix: max_tokens given as a string becomes the number', () => {
  const text = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', max_tokens: '256', messages: [{ role: 'user', content: 'hi' }] } }) + '\n';
  const r = fixed(text, 'invalid-max-tokens');
  assert.equal(r.title, 'Write max_tokens as the number 256');
  assert.deepEqual(r.errors, []);
  assert.equal(JSON.parse(r.after).body.max_tokens, 256);
  const anth = fixed(anthropic({ max_tokens: '64', messages: [{ role: 'user', content: 'hi' }] }), 'invalid-max-tokens');
  assert.deepEqual(anth.errors, []);
});

test('quick fix: an invalid role becomes the nearest valid one (Gemini assistant -> model)', () => {
  const openai = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'usr', content: 'hi' }] } }) + '\n';
  const r = fixed(openai, 'invalid-role');
  assert.equal(r.title, 'Change the role to "user"');
  assert.deepEqual(r.errors, []);
  const a = fixed(anthropic({ messages: [{ role: 'asistant', content: 'x' }, { role: 'user', content: 'hi' }] }), 'invalid-role');
  assert.equal(JSON.parse(a.after).params.messages[0].role, 'assistant');
  const gemini = JSON.stringify({ key: 'k', request: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }, { role: 'assistant', parts: [{ text: 'x' }] }, { role: 'user', parts: [{ text: 'more' }] }] } }) + '\n';
  const g = fixed(gemini, 'invalid-role');
  assert.equal(JSON.parse(g.after).request.contents[1].role, 'model');
  assert.deepEqual(g.errors, []);
});

test('quick fix: an Anthropic system message inside messages moves to params.system', () => {
  const r = fixed(anthropic({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] }), 'invalid-role');
  assert.equal(r.title, 'Move the system message to "system"');
  assert.deepEqual(r.errors, []);
  const p = JSON.parse(r.after).params;
  assert.equal(p.system, 'Be brief.');
  assert.deepEqual(p.messages, [{ role: 'user', content: 'hi' }]);
  // Last element, and a system prompt already there: appended to it.
  const r2 = fixed(anthropic({ system: 'You label.', messages: [{ role: 'user', content: 'hi' }, { role: 'system', content: 'Be brief.' }] }), 'invalid-role');
  assert.deepEqual(r2.errors, []);
  assert.equal(JSON.parse(r2.after).params.system, 'You label.\n\nBe brief.');
  assert.deepEqual(JSON.parse(r2.after).params.messages, [{ role: 'user', content: 'hi' }]);
});

test('quick fix: a non-string Anthropic system becomes a string', () => {
  for (const system of [42, ['You label.', 'Be brief.'], { text: 'You label.' }]) {
    const r = fixed(anthropic({ system, messages: [{ role: 'user', content: 'hi' }] }), 'invalid-system');
    assert.equal(r.title, 'Write system as a string');
    assert.deepEqual(r.errors, [], JSON.stringify(system));
    assert.equal(typeof JSON.parse(r.after).params.system, 'string');
  }
});

test('"Fix all" titles name the problem in words, not the rule id', () => {
  assert.equal(fixAllTitle('duplicate-custom-id', 3), 'Fix all 3 duplicate request ids in this file');
  assert.equal(fixAllTitle('invalid-max-tokens', 2), 'Fix all 2 token limits written as text in this file');
  // Every code the validator attaches a fix to has a name.
  const lines = [
    anthropic({ max_tokens: '5', messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'hi' }] }).trim(),
    JSON.stringify({ method: 'GET', url: '/v1/chat/completion', body: { model: 'gpt-4o-mini', messages: [{ role: 'usr', content: 'hi' }] } }),
    line('a'), line('a'), '', line('b'),
  ];
  for (const d of validateText(lines.join('\n') + '\n').diagnostics.filter((x) => x.fix)) assert.doesNotMatch(fixAllTitle(d.code, 2), /problems of this kind/, d.code);
});
