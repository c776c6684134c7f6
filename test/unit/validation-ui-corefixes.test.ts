import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateText } from '../../src/core/validate';
import type { TextEdit } from '../../src/core/diagnostics';
import { mergeFixes } from '../../src/extension/validation/fixAll';
import { toZeroRange } from '../../src/extension/validation/ranges';
import { summarize, statusText } from '../../src/extension/validation/summary';

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
