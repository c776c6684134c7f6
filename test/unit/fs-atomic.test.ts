import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm, readFile, symlink, lstat, readlink, mkdir, chmod, stat, readdir } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../../src/core/fsAtomic';
import { writeLinesAtomic } from '../../src/core/results/lineWriter';
import { runCliCaptured } from '../support/cli';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-fsatomic-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test('a write through a symlink replaces the file it points to and leaves the link a link', async () => {
  const real = join(dir, 'real.jsonl');
  const link = join(dir, 'link.jsonl');
  await writeFile(real, 'old\n');
  await symlink(real, link);
  await writeFileAtomic(link, 'new\n');
  assert.ok((await lstat(link)).isSymbolicLink(), 'the link is still a link');
  assert.equal(await readlink(link), real);
  assert.equal(await readFile(real, 'utf8'), 'new\n');
});

test('a relative, chained and dangling symlink is followed to where it ends', async () => {
  await mkdir(join(dir, 'sub'));
  await symlink('sub/missing.jsonl', join(dir, 'a.jsonl')); // dangling, relative to the link's folder
  await symlink('a.jsonl', join(dir, 'b.jsonl'));
  await writeLinesAtomic(join(dir, 'b.jsonl'), async (w) => w.write('line\n'));
  assert.ok((await lstat(join(dir, 'b.jsonl'))).isSymbolicLink());
  assert.ok((await lstat(join(dir, 'a.jsonl'))).isSymbolicLink());
  assert.equal(await readFile(join(dir, 'sub', 'missing.jsonl'), 'utf8'), 'line\n');
  assert.deepEqual((await readdir(dir)).sort(), ['a.jsonl', 'b.jsonl', 'sub'], 'no temp file left beside the link');
});

test('a FIFO is streamed to, not replaced by a regular file', async () => {
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const chunks: Buffer[] = [];
  const reader = new Promise<void>((resolve, reject) => {
    createReadStream(fifo).on('data', (c) => chunks.push(c as Buffer)).on('end', resolve).on('error', reject);
  });
  await writeLinesAtomic(fifo, async (w) => {
    await w.write('{"a":1}\n');
    await w.write('{"a":2}\n');
  });
  assert.ok((await lstat(fifo)).isFIFO(), 'still a FIFO');
  await reader;
  assert.equal(Buffer.concat(chunks).toString(), '{"a":1}\n{"a":2}\n');
});

test('a directory as the target is refused with EISDIR and nothing is written', async () => {
  const target = join(dir, 'out.jsonl');
  await mkdir(target);
  await assert.rejects(writeFileAtomic(target, 'x'), (err: NodeJS.ErrnoException) => err.code === 'EISDIR' && err.path === target);
  assert.deepEqual(await readdir(dir), ['out.jsonl']);
});

test('the replaced file keeps its permission bits', async () => {
  const target = join(dir, 'private.jsonl');
  await writeFile(target, 'old');
  await chmod(target, 0o600);
  await writeFileAtomic(target, 'new');
  assert.equal((await stat(target)).mode & 0o777, 0o600);
});

test('CLI: convert --out through a symlink writes the target and keeps the link', async () => {
  const input = join(dir, 'in.jsonl');
  await writeFile(input, JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 } }) + '\n');
  const real = join(dir, 'real.anthropic.jsonl');
  await writeFile(real, 'old\n');
  await symlink(real, join(dir, 'out.jsonl'));
  const r = await runCliCaptured(['convert', input, '--to', 'anthropic', '--out', join(dir, 'out.jsonl')], { env: { BATCHWISE_HOME: join(dir, 'home') } });
  assert.equal(r.code, 0, r.err);
  assert.ok((await lstat(join(dir, 'out.jsonl'))).isSymbolicLink());
  assert.match(await readFile(real, 'utf8'), /"custom_id":"a"/);
});

test('ensureDir ends with the error where mkdir -p of Node 20 never settles (/proc), and makes nested folders', { timeout: 10_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'bw-ensure-'));
  await ensureDir(join(root, 'a', 'b', 'c'));
  assert.ok((await stat(join(root, 'a', 'b', 'c'))).isDirectory());
  await ensureDir(join(root, 'a', 'b')); // existing: fine
  await writeFile(join(root, 'file'), 'x');
  await assert.rejects(ensureDir(join(root, 'file', 'sub')), { code: "EEXIST", path: join(root, "file") });
  if (process.platform === 'linux') await assert.rejects(ensureDir('/proc/batchwise-nope/x'), { code: 'ENOENT' });
});
