import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineAppender } from '../../src/runner/lineAppender';
import type { FileHandle } from 'node:fs/promises';

test('lines are written whole and in order; lines that arrive during a write share the next one', async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'bw-append-')), 'out.jsonl');
  const file = await open(path, 'a');
  const writes: string[] = [];
  const spy = { write: async (text: string) => (writes.push(text), file.write(text)) } as unknown as FileHandle;
  const appender = new LineAppender(spy);
  await Promise.all(Array.from({ length: 50 }, (_, i) => appender.append(`{"n":${i}}`)));
  await appender.drain();
  await file.close();
  const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  assert.deepEqual(lines, Array.from({ length: 50 }, (_, i) => `{"n":${i}}`));
  assert.ok(writes.length < 50, `50 lines took ${writes.length} writes`);
  assert.ok(writes.every((w) => w.endsWith('\n')), 'no write ends mid-line');
});

test('a failed write rejects the lines it carried and every later append', async () => {
  const failing = { write: async () => Promise.reject(new Error('disk full')) } as unknown as FileHandle;
  const appender = new LineAppender(failing);
  await assert.rejects(appender.append('a'), /disk full/);
  await assert.rejects(appender.append('b'), /disk full/);
  await assert.rejects(appender.drain(), /disk full/);
});
