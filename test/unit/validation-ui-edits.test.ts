import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toZeroRange, diagnosticKey } from '../../src/extension/validation/ranges';
import { mergeFixes } from '../../src/extension/validation/fixAll';
import { commandTargets, isJsonlDocument } from '../../src/extension/validation/documents';
import type { Fix, TextEdit } from '../../src/core/diagnostics';

const lines = (...texts: string[]) => ({ count: texts.length, length: (i: number) => texts[i]!.length });

test('core 1-based ranges become 0-based with the same exclusive end', () => {
  assert.deepEqual(toZeroRange({ line: 3, column: 5, endLine: 3, endColumn: 9 }), { startLine: 2, startCharacter: 4, endLine: 2, endCharacter: 8 });
  assert.deepEqual(toZeroRange({ line: 1, column: 1, endLine: 2, endColumn: 1 }), { startLine: 0, startCharacter: 0, endLine: 1, endCharacter: 0 });
});

test('UTF-16 columns pass through unchanged (an emoji is two units in both)', () => {
  const text = '{"custom_id":"😀x"}';
  const col = text.indexOf('x') + 1; // 1-based UTF-16 column as core reports it
  const r = toZeroRange({ line: 1, column: col, endLine: 1, endColumn: col + 1 }, lines(text));
  assert.equal(text.slice(r.startCharacter, r.endCharacter), 'x');
});

test('ranges are clamped to the document', () => {
  const doc = lines('{"a":1}', '{}');
  assert.deepEqual(toZeroRange({ line: 1, column: 3, endLine: 1, endColumn: 99 }, doc), { startLine: 0, startCharacter: 2, endLine: 0, endCharacter: 7 });
  assert.deepEqual(toZeroRange({ line: 9, column: 1, endLine: 9, endColumn: 5 }, doc), { startLine: 1, startCharacter: 2, endLine: 1, endCharacter: 2 });
  assert.deepEqual(toZeroRange({ line: 2, column: 2, endLine: 1, endColumn: 1 }, doc), { startLine: 1, startCharacter: 1, endLine: 1, endCharacter: 1 });
});

test('clamped ranges always lie inside the document and are never inverted (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 6 }),
      fc.record({ line: fc.integer({ min: 1, max: 9 }), column: fc.integer({ min: 1, max: 30 }), endLine: fc.integer({ min: 1, max: 9 }), endColumn: fc.integer({ min: 1, max: 30 }) }),
      (texts, r) => {
        const z = toZeroRange(r, lines(...texts));
        assert.ok(z.startLine < texts.length && z.endLine < texts.length);
        assert.ok(z.startCharacter <= texts[z.startLine]!.length && z.endCharacter <= texts[z.endLine]!.length);
        assert.ok(z.startLine < z.endLine || (z.startLine === z.endLine && z.startCharacter <= z.endCharacter));
      },
    ),
  );
});

test('diagnostic keys differ by range, code and message', () => {
  const r = { startLine: 0, startCharacter: 1, endLine: 0, endCharacter: 4 };
  assert.equal(diagnosticKey(r, 'a', 'm'), diagnosticKey({ ...r }, 'a', 'm'));
  assert.notEqual(diagnosticKey(r, 'a', 'm'), diagnosticKey({ ...r, endCharacter: 5 }, 'a', 'm'));
  assert.notEqual(diagnosticKey(r, 'a', 'm'), diagnosticKey(r, 'b', 'm'));
});

const edit = (line: number, column: number, endColumn: number, text: string, endLine = line): TextEdit => ({ line, column, endLine, endColumn, text });
const fix = (...edits: TextEdit[]): Fix => ({ title: 't', edits });

test('fix all: independent fixes are all applied, sorted by position', () => {
  const m = mergeFixes([fix(edit(3, 15, 20, '"b-2"')), fix(edit(1, 15, 20, '"a-2"')), fix(edit(2, 1, 1, '"custom_id":"x",'))]);
  assert.equal(m.applied, 3);
  assert.equal(m.skipped, 0);
  assert.deepEqual(m.edits.map((e) => e.line), [1, 2, 3]);
});

test('fix all: a fix overlapping an accepted one is skipped whole', () => {
  const m = mergeFixes([fix(edit(1, 5, 10, 'x')), fix(edit(2, 1, 2, 'keep'), edit(1, 8, 12, 'y'))]);
  assert.equal(m.applied, 1);
  assert.equal(m.skipped, 1);
  assert.deepEqual(m.edits, [edit(1, 5, 10, 'x')], 'no half of the second fix is applied');
});

test('fix all: identical edits count once; two inserts at one point conflict; touching ranges do not', () => {
  const bom = edit(1, 1, 2, '');
  assert.deepEqual(mergeFixes([fix(bom), fix(bom)]), { edits: [bom], applied: 2, skipped: 0 });
  assert.equal(mergeFixes([fix(edit(1, 3, 3, 'a')), fix(edit(1, 3, 3, 'b'))]).skipped, 1);
  assert.equal(mergeFixes([fix(edit(1, 1, 3, 'a')), fix(edit(1, 3, 5, 'b'))]).skipped, 0);
  assert.equal(mergeFixes([fix(edit(1, 5, 2, 'a', 2)), fix(edit(2, 1, 3, 'b'))]).skipped, 1, 'multi-line ranges overlap too');
});

test('fix all never returns overlapping edits (property)', () => {
  const arbEdit = fc
    .record({ line: fc.integer({ min: 1, max: 4 }), column: fc.integer({ min: 1, max: 10 }), len: fc.integer({ min: 0, max: 5 }), text: fc.string({ maxLength: 3 }) })
    .map((e) => edit(e.line, e.column, e.column + e.len, e.text));
  fc.assert(
    fc.property(fc.array(fc.array(arbEdit, { minLength: 1, maxLength: 3 }).map((es) => fix(...es)), { maxLength: 8 }), (fixes) => {
      const m = mergeFixes(fixes);
      assert.equal(m.applied + m.skipped, fixes.length);
      for (let i = 1; i < m.edits.length; i++) {
        const a = m.edits[i - 1]!;
        const b = m.edits[i]!;
        const aEnd = a.endLine * 1000 + a.endColumn;
        const bStart = b.line * 1000 + b.column;
        assert.ok(aEnd <= bStart && a.line * 1000 + a.column < bStart, `edits ${JSON.stringify(a)} and ${JSON.stringify(b)} overlap`);
      }
    }),
  );
});

test('jsonl documents: by language id or extension, not in virtual schemes', () => {
  assert.equal(isJsonlDocument({ languageId: 'jsonl', scheme: 'file', path: '/a/b.txt' }), true);
  assert.equal(isJsonlDocument({ languageId: 'plaintext', scheme: 'file', path: '/a/B.JSONL' }), true);
  assert.equal(isJsonlDocument({ languageId: 'json', scheme: 'untitled', path: 'Untitled-1' }), false);
  assert.equal(isJsonlDocument({ languageId: 'jsonl', scheme: 'git', path: '/a/b.jsonl' }), false);
});

test('command targets: the explorer selection, the clicked file, or nothing; no duplicates', () => {
  const id = (s: string) => s;
  assert.deepEqual(commandTargets('a', ['a', 'b'], id), ['a', 'b']);
  assert.deepEqual(commandTargets('c', ['a', 'b'], id), ['c', 'a', 'b']);
  assert.deepEqual(commandTargets('a', undefined, id), ['a']);
  assert.deepEqual(commandTargets(undefined, [], id), []);
  assert.deepEqual(commandTargets('a', ['a', 'a'], id), ['a']);
});
