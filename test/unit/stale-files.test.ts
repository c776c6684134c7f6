import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { STALE_AFTER_MS, removeStaleScratchDirs, removeStaleTemps, scratchDir } from '../../src/core/staleFiles';
import { tempPathFor, writeFileAtomic } from '../../src/core/fsAtomic';
import { JobStore } from '../../src/core/jobs/store';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-stale-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The pid of a process that has ended (what a kill -9 leaves in a temp file's name). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

async function aged(path: string, ms = STALE_AFTER_MS + 1000): Promise<string> {
  const t = new Date(Date.now() - ms);
  await utimes(path, t, t);
  return path;
}

test('temp files of dead processes are removed; a live writer\'s, a fresh one and other files are kept', async () => {
  const dead = deadPid();
  const stale = join(dir, `.job.json.${dead}.0a1b2c3d.tmp`);
  await writeFile(stale, 'half a job');
  await aged(stale);
  const mine = join(dir, `.job.json.${process.pid}.0a1b2c3d.tmp`);
  await writeFile(mine, 'being written');
  await aged(mine);
  const fresh = join(dir, `.out.jsonl.${dead}.11112222.tmp`);
  await writeFile(fresh, 'written a moment ago (maybe by another machine sharing this home)');
  await writeFile(join(dir, 'job.json'), '{}');
  await writeFile(join(dir, '.hidden.tmp'), 'not ours');

  assert.equal(await removeStaleTemps(dir), 1);
  assert.deepEqual((await readdir(dir)).sort(), ['.hidden.tmp', basename(mine), basename(fresh), 'job.json'].sort());
  // Once old enough it goes too; a filter by target name leaves other targets' temps alone.
  await aged(fresh);
  assert.equal(await removeStaleTemps(dir, 'job.json'), 0);
  assert.equal(await removeStaleTemps(dir, 'out.jsonl'), 1);
});

test('the temp name a write uses carries its pid, and the next write of that target removes a killed one\'s', async () => {
  const target = join(dir, 'results.jsonl');
  assert.match(basename(tempPathFor(target)), new RegExp(`^\\.results\\.jsonl\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
  const left = join(dir, `.results.jsonl.${deadPid()}.deadbeef.tmp`);
  await writeFile(left, 'x'.repeat(1000));
  await aged(left);
  await writeFileAtomic(target, 'new\n');
  assert.deepEqual(await readdir(dir), ['results.jsonl']);
});

test('scratch folders in the temp folder carry the pid; a dead process\'s are removed, this one\'s kept', async () => {
  const root = join(dir, 'tmp');
  await mkdir(root);
  const dead = join(root, `batchwise-part-${deadPid()}-AbC123`);
  await mkdir(dead);
  await writeFile(join(dead, 'part.jsonl'), 'a killed upload\n');
  await aged(dead);
  const live = join(root, `batchwise-part-${process.pid}-XyZ789`);
  await mkdir(live);
  await aged(live);
  await mkdir(join(root, 'batchwise-other'));
  assert.equal(await removeStaleScratchDirs(root), 1);
  assert.deepEqual((await readdir(root)).sort(), ['batchwise-other', basename(live)].sort());

  const made = await scratchDir('part');
  try {
    assert.match(basename(made), new RegExp(`^batchwise-part-${process.pid}-[A-Za-z0-9]{6}$`));
  } finally {
    await rm(made, { recursive: true, force: true });
  }
});

test('the job store sweeps its job folders and locks of what killed processes left', async () => {
  const store = new JobStore(join(dir, 'home'));
  const jobDir = store.jobDir('bw-20260101-aaaaaa');
  await mkdir(jobDir, { recursive: true });
  await mkdir(join(dir, 'home', 'locks'), { recursive: true });
  const dead = deadPid();
  for (const p of [join(jobDir, `.job.json.${dead}.01234567.tmp`), join(dir, 'home', 'locks', `.submit-x.lock.${dead}.89abcdef.tmp`)]) {
    await writeFile(p, '{');
    await aged(p);
  }
  assert.ok((await store.sweepStale()) >= 2);
  assert.deepEqual(await readdir(jobDir), []);
  assert.deepEqual(await readdir(join(dir, 'home', 'locks')), []);
});
