import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { startEmulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { isQueued } from '../../src/core/queue/admission';
import { writeInput } from './support/providerHarness';
import { runCliCaptured } from '../support/cli';

// Issue 18: the kill that matters most for "never created twice". The emulator creates the batch, then holds the
// response (`holdAfterBody`), so the moment is exact: the batch exists, the CLI never learned its id.
const MODEL = 'gpt-4o-mini';
const LIMIT = 2000;
const line = (i: number) =>
  JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: `Describe product ${i}: a sturdy wooden chair with four legs.` }] } });

test('kill -9 of status --watch after its create reached the provider, before the id was stored: the rerun finds the batch, never creates it twice', async () => {
  const emu = await startEmulator({ manualClock: true, tickMs: 20, limits: { enqueuedTokenLimit: LIMIT } });
  const dir = await mkdtemp(join(tmpdir(), 'bw-queue-kill-create-'));
  try {
    const input = await writeInput(dir, 'big.jsonl', Array.from({ length: 200 }, (_, i) => line(i)));
    const home = join(dir, 'home');
    const env = { ...process.env, BATCHWISE_HOME: home, OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
    const cli = (...argv: string[]) => runCliCaptured(argv, { env });
    const submitted = await cli('submit', input, '--base-url', `${emu.url}/v1`, '--max-enqueued-tokens', String(LIMIT), '--json');
    assert.equal(submitted.code, 0, submitted.err);
    const { job: id, parts } = JSON.parse(submitted.out) as { job: string; parts: { remoteId: string | null }[] };
    const created = parts.filter((p) => p.remoteId !== null).length;
    assert.ok(created < parts.length, 'parts wait in the queue');

    for (let i = 0; i < 50; i++) emu.clock.tick(1);
    const client = new OpenAI({ apiKey: 'k', baseURL: `${emu.url}/v1`, maxRetries: 0 });
    const batchesOfJob = async () => {
      const out: { part: string; id: string; status: string }[] = [];
      for await (const b of client.batches.list({ limit: 100 })) if (b.metadata?.batchwise_job === id) out.push({ part: b.metadata.batchwise_part!, id: b.id, status: b.status });
      return out;
    };
    const createsBefore = emu.stats.requests['POST /v1/batches'] ?? 0;
    emu.faults.add({ method: 'POST', path: '/v1/batches', holdAfterBody: true, times: 1 });
    const child = spawn(process.execPath, [resolve('dist/cli.js'), 'status', id, '--watch', '--interval', '0.01'], { stdio: 'ignore', env });
    const exited = new Promise((r) => child.once('exit', r));
    await emu.faults.whenHeld();
    child.kill('SIGKILL');
    await exited;
    emu.faults.release();

    // The emulator made the batch; the store only knows that a create went out for that part.
    const killed = (await new JobStore(home).get(id))!;
    const unsure = killed.parts.filter((p) => isQueued(p) && p.createStartedAt !== undefined);
    assert.equal(unsure.length, 1, 'one part with its create sent and no batch id');
    const orphan = (await batchesOfJob()).filter((b) => b.part === String(unsure[0]!.index));
    assert.equal(orphan.length, 1, 'its batch exists at the provider');
    assert.equal(emu.stats.requests['POST /v1/batches'] ?? 0, createsBefore + 1);

    const rerun = await cli('status', id, '--json');
    assert.equal(rerun.code, 0, rerun.err);
    const found = (await new JobStore(home).get(id))!.parts[unsure[0]!.index]!;
    assert.equal(found.remoteId, orphan[0]!.id, 'the rerun recorded the batch it found by its metadata');

    let status = '';
    for (let rounds = 0; status !== 'completed'; rounds++) {
      assert.ok(rounds < 2000, `the job does not end (${status})`);
      emu.clock.tick(1);
      const r = await cli('status', id, '--json');
      assert.equal(r.code, 0, r.err);
      status = (JSON.parse(r.out) as { status: string }).status;
    }
    const all = await batchesOfJob();
    assert.equal(all.length, parts.length, 'one batch per part');
    assert.deepEqual(new Set(all.map((b) => b.part)).size, parts.length);
    assert.ok(all.every((b) => b.status === 'completed'));
    assert.equal((emu.stats.requests['POST /v1/batches'] ?? 0) - createsBefore, parts.length - created, 'every queued part created once');
    const results = await cli('results', id, '--json');
    assert.equal(results.code, 0, results.err);
    const summary = JSON.parse(results.out) as { succeeded: number; failed: number };
    assert.deepEqual([summary.succeeded, summary.failed], [200, 0]);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});
