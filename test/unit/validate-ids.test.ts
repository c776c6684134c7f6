// The duplicate custom_id check of a streamed file keeps ids as 64-bit hashes (issue 14: 1,000,000 lines in
// bounded memory) and confirms hash matches exactly, so it reports what the exact check reports, never more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateFile, validateText } from '../../src/core/validate';
import { HashedIds, hash64 } from '../../src/core/rules/requestIds';

const openai = (id: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } });
const gemini = (key: string) => JSON.stringify({ key, request: { contents: [{ parts: [{ text: 'hi' }] }] } });

async function withFile(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-ids-'));
  try {
    const path = join(dir, 'in.jsonl');
    await writeFile(path, text);
    await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const duplicates = (r: { diagnostics: { code: string; line: number; message: string; related?: { line: number } }[] }) =>
  r.diagnostics.filter((d) => d.code === 'duplicate-custom-id').map((d) => ({ line: d.line, first: d.related?.line, message: d.message }));

test('a streamed file reports the same duplicates as the exact check of the same text', async () => {
  const ids = ['a', 'b', 'a', 'c', 'b', 'a', 'request-1', 'request-10', 'request-1'];
  const text = ids.map(openai).join('\n') + '\n';
  await withFile(text, async (path) => {
    const fromFile = duplicates(await validateFile(path));
    assert.deepEqual(fromFile, duplicates(validateText(text)));
    assert.deepEqual(
      fromFile.map((d) => [d.line, d.first]),
      [[3, 1], [5, 2], [6, 1], [9, 7]],
    );
  });
});

test('ids whose hashes collide are not duplicates: every hash equal, only the real repeats reported (Gemini keys too)', async () => {
  const collide = (): [number, number] => [7, 7];
  const ids = ['x', 'y', 'z', 'y', 'w', 'x'];
  for (const line of [openai, gemini]) {
    const text = ids.map(line).join('\n') + '\n';
    await withFile(text, async (path) => {
      const r = await validateFile(path, { idHash: collide });
      assert.deepEqual(duplicates(r), duplicates(validateText(text)));
      assert.deepEqual(duplicates(r).map((d) => [d.line, d.first]), [[4, 2], [6, 1]]);
    });
  }
});

test('the hashed table holds 200,000 distinct ids in typed arrays with no false candidate, growing as needed', () => {
  const t = new HashedIds(8);
  for (let i = 1; i <= 200_000; i++) assert.equal(t.firstUse(`request-${i}`, i), undefined);
  assert.deepEqual(t.candidates, []);
  t.firstUse('request-77', 200_001);
  assert.deepEqual(t.candidates, [{ line: 200_001, id: 'request-77', hashedFirst: 77 }]);
  assert.notDeepEqual(hash64('ab'), hash64('ba'));
});
