import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readJsonlFile, splitJsonlText, hasUtf8Bom, looksBinary, isBlankLine, removeUtf8Bom, sniffEncoding, type JsonlLine } from '../../src/core/jsonl';

let dirP: Promise<string> | undefined;
async function tmp(content: string | Buffer, name = 'f.jsonl'): Promise<string> {
  dirP ??= mkdtemp(join(tmpdir(), 'bw-jsonl-'));
  const dir = await mkdtemp(join(await dirP, 'c-'));
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

async function readAll(path: string, opts?: { signal?: AbortSignal; chunkBytes?: number }): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const l of readJsonlFile(path, opts)) out.push(l);
  return out;
}

test('LF lines get 1-based numbers, byte offsets and lengths', async () => {
  const lines = await readAll(await tmp('{"a":1}\n{"b":2}\n'));
  assert.deepEqual(lines, [
    { line: 1, offset: 0, bytes: 7, text: '{"a":1}', eol: '\n' },
    { line: 2, offset: 8, bytes: 7, text: '{"b":2}', eol: '\n' },
  ]);
});

test('CRLF is stripped from the text and reported as the eol', async () => {
  const lines = await readAll(await tmp('{"a":1}\r\n{"b":2}\r\n'));
  assert.deepEqual(
    lines.map((l) => [l.line, l.offset, l.bytes, l.text, l.eol]),
    [
      [1, 0, 7, '{"a":1}', '\r\n'],
      [2, 9, 7, '{"b":2}', '\r\n'],
    ],
  );
});

test('a BOM is stripped from line 1, flagged, and still counted in its bytes', async () => {
  const p = await tmp(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}')]));
  const lines = await readAll(p);
  assert.equal(lines[0]!.text, '{"a":1}');
  assert.equal(lines[0]!.bom, true);
  assert.equal(lines[0]!.bytes, 10);
  assert.equal(lines[1]!.offset, 11);
  assert.equal(lines[1]!.bom, undefined);
  assert.equal(await hasUtf8Bom(p), true);
  assert.equal(await hasUtf8Bom(await tmp('{}\n')), false);
});

test('blank and whitespace-only lines are kept as lines; no final newline gives an eol-less last line', async () => {
  const lines = await readAll(await tmp('{}\n\n  \t\n{}'));
  assert.deepEqual(
    lines.map((l) => [l.line, l.text, l.eol]),
    [
      [1, '{}', '\n'],
      [2, '', '\n'],
      [3, '  \t', '\n'],
      [4, '{}', ''],
    ],
  );
  assert.equal(isBlankLine(lines[2]!.text), true);
  assert.equal(isBlankLine(lines[3]!.text), false);
});

test('an empty file has no lines, and a lone newline is one empty line', async () => {
  assert.deepEqual(await readAll(await tmp('')), []);
  assert.deepEqual(await readAll(await tmp('\n')), [{ line: 1, offset: 0, bytes: 0, text: '', eol: '\n' }]);
});

test('a multi-MB line with multi-byte characters across chunk boundaries decodes intact', async () => {
  // 3 MB of 3-byte characters: the 1 MB chunks cut inside characters.
  const big = JSON.stringify({ t: '€'.repeat(1_000_000) });
  const p = await tmp(`{"a":1}\n${big}\r\n{"b":2}`);
  const lines = await readAll(p);
  assert.equal(lines.length, 3);
  assert.equal(lines[1]!.text, big);
  assert.equal(lines[1]!.bytes, Buffer.byteLength(big));
  assert.equal(lines[1]!.eol, '\r\n');
  assert.equal(lines[2]!.offset, 8 + Buffer.byteLength(big) + 2);
  assert.equal(lines[2]!.text, '{"b":2}');
});

test('an aborted read stops with the abort reason', async () => {
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(readAll(await tmp('{}\n{}\n'), { signal: ac.signal }), /stop/);
});

test('binary files are recognised by a NUL byte in their first 8 KB', async () => {
  assert.equal(await looksBinary(await tmp(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]))), true);
  assert.equal(await looksBinary(await tmp('{"a":"ü"}\n')), false);
});

test('splitJsonlText gives the same lines as the file reader, with UTF-8 byte offsets', async () => {
  const text = '\uFEFF{"a":"é"}\r\n\n{"b":"日本"}\n  \n{"c":3}';
  const fromFile = await readAll(await tmp(text));
  assert.deepEqual(splitJsonlText(text), fromFile);
  assert.deepEqual(splitJsonlText(''), []);
});

const pieces = fc.array(
  fc.record({
    text: fc.oneof(
      fc.constant(''),
      fc.constant('   '),
      fc.constant('\t'),
      fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/[\r\n\uFEFF]/g, '')),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    ),
    eol: fc.constantFrom('\n', '\r\n'),
  }),
  { maxLength: 25 },
);

test('property: random mixes of LF / CRLF / BOM / blank lines keep numbers, offsets and text exact', async () => {
  await fc.assert(
    fc.asyncProperty(pieces, fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 64 }), async (parts, bom, finalNewline, chunkBytes) => {
      let content = '';
      parts.forEach((p, i) => {
        content += p.text + (i < parts.length - 1 || finalNewline ? p.eol : '');
      });
      if (bom) content = '\uFEFF' + content;
      const buf = Buffer.from(content, 'utf8');
      // Tiny reads split CRLFs, the BOM and multi-byte characters across chunks.
      const lines = await readAll(await tmp(buf), { chunkBytes });
      // The expected model: one line per part, except that an empty last part without newline is no line.
      const expected = parts.filter((p, i) => !(i === parts.length - 1 && !finalNewline && p.text === '' && !(bom && parts.length === 1)));
      if (bom && expected.length === 0) expected.push({ text: '', eol: '\n' });
      assert.equal(lines.length, expected.length);
      let offset = 0;
      lines.forEach((l, i) => {
        assert.equal(l.line, i + 1);
        assert.equal(l.offset, offset);
        assert.equal(l.text, expected[i]!.text);
        // Re-slicing the raw bytes at the reported offsets gives the line back.
        const raw = buf.subarray(l.offset, l.offset + l.bytes).toString('utf8');
        assert.equal(raw, (i === 0 && bom ? '\uFEFF' : '') + l.text);
        offset += l.bytes + l.eol.length;
      });
      assert.equal(offset, buf.length);
      assert.deepEqual(splitJsonlText(content), lines);
    }),
    { numRuns: 150 },
  );
});

test('removeUtf8Bom rewrites the file without its first 3 bytes, and leaves other files alone', async () => {
  const p = await tmp(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n')]));
  assert.equal(await removeUtf8Bom(p), true);
  assert.equal(await readFile(p, 'utf8'), '{"a":1}\n');
  assert.equal(await removeUtf8Bom(p), false);
  assert.equal(await readFile(p, 'utf8'), '{"a":1}\n');
  assert.equal(await sniffEncoding(await tmp(Buffer.from('\uFEFF{}', 'utf16le'))), 'utf16');
  assert.equal(await sniffEncoding(p), 'utf8');
});
