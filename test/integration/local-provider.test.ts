import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { isTerminal } from '../../src/core/status';
import type { Job } from '../../src/core/jobs/job';
import type { ProviderResult } from '../../src/core/results/record';
import { LocalProvider, pauseLocalRuns, waitForLocalRun } from '../../src/providers/local';
import { defaultProfile } from '../../src/providers';
import { submitJob } from '../../src/jobs/submit';
import { refreshJob } from '../../src/jobs/refresh';
import { cancelJob } from '../../src/jobs/cancel';

const chat = (id: string, text: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'llama-3.1-8b', messages: [{ role: 'user', content: text }] } });

describe('local provider: the self-hosted runner as a BatchProvider (emulator as the server)', () => {
  let emu: Emulator;
  let slow: Emulator;
  let dir: string;
  let store: JobStore;

  const provider = (server: Emulator, concurrency = 4) => new LocalProvider({ ...defaultProfile('local', `${server.url}/v1`), concurrency }, 'k', join(dir, 'runs'));

  async function input(name: string, lines: string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, lines.join('\n') + '\n');
    return path;
  }

  /** Waits (by polling, not by time) until the run has answered at least `n` lines. */
  async function answered(p: LocalProvider, id: string, n: number): Promise<void> {
    while ((await p.retrieve(id)).counts.succeeded < n) await new Promise((r) => setTimeout(r, 5));
  }

  async function results(p: LocalProvider, job: Job): Promise<ProviderResult[]> {
    const out: ProviderResult[] = [];
    for await (const r of p.results(await p.retrieve(job.parts[0]!.remoteId!))) out.push(r);
    return out;
  }

  before(async () => {
    emu = await startEmulator({ tickMs: 20 });
    slow = await startEmulator({ tickMs: 20, latencyMs: 40 });
  });
  after(async () => {
    await pauseLocalRuns();
    await emu.close();
    await slow.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-local-'));
    store = new JobStore(join(dir, 'home'));
  });

  it('create starts a run; retrieve reports it completed; results parse the output file', async () => {
    const p = provider(emu);
    const path = await input('ok.jsonl', [chat('a', 'Hello'), chat('b', 'fail me [[fail]]'), chat('c', 'Bye')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    assert.match(job.parts[0]!.remoteId!, /^local-bw-/);
    await waitForLocalRun(job.parts[0]!.remoteId!);
    const done = await refreshJob(store, job, p);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.parts[0]!.counts, { total: 3, succeeded: 2, failed: 1, processing: 0, expired: 0, canceled: 0 });
    const res = await results(p, done);
    assert.deepEqual(res.map((r) => [r.customId, r.outcome]).sort(), [['a', 'succeeded'], ['b', 'errored'], ['c', 'succeeded']]);
    assert.ok(res.find((r) => r.customId === 'a')?.outputText);
    assert.deepEqual((await p.list()).batches.map((b) => b.id), [job.parts[0]!.remoteId]);
  });

  it('cancel stops the run; unsent lines come back canceled, sent ones keep their answers', async () => {
    const p = provider(slow, 1);
    const path = await input('cancel.jsonl', Array.from({ length: 30 }, (_, i) => chat(`r${i}`, `line ${i}`)));
    const job = await submitJob({ store, provider: p, inputPath: path });
    await answered(p, job.parts[0]!.remoteId!, 2);
    const c = await cancelJob(store, job, p);
    assert.equal(c.status, 'cancelled');
    const res = await results(p, c);
    assert.equal(res.length, 30);
    const canceled = res.filter((r) => r.outcome === 'canceled').length;
    assert.ok(canceled > 0 && canceled < 30, `${canceled} canceled`);
    assert.equal(c.parts[0]!.counts.canceled, canceled);
  });

  it('a paused run resumes on the next poll and answers every line exactly once', async () => {
    const p = provider(slow, 2);
    const path = await input('resume.jsonl', Array.from({ length: 20 }, (_, i) => chat(`q${i}`, `line ${i}`)));
    const job = await submitJob({ store, provider: p, inputPath: path });
    await answered(p, job.parts[0]!.remoteId!, 2);
    await pauseLocalRuns();
    const paused = await refreshJob(store, job, provider(slow, 2));
    assert.ok(!isTerminal(paused.status), 'a pause is not a cancel');
    await waitForLocalRun(job.parts[0]!.remoteId!);
    const done = await refreshJob(store, paused, p);
    assert.equal(done.status, 'completed');
    assert.equal(done.parts[0]!.counts.succeeded, 20);
    const out = (await readFile(join(dir, 'runs', job.parts[0]!.remoteId!, 'output.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(out.length, 20);
    assert.equal(new Set(out.map((l) => (JSON.parse(l) as { custom_id: string }).custom_id)).size, 20);
  });

  it('a run locked by another live process is not started here', async () => {
    const p = provider(slow, 1);
    const path = await input('locked.jsonl', Array.from({ length: 10 }, (_, i) => chat(`l${i}`, `line ${i}`)));
    const job = await submitJob({ store, provider: p, inputPath: path });
    const id = job.parts[0]!.remoteId!;
    await pauseLocalRuns();
    // The parent process stands in for another Batchwise process holding the run.
    await writeFile(join(dir, 'runs', id, 'run.lock'), String(process.ppid));
    const polled = await p.retrieve(id);
    assert.equal(polled.status, 'in_progress');
    await waitForLocalRun(id);
    const again = await p.retrieve(id);
    assert.equal(again.status, 'in_progress', 'nothing ran it here');
    await rm(join(dir, 'runs', id, 'run.lock'));
    await p.cancel(id);
  });
});
