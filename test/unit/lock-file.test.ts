import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tryLock } from '../../src/core/lockFile';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The id of a process that has ended (so nothing runs under it any more). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout as unknown as number;
}

test('a held lock is refused with its holder; released, it can be taken again', async () => {
  const path = join(dir, 'locks', 'x.lock');
  const first = await tryLock(path, 'first');
  assert.ok(!('heldBy' in first));
  const second = await tryLock(path, 'second');
  assert.ok('heldBy' in second);
  assert.equal(second.heldBy.pid, process.pid);
  assert.equal(second.heldBy.purpose, 'first');
  await first.release();
  const third = await tryLock(path, 'third');
  assert.ok(!('heldBy' in third));
  await third.release();
  assert.deepEqual(await readdir(join(dir, 'locks')), [], 'no lock or temp file left');
});

test('a lock left by a killed process is taken over', async () => {
  const path = join(dir, 'x.lock');
  await writeFile(path, JSON.stringify({ pid: Number(deadPid()), host: hostname(), since: new Date().toISOString(), purpose: 'killed' }));
  const lock = await tryLock(path, 'after the kill');
  assert.ok(!('heldBy' in lock), 'the stale lock was recovered');
  await lock.release();
});

test('a lock held by a live process on another machine is respected until it is old', async () => {
  const path = join(dir, 'x.lock');
  await writeFile(path, JSON.stringify({ pid: 1, host: 'elsewhere', since: new Date().toISOString(), purpose: 'remote' }));
  assert.ok('heldBy' in (await tryLock(path, 'here')));
  await writeFile(path, JSON.stringify({ pid: 1, host: 'elsewhere', since: new Date(Date.now() - 2 * 3600_000).toISOString(), purpose: 'remote' }));
  const lock = await tryLock(path, 'here');
  assert.ok(!('heldBy' in lock));
  await lock.release();
});

test('an unreadable lock file (torn, not JSON) counts as stale', async () => {
  const path = join(dir, 'x.lock');
  await writeFile(path, '{"pid":');
  const lock = await tryLock(path, 'here');
  assert.ok(!('heldBy' in lock));
  await lock.release();
});
