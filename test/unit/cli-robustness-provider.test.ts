import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { runCliCaptured } from '../support/cli';
import { JobStore } from '../../src/core/jobs/store';

const chat = (id: string, text = `hi ${id}`) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });

describe('CLI: provider failures become one clear message (unreachable, 500s, 401), stdout empty with --json', () => {
  let emu: Emulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let n = 0;

  const cli = (argv: string[], signal?: AbortSignal) => runCliCaptured(argv, { env, signal });
  async function input(): Promise<string> {
    const path = join(dir, `in-${++n}.jsonl`);
    await writeFile(path, chat(`a${n}`) + '\n' + chat(`b${n}`) + '\n');
    return path;
  }
  async function submitted(): Promise<string> {
    const r = await cli(['submit', await input(), '--base-url', `${emu.url}/v1`, '--json']);
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { job: string }).job;
  }

  before(async () => {
    emu = await startEmulator({ tickMs: 5000 });
    dir = await mkdtemp(join(tmpdir(), 'bw-robust-prov-'));
    env = { BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
  });
  afterEach(() => emu.faults.clear());
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an unreachable base URL names the URL and what to check; nothing is left in the store', async () => {
    const r = await cli(['submit', await input(), '--base-url', 'http://127.0.0.1:9/v1', '--json']);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.match(r.err, /^batchwise submit: cannot reach http:\/\/127\.0\.0\.1:9\/v1: .*Check the network and that a server is running at that URL \(--base-url\)/);
    assert.deepEqual((await new JobStore(env.BATCHWISE_HOME!).list()).jobs, []);
  });

  it('a server answering 500 every time: submit, status and cancel say so and what to do next', async () => {
    const job = await submitted();
    emu.faults.add({ path: /^\/v1\//, status: 500 });
    const sub = await cli(['submit', await input(), '--base-url', `${emu.url}/v1`, '--json']);
    assert.equal(sub.code, 2);
    assert.equal(sub.out, '');
    assert.match(sub.err, /kept failing with HTTP 500 \(a server error\) after several attempts: .*Try again in a few minutes\./);
    const st = await cli(['status', job, '--json']);
    assert.equal(st.code, 2);
    assert.equal(st.out, '');
    assert.match(st.err, new RegExp(`HTTP 500 .*The job is unchanged in the store; run "batchwise status ${job}" again later`));
    const ca = await cli(['cancel', job]);
    assert.equal(ca.code, 2);
    assert.match(ca.err, new RegExp(`HTTP 500 .*run "batchwise cancel ${job}" again`));
    for (const r of [sub, st, ca]) assert.doesNotMatch(r.err, /undefined|\[object Object\]|\n\s+at /);
  });

  it('a refused key names the environment variable', async () => {
    const job = await submitted();
    emu.faults.add({ path: /^\/v1\//, status: 401 });
    const st = await cli(['status', job]);
    assert.equal(st.code, 2);
    assert.match(st.err, /refused the API key \(HTTP 401\): .*Check OPENAI_API_KEY\./);
  });

  it('a missing API key says which variable to set', async () => {
    const job = await submitted();
    const saved = env;
    env = { ...env, OPENAI_API_KEY: '' };
    try {
      const r = await cli(['status', job, '--json']);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.match(r.err, /OPENAI_API_KEY is not set: export OPENAI_API_KEY=/);
    } finally {
      env = saved;
    }
  });

  it('Ctrl+C while the batch is being created keeps the job (the batch may exist) and says how to find it', async () => {
    emu.faults.add({ method: 'POST', path: '/v1/batches', delayMs: 1500, times: 1 });
    const ac = new AbortController();
    const file = await input();
    const running = cli(['submit', file, '--base-url', `${emu.url}/v1`, '--json'], ac.signal);
    // Abort once the create request is in flight (the upload before it is quick).
    await new Promise((r) => setTimeout(r, 600));
    ac.abort();
    const r = await running;
    assert.equal(r.code, 130);
    assert.equal(r.out, '');
    const m = /interrupted while creating the batch: the provider may have created it, so the job is kept as (bw-\S+)\. Run "batchwise status \1"/.exec(r.err);
    assert.ok(m, r.err);
    const job = await new JobStore(env.BATCHWISE_HOME!).get(m[1]!);
    assert.ok(job, 'the job is in the store');
    assert.equal(job.parts[0]!.remoteId, null);
    assert.equal(job.status, 'validating');
    assert.equal(job.parts[0]!.errors[0]!.code, 'submit_interrupted');
  });

  it('status resolves an interrupted part: found by its job id, or marked not submitted after the short grace', async () => {
    const store = new JobStore(env.BATCHWISE_HOME!);
    const interrupted = { code: 'submit_interrupted', message: 'interrupted' };
    // The create went through but its id never reached the store.
    const found = await submitted();
    await store.update(found, (j) => ({ ...j, status: 'validating', parts: j.parts.map((p) => ({ ...p, remoteId: null, status: 'validating' as const, errors: [interrupted] })) }));
    const st = await cli(['status', found, '--json']);
    assert.equal(st.code, 0, st.err);
    const again = (await store.get(found))!;
    assert.match(again.parts[0]!.remoteId ?? '', /^batch_/);
    assert.deepEqual(again.parts[0]!.errors, []);
    // The create never reached the provider: after a few minutes the part is failed, so the job can end.
    const lost = await submitted();
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    await store.update(lost, (j) => ({ ...j, createdAt: old, status: 'validating', parts: j.parts.map((p) => ({ ...p, remoteId: null, status: 'validating' as const, submittedAt: old, errors: [interrupted] })) }));
    // Take the batch away from the emulator's list by pointing the job at a fresh id the emulator never saw.
    const renamed = 'bw-20200101-000000';
    const stored = (await store.get(lost))!;
    await store.save({ ...stored, id: renamed });
    const gone = await cli(['status', renamed, '--json']);
    assert.equal(gone.code, 1, gone.err);
    assert.equal((JSON.parse(gone.out) as { status: string }).status, 'failed');
    assert.equal((await store.get(renamed))!.parts[0]!.errors[0]!.code, 'submit_interrupted');
  });

  it('cancel of a job whose submit was interrupted cancels the batch that was created, not only the record', async () => {
    const store = new JobStore(env.BATCHWISE_HOME!);
    const job = await submitted();
    const remoteId = (await store.get(job))!.parts[0]!.remoteId!;
    await store.update(job, (j) => ({ ...j, status: 'validating', parts: j.parts.map((p) => ({ ...p, remoteId: null, status: 'validating' as const, errors: [{ code: 'submit_interrupted', message: 'interrupted' }] })) }));
    const r = await cli(['cancel', job, '--json']);
    assert.equal(r.code, 0, r.err);
    const after = (await store.get(job))!;
    assert.equal(after.parts[0]!.remoteId, remoteId, 'the batch was found and recorded');
    assert.match(after.parts[0]!.status, /^cancell/);
    assert.deepEqual(after.parts[0]!.errors, []);
  });

  it('Ctrl+C during status --watch prints the last known state, says the batch keeps running, exit 130', async () => {
    const job = await submitted();
    const ac = new AbortController();
    const running = cli(['status', job, '--watch', '--interval', '0.05', '--json'], ac.signal);
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const r = await running;
    assert.equal(r.code, 130);
    const doc = JSON.parse(r.out) as { job: string; status: string };
    assert.equal(doc.job, job);
    assert.notEqual(doc.status, 'completed');
    assert.match(r.err, new RegExp(`stopped watching: the batch keeps running at the provider\\. Resume with: batchwise status ${job} --watch`));
  });
});
