import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { isTerminal } from '../../src/core/status';
import { createProvider, defaultProfile } from '../../src/providers';
import { refreshJob } from '../../src/jobs/refresh';
import { runCliCaptured } from '../support/cli';

/**
 * Issue 13 "Results are kept the moment a job ends": `status`, `status --watch` and `list` download the results
 * into the job's folder when they see the job ended, so `results` and `retry` work after the provider forgot the
 * batch (here: the emulator is stopped, then started again empty on the same port, as a sandbox restarts).
 * `[[fail]]` makes the emulator answer that line with a per-line error (src/emulator/markers.ts).
 */
describe('results are kept when a job is seen ended', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let store: JobStore;
  const chat = (id: string, text: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });
  const cli = (...argv: string[]) => runCliCaptured(argv, { env });

  async function input(name: string): Promise<string> {
    const path = join(dir, name);
    // The name in the text keeps files apart: the same content while a job of it runs is refused as a duplicate.
    await writeFile(path, [chat('a', `Hello ${name}`), chat('b', 'x [[fail]]'), chat('c', 'World')].join('\n') + '\n');
    return path;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-kept-'));
    env = { BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
    store = new JobStore(join(dir, 'home'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('status --watch keeps them; results and retry work after the emulator forgot the batch', async () => {
    let emu: Emulator = await startEmulator({ tickMs: 20 });
    const port = emu.port;
    try {
      const sub = await cli('submit', await input('watch.jsonl'), '--base-url', `${emu.url}/v1`, '--json');
      assert.equal(sub.code, 0, sub.err);
      const { job: id } = JSON.parse(sub.out) as { job: string };
      const st = await cli('status', id, '--watch', '--interval', '0.01');
      assert.equal(st.code, 0, st.err);
      const kept = (await store.get(id))!;
      assert.equal(kept.resultsPath, join(store.jobDir(id), 'results.jsonl'));
      assert.match(st.err, new RegExp(`results kept: ${kept.resultsPath!.replace(/[.\\]/g, '\\$&')}`));
      const records = (await readFile(kept.resultsPath!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { customId: string; outcome: string });
      assert.deepEqual(records.map((r) => [r.customId, r.outcome]), [['a', 'succeeded'], ['b', 'errored'], ['c', 'succeeded']]);

      // The provider is gone: results come from the kept copy.
      await emu.close();
      const res = await cli('results', id, '--json');
      assert.equal(res.code, 0, res.err);
      assert.deepEqual(JSON.parse(res.out), { job: id, succeeded: 2, failed: 1, quality: { ok: 2, truncated: 0, empty: 0, refused: 0, invalid_json: 0, schema_mismatch: 0 }, out: kept.resultsPath, failedOut: null });

      // It comes back empty (a restarted sandbox): the retry is built from the kept copy and submitted there.
      emu = await startEmulator({ tickMs: 20, port });
      const retry = await cli('retry', id, '--json');
      assert.equal(retry.code, 0, retry.err);
      const r = JSON.parse(retry.out) as { job: string; parent: string; requests: number };
      assert.equal(r.parent, id);
      assert.equal(r.requests, 1);
      const retryJob = (await store.get(r.job))!;
      assert.equal(await readFile(retryJob.inputPath, 'utf8'), chat('b', 'x [[fail]]') + '\n');
    } finally {
      await emu.close();
    }
  });

  it('list keeps the results of a job another process saw end', async () => {
    const emu = await startEmulator({ tickMs: 20 });
    let id: string;
    try {
      const sub = await cli('submit', await input('list.jsonl'), '--base-url', `${emu.url}/v1`, '--json');
      id = (JSON.parse(sub.out) as { job: string }).job;
      // Polled to its end as the extension would, without keeping the results.
      const provider = createProvider(defaultProfile('openai', `${emu.url}/v1`), 'k');
      let job = (await store.get(id))!;
      while (!isTerminal(job.status)) job = await refreshJob(store, job, provider);
      assert.equal(job.resultsPath, undefined);

      const list = await cli('list', '--json');
      assert.equal(list.code, 0, list.err);
      assert.match(list.err, new RegExp(`kept the results of ${id}: `));
      assert.ok((await store.get(id))!.resultsPath);
      // Only once: a second list has nothing to download.
      assert.doesNotMatch((await cli('list')).err, /kept the results/);
    } finally {
      await emu.close();
    }
    const res = await cli('results', id, '--json');
    assert.equal(res.code, 0, res.err);
    assert.equal((JSON.parse(res.out) as { succeeded: number }).succeeded, 2);
  });

  it('status of an ended job whose results cannot be fetched warns and still shows the job', async () => {
    const emu = await startEmulator({ tickMs: 20 });
    const sub = await cli('submit', await input('gone.jsonl'), '--base-url', `${emu.url}/v1`, '--json');
    const { job: id } = JSON.parse(sub.out) as { job: string };
    const provider = createProvider(defaultProfile('openai', `${emu.url}/v1`), 'k');
    let job = (await store.get(id))!;
    while (!isTerminal(job.status)) job = await refreshJob(store, job, provider);
    await emu.close();
    const st = await cli('status', id);
    assert.equal(st.code, 0);
    assert.match(st.out, /status\s+completed/);
    assert.match(st.err, new RegExp(`warning: the results of ${id} are not downloaded yet: .*"batchwise results ${id}" tries again`));
    // And until when the provider keeps them (OpenAI: output files 30 days after completion).
    assert.match(st.out, new RegExp(`results   not downloaded; on the provider until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(in (29|30) days\\): run "batchwise results ${id}" to keep them`));
  });

  it('a batch the provider no longer knows (404): results and retry give what is known locally', async () => {
    let emu = await startEmulator({ tickMs: 20 });
    const port = emu.port;
    try {
      const path = await input('gone404.jsonl');
      const sub = await cli('submit', path, '--base-url', `${emu.url}/v1`, '--json');
      const { job: id } = JSON.parse(sub.out) as { job: string };
      const provider = createProvider(defaultProfile('openai', `${emu.url}/v1`), 'k');
      let job = (await store.get(id))!;
      while (!isTerminal(job.status)) job = await refreshJob(store, job, provider);
      // Ended, never downloaded, and the sandbox restarts empty: every call about the batch is a 404.
      await emu.close();
      emu = await startEmulator({ tickMs: 20, port });
      const failedOut = join(dir, 'gone404.failed.jsonl');
      const res = await cli('results', id, '--failed-out', failedOut, '--json');
      assert.equal(res.code, 0, res.err);
      assert.deepEqual(JSON.parse(res.out), { job: id, succeeded: 0, failed: 3, quality: { ok: 0, truncated: 0, empty: 0, refused: 0, invalid_json: 0, schema_mismatch: 0 }, out: join(store.jobDir(id), 'results.jsonl'), failedOut });
      // The failed-lines file is every input line without a local success, byte for byte.
      assert.equal(await readFile(failedOut, 'utf8'), await readFile(path, 'utf8'));
      const human = await cli('results', id);
      assert.match(human.out, /3 lines, e.g. lines 1, 2, 3: not_found: The provider no longer has batch batch_\w+ \(404\), so this line has no result: send it again \(retry\)\./);
      assert.match((await cli('status', id)).out, /not_found: openai has no results for batch batch_\w+ any more \(404\)/);

      const retry = await cli('retry', id, '--json');
      assert.equal(retry.code, 0, retry.err);
      assert.equal((JSON.parse(retry.out) as { requests: number }).requests, 3);
    } finally {
      await emu.close();
    }
  });

  it('a running batch that the provider forgot ends as failed at the next status, with its lines kept as not found', async () => {
    let emu = await startEmulator({ tickMs: 60_000 });
    const port = emu.port;
    try {
      const sub = await cli('submit', await input('forgot.jsonl'), '--base-url', `${emu.url}/v1`, '--json');
      assert.equal(sub.code, 0, sub.err);
      const { job: id } = JSON.parse(sub.out) as { job: string };
      await emu.close();
      emu = await startEmulator({ tickMs: 60_000, port });
      const st = await cli('status', id);
      assert.equal(st.code, 1, st.err);
      assert.match(st.err, /results kept: /);
      const res = await cli('results', id, '--json');
      assert.equal(res.code, 0, res.err);
      assert.deepEqual((JSON.parse(res.out) as { failed: number }).failed, 3);
    } finally {
      await emu.close();
    }
  });
});
