import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';

function job(id: string, over: Partial<Job> = {}): Job {
  const now = new Date().toISOString();
  return {
    version: 1,
    id,
    name: `name-${id}`,
    provider: 'openai',
    profile: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    inputPath: '/tmp/in.jsonl',
    inputSha256: 'a'.repeat(64),
    inputLines: 1,
    requests: 1,
    parts: [],
    attempt: 1,
    status: 'in_progress',
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

describe('store: file-backed job store', () => {
  let home: string;
  let store: JobStore;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'bw-store-'));
    store = new JobStore(home);
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('saves and reads back; leaves no temp files behind', async () => {
    await store.save(job('bw-1'));
    assert.equal((await store.get('bw-1'))?.name, 'name-bw-1');
    assert.deepEqual(await readdir(store.jobDir('bw-1')), ['job.json']);
  });

  it('writes atomically: a reader racing many writes always sees a whole job', async () => {
    await store.save(job('bw-race'));
    const path = join(store.jobDir('bw-race'), 'job.json');
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(path, 'utf8');
        JSON.parse(text); // throws on a torn file
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 40; i++) await store.save(job('bw-race', { name: 'x'.repeat(i * 500) }));
    stop = true;
    await reader;
    assert.ok(reads > 0);
    assert.equal((await store.get('bw-race'))?.name.length, 39 * 500);
  });

  it('reports a corrupt or foreign job file and skips it, listing the others', async () => {
    await store.save(job('bw-good'));
    await mkdir(store.jobDir('bw-torn'), { recursive: true });
    await writeFile(join(store.jobDir('bw-torn'), 'job.json'), '{"version":1,"id":"bw-to');
    await mkdir(store.jobDir('bw-alien'), { recursive: true });
    await writeFile(join(store.jobDir('bw-alien'), 'job.json'), JSON.stringify({ hello: 'world' }));
    await mkdir(store.jobDir('bw-empty'), { recursive: true });
    const { jobs, problems } = await store.list();
    assert.deepEqual(jobs.map((j) => j.id), ['bw-good']);
    assert.equal(problems.length, 2);
    assert.ok(problems.some((p) => p.path.includes('bw-torn') && /not valid JSON/.test(p.message)));
    assert.ok(problems.some((p) => p.path.includes('bw-alien') && /not a Batchwise job/.test(p.message)));
    // The corrupt file is left for the user to look at, not deleted.
    assert.equal(await readFile(join(store.jobDir('bw-torn'), 'job.json'), 'utf8'), '{"version":1,"id":"bw-to');
  });

  it('serializes concurrent updates of one job so none is lost', async () => {
    await store.save(job('bw-u', { inputLines: 0 }));
    await Promise.all(Array.from({ length: 20 }, () => store.update('bw-u', (j) => ({ ...j, inputLines: j.inputLines + 1 }))));
    assert.equal((await store.get('bw-u'))?.inputLines, 20);
  });

  it('resolves by id, unique prefix or name, and says what is ambiguous', async () => {
    await store.save(job('bw-20260101-aaaaaa', { name: 'alpha' }));
    await store.save(job('bw-20260101-aaabbb', { name: 'beta' }));
    assert.equal((await store.resolve('bw-20260101-aaabbb')).name, 'beta');
    assert.equal((await store.resolve('bw-20260101-aaab')).name, 'beta');
    assert.equal((await store.resolve('alpha')).id, 'bw-20260101-aaaaaa');
    await assert.rejects(store.resolve('bw-20260101-aaa'), /matches 2 jobs/);
    await assert.rejects(store.resolve('nope'), /no job "nope"/);
  });

  it('a missing store is empty, not an error', async () => {
    assert.deepEqual(await new JobStore(join(home, 'missing')).list(), { jobs: [], problems: [] });
  });
});
