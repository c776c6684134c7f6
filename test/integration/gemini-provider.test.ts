import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TERMINAL_TICK, approxTokens, startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { isTerminal } from '../../src/core/status';
import { GeminiProvider } from '../../src/providers/gemini';
import { defaultProfile } from '../../src/providers';
import type { RetryInfo } from '../../src/providers/retry';
import { submitJob } from '../../src/jobs/submit';
import { validateFile } from '../../src/core/validate';
import { cancelJob } from '../../src/jobs/cancel';
import { writeInput, untilTerminal as pollToEnd, collectResults } from './support/providerHarness';

const line = (key: string, text: string) => JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { temperature: 0 } } });

describe('Gemini adapter through @google/genai against the emulator', () => {
  let emu: Emulator;
  let dir: string;
  let store: JobStore;
  let retries: RetryInfo[];

  /** inlineMaxBytes 0 forces the File API path on small test inputs. */
  const provider = (mode: 'inline' | 'file') =>
    new GeminiProvider(defaultProfile('gemini', emu.url), 'test-key', {
      inlineMaxBytes: mode === 'inline' ? undefined : 0,
      retry: { baseDelayMs: 1, onRetry: (i) => retries.push(i), sleep: async () => undefined },
    });

  const input = (name: string, lines: string[]) => writeInput(dir, name, lines);

  const untilTerminal = async (job: Job, p: GeminiProvider) => (await pollToEnd(store, job, p, () => emu.clock.tick(1))).job;

  const results = (p: GeminiProvider, job: Job) => collectResults(p, job);

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
  });
  after(async () => {
    await emu.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-gemini-'));
    store = new JobStore(join(dir, 'home'));
    retries = [];
    emu.faults.clear();
  });

  for (const mode of ['inline', 'file'] as const) {
    it(`${mode}: submit, complete, results joined by key with failures and expiry`, async () => {
      const p = provider(mode);
      const path = await input(`${mode}.jsonl`, [line('k-ok', 'Hello there'), line('k-bad', 'x [[fail]]'), line('k-late', 'y [[expire]]'), line('k-ok2', 'What is 2+2?')]);
      const job = await submitJob({ store, provider: p, inputPath: path, model: 'gemini-2.5-flash' });
      assert.match(job.parts[0]!.remoteId!, /^batches\//);
      if (mode === 'file') assert.match(job.parts[0]!.inputFileId ?? '', /^files\//);
      const done = await untilTerminal(job, p);
      assert.equal(done.status, 'expired');
      assert.equal(done.parts[0]!.rawStatus, 'JOB_STATE_EXPIRED');
      assert.deepEqual(done.parts[0]!.counts, { total: 4, succeeded: 2, failed: 1, processing: 0, expired: 1, canceled: 0 });
      // Gemini Batch Mode docs: an expired job has no results to retrieve.
      const res = await results(p, done);
      assert.equal(res.size, 0);
    });
  }

  it('embeddings go as a keyed file (inline embeddings would join by position) and come back by key', async () => {
    const p = provider('inline');
    const e = (key: string, text: string) => JSON.stringify({ key, request: { content: { parts: [{ text }] }, outputDimensionality: 4 } });
    const path = await input('emb.jsonl', [e('e1', 'alpha'), e('e2', 'beta [[fail]]'), e('e3', 'gamma')]);
    assert.deepEqual((await validateFile(path, { provider: 'gemini' })).diagnostics, [], 'embedContent lines are valid Gemini lines');
    const job = await submitJob({ store, provider: p, inputPath: path, model: 'gemini-embedding-001' });
    assert.match(job.parts[0]!.inputFileId ?? '', /^files\//);
    const done = await untilTerminal(job, p);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.parts[0]!.counts, { total: 3, succeeded: 2, failed: 1, processing: 0, expired: 0, canceled: 0 });
    const res = await results(p, done);
    assert.deepEqual([...res.entries()].map(([k, r]) => [k, r.outcome]).sort(), [['e1', 'succeeded'], ['e2', 'errored'], ['e3', 'succeeded']]);
    const raw = res.get('e1')?.raw as { response?: { embedding?: { values?: number[] } } };
    assert.equal(raw.response?.embedding?.values?.length, 4);
  });

  it('a running batch shows live counts (read from the REST batchStats the SDK drops)', async () => {
    const slow = await startEmulator({ manualClock: true, tickMs: 300 });
    try {
      const p = new GeminiProvider(defaultProfile('gemini', slow.url), 'test-key', { retry: { baseDelayMs: 1, sleep: async () => undefined } });
      const path = await input('live.jsonl', Array.from({ length: 8 }, (_, i) => line(`k${i}`, `Question ${i}`)));
      const job = await submitJob({ store, provider: p, inputPath: path, model: 'gemini-2.5-flash' });
      const seen: number[] = [];
      let remote = await p.retrieve(job.parts[0]!.remoteId!);
      while (!isTerminal(remote.status)) {
        if (remote.status === 'in_progress') {
          assert.equal(remote.counts.total, 8);
          seen.push(remote.counts.succeeded);
        }
        slow.clock.tick(1);
        remote = await p.retrieve(job.parts[0]!.remoteId!);
      }
      assert.ok(seen.some((n) => n > 0 && n < 8), `counts moved while running: ${seen.join(',')}`);
    } finally {
      await slow.close();
    }
  });

  it('a model in the lines is used when none is given', async () => {
    const p = provider('inline');
    const l = JSON.stringify({ key: 'a', request: { model: 'gemini-2.5-flash', contents: [{ parts: [{ text: 'hi' }] }] } });
    const job = await submitJob({ store, provider: p, inputPath: await input('m.jsonl', [l]) });
    const remote = await p.retrieve(job.parts[0]!.remoteId!);
    assert.equal(remote.model, 'models/gemini-2.5-flash');
  });

  it('refuses to create without a model', async () => {
    const p = provider('inline');
    await assert.rejects(submitJob({ store, provider: p, inputPath: await input('nomodel.jsonl', [line('a', 'hi')]) }), /--model/);
  });

  it('cancel, list, delete', async () => {
    const p = provider('inline');
    const job = await submitJob({ store, provider: p, inputPath: await input('c.jsonl', [line('a', 'one'), line('b', 'two')]), model: 'gemini-2.5-flash' });
    const id = job.parts[0]!.remoteId!;
    const listed = (await p.list({ limit: 100 })).batches.find((b) => b.id === id);
    assert.ok(listed);
    assert.match(listed.metadata?.displayName ?? '', new RegExp(`\\[${job.id}#0\\]$`));
    const c = await untilTerminal(await cancelJob(store, job, p), p);
    assert.equal(c.status, 'cancelled');
    await p.delete(id);
    assert.equal((await p.list({ limit: 100 })).batches.find((b) => b.id === id), undefined);
  });

  it('retries a 500 on get', async () => {
    const p = provider('inline');
    const job = await submitJob({ store, provider: p, inputPath: await input('r.jsonl', [line('a', 'one')]), model: 'gemini-2.5-flash' });
    const id = job.parts[0]!.remoteId!;
    emu.faults.add({ method: 'GET', path: new RegExp(`/${id}$`), status: 500, times: 1 });
    assert.equal((await p.retrieve(id)).id, id);
    assert.equal(retries.length, 1);
  });
});

/** The emulator's clock moves only when the test ticks it: no polling, no wall-clock waits. */
describe('Gemini adapter on a manual-clock emulator', () => {
  let emu: Emulator;
  let dir: string;

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 1000 });
    dir = await mkdtemp(join(tmpdir(), 'bw-gemini-manual-'));
  });
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  // SingleEmbedContentResponse in @google/genai dist/genai.d.ts carries `tokenCount?: string`: the usage of an
  // embedding result, all input, so an embedding batch's cost is not zero.
  it('counts an embedding result\'s tokenCount as input tokens', async () => {
    const store = new JobStore(join(dir, 'home'));
    const p = new GeminiProvider(defaultProfile('gemini', emu.url), 'test-key', { retry: { baseDelayMs: 1, sleep: async () => undefined } });
    const e = (key: string, text: string) => JSON.stringify({ key, request: { content: { parts: [{ text }] } } });
    const path = await writeInput(dir, 'emb.jsonl', [e('e1', 'alpha beta gamma'), e('e2', 'delta')]);
    const job = await submitJob({ store, provider: p, inputPath: path, model: 'gemini-embedding-001' });
    emu.clock.tick(TERMINAL_TICK);
    const res = await collectResults(p, job);
    assert.deepEqual(res.get('e1')?.usage, { inputTokens: approxTokens('alpha beta gamma'), outputTokens: 0 });
    assert.deepEqual(res.get('e2')?.usage, { inputTokens: approxTokens('delta'), outputTokens: 0 });
  });
});
