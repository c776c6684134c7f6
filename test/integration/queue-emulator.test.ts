import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { OpenAIProvider } from '../../src/providers/openai';
import { defaultProfile } from '../../src/providers';
import { refreshJob } from '../../src/jobs/refresh';
import { submitJob } from '../../src/jobs/submit';
import { learnedQuotaFor } from '../../src/jobs/queue';
import { isQueued } from '../../src/core/queue/admission';
import { isTerminal } from '../../src/core/status';
import { readPartLines } from '../../src/core/split';
import { collectResults, writeInput } from './support/providerHarness';
import { runCliCaptured } from '../support/cli';

// Issue 18: a job far larger than the provider's enqueued-token quota runs as many parts, created only as room frees,
// with the emulator enforcing OpenAI's limit (a batch over it fails with token_limit_exceeded) on a manual clock.
const MODEL = 'gpt-4o-mini';
const LIMIT = 2000;
const line = (i: number) =>
  JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: `Describe product ${i}: a sturdy wooden chair with four legs.` }] } });

describe('the local queue against the emulator (enqueued-token limit, manual clock)', () => {
  let emu: Emulator;
  let dir: string;
  const provider = () => new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });

  /** Ticks the emulator and refreshes until the job ends; the most parts in flight seen at once. */
  async function runToEnd(store: JobStore, job: Job, p: OpenAIProvider): Promise<{ job: Job; maxInFlight: number; refreshes: number }> {
    let maxInFlight = 0;
    let refreshes = 0;
    while (!isTerminal(job.status)) {
      assert.ok(refreshes++ < 5000, 'the job does not end');
      emu.clock.tick(1);
      job = await refreshJob(store, job, p);
      maxInFlight = Math.max(maxInFlight, job.parts.filter((x) => x.remoteId !== null && !isTerminal(x.status)).length);
    }
    return { job, maxInFlight, refreshes };
  }

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20, limits: { enqueuedTokenLimit: LIMIT } });
  });
  after(() => emu.close());

  it('with the quota known: many parts, never over the limit, not one token_limit_exceeded, every line answered once', async () => {
    emu.stats.reset?.();
    dir = await mkdtemp(join(tmpdir(), 'bw-queue-'));
    try {
      const store = new JobStore(join(dir, 'home'));
      const input = await writeInput(dir, 'big.jsonl', Array.from({ length: 400 }, (_, i) => line(i)));
      const p = provider();
      const createsBefore = emu.stats.requests['POST /v1/batches'] ?? 0;
      const submitted = await submitJob({ store, provider: p, inputPath: input, quota: { enqueuedTokens: LIMIT } });
      assert.ok(submitted.parts.length >= 10, `split into ${submitted.parts.length} parts`);
      assert.ok(submitted.parts.some(isQueued), 'parts wait in the queue');
      assert.ok(submitted.parts.some((x) => x.remoteId !== null), 'the parts that fit are created at once');
      assert.ok(!isTerminal(submitted.status));
      const inFlightTokens = submitted.parts.filter((x) => x.remoteId !== null).reduce((n, x) => n + x.enqueuedTokens!, 0);
      assert.ok(inFlightTokens <= LIMIT, `${inFlightTokens} tokens created at once`);

      const { job, maxInFlight } = await runToEnd(store, submitted, p);
      assert.equal(job.status, 'completed');
      assert.ok(maxInFlight > 1, 'several parts run at once');
      const peak = emu.stats.enqueuedTokensPeak[MODEL]!;
      assert.ok(peak <= LIMIT && peak >= LIMIT / 2, `the emulator's peak of tokens in flight, ${peak}, is within the limit and uses its room`);
      assert.ok(job.parts.every((x) => x.status === 'completed' && !x.requeues), 'no part was refused for quota');
      // One batch per part: nothing was created twice.
      assert.equal((emu.stats.requests['POST /v1/batches'] ?? 0) - createsBefore, job.parts.length);
      const results = await collectResults(p, job);
      assert.equal(results.size, 400);
      assert.ok([...results.values()].every((r) => r.outcome === 'succeeded'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with no quota given: the refused parts go back to the queue, the quota is learned, and nothing is refused after that', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-queue-learn-'));
    try {
      const store = new JobStore(join(dir, 'home'));
      const input = await writeInput(dir, 'big.jsonl', Array.from({ length: 400 }, (_, i) => line(i + 1000)));
      const p = provider();
      // Ten parts of 40 lines, all created at once (no quota known): the emulator admits what fits and fails the rest.
      const submitted = await submitJob({ store, provider: p, inputPath: input, limits: { maxRequests: 40, maxBytes: 1e9 } });
      assert.equal(submitted.parts.length, 10);
      emu.clock.tick(1);
      let job = await refreshJob(store, submitted, p);
      const refused = job.parts.filter((x) => (x.requeues ?? 0) > 0).length;
      assert.ok(refused > 0 && refused < 10, `${refused} parts refused in the first round`);
      assert.ok(!isTerminal(job.status), 'the job goes on while refused parts wait');
      const learned = await learnedQuotaFor(store, job);
      assert.ok(learned?.enqueuedTokens !== undefined, 'a quota was learned');

      ({ job } = await runToEnd(store, job, p));
      assert.equal(job.status, 'completed');
      const requeues = job.parts.reduce((n, x) => n + (x.requeues ?? 0), 0);
      assert.equal(requeues, refused, 'once learned, no part was refused again');
      const results = await collectResults(p, job);
      assert.equal(results.size, 400);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `status --watch` in its own process, SIGKILLed while the emulator holds the upload of a queued part (the moment is
 * exact: the emulator says when the request is held). A rerun of status finishes the job without a duplicate batch.
 */
test('kill -9 of status --watch while it sends a queued part, then a rerun: finished, one batch per part, every line once', async () => {
  const emu = await startEmulator({ manualClock: true, tickMs: 20, limits: { enqueuedTokenLimit: LIMIT } });
  const dir = await mkdtemp(join(tmpdir(), 'bw-queue-kill-'));
  try {
    const input = await writeInput(dir, 'big.jsonl', Array.from({ length: 200 }, (_, i) => line(i)));
    const env = { ...process.env, BATCHWISE_HOME: join(dir, 'home'), OPENAI_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '1' };
    const cli = (...argv: string[]) => runCliCaptured(argv, { env });
    const submitted = await cli('submit', input, '--base-url', `${emu.url}/v1`, '--max-enqueued-tokens', String(LIMIT), '--json');
    assert.equal(submitted.code, 0, submitted.err);
    const { job: id, parts } = JSON.parse(submitted.out) as { job: string; parts: { remoteId: string | null }[] };
    const created = parts.filter((p) => p.remoteId !== null).length;
    assert.ok(created > 0 && created < parts.length, `${created} of ${parts.length} parts created at submit`);
    const shown = await cli('status', id);
    assert.match(shown.out, new RegExp(`queue {5}${created} of ${parts.length} parts in flight, [\\d.k]+ / 2k tokens`));

    // The parts in flight end; the watcher's next create is held, and the watcher killed right there.
    for (let i = 0; i < 50; i++) emu.clock.tick(1);
    const createsBefore = emu.stats.requests['POST /v1/batches'] ?? 0;
    emu.faults.add({ method: 'POST', path: '/v1/files', hold: true, times: 1 });
    const child = spawn(process.execPath, [resolve('dist/cli.js'), 'status', id, '--watch', '--interval', '0.01'], { stdio: 'ignore', env });
    const exited = new Promise((r) => child.once('exit', r));
    await emu.faults.whenHeld();
    child.kill('SIGKILL');
    await exited;
    // Killed mid-way: the parts that ended are recorded, the one being uploaded is still queued.
    const killed = (await new JobStore(env.BATCHWISE_HOME).get(id))!;
    assert.ok(killed.parts.filter((p) => p.status === 'completed').length > 0);
    assert.ok(killed.parts.some(isQueued));
    emu.faults.release();

    let status = '';
    for (let rounds = 0; status !== 'completed'; rounds++) {
      assert.ok(rounds < 2000, `the job does not end (${status})`);
      emu.clock.tick(1);
      const r = await cli('status', id, '--json');
      assert.ok(r.code === 0, r.err);
      status = (JSON.parse(r.out) as { status: string }).status;
    }
    const client = new OpenAI({ apiKey: 'k', baseURL: `${emu.url}/v1`, maxRetries: 0 });
    const perPart = new Map<string, string[]>();
    for await (const b of client.batches.list({ limit: 100 })) {
      if (b.metadata?.batchwise_job !== id) continue;
      const key = b.metadata.batchwise_part!;
      perPart.set(key, [...(perPart.get(key) ?? []), b.status]);
    }
    assert.equal(perPart.size, parts.length);
    for (const [key, statuses] of perPart) assert.deepEqual(statuses, ['completed'], `part ${key}: one batch, completed`);
    assert.ok((emu.stats.requests['POST /v1/batches'] ?? 0) - createsBefore === parts.length - created, 'every queued part created once');
    const results = await cli('results', id, '--json');
    assert.equal(results.code, 0, results.err);
    const summary = JSON.parse(results.out) as { succeeded: number; failed: number };
    assert.deepEqual([summary.succeeded, summary.failed], [200, 0]);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * The other moment of a kill: the create of a queued part went out, its batch id never reached the store. The next
 * pump looks the batch up by the job id and part in its metadata and records it; one that is not there (yet) holds
 * the queue for the provider's list to catch up, and after that the part is created once.
 */
test('a queued part whose create went out unrecorded is found, not created again; one not found is created once after the grace', async () => {
  const emu = await startEmulator({ manualClock: true, tickMs: 20, limits: { enqueuedTokenLimit: LIMIT } });
  const dir = await mkdtemp(join(tmpdir(), 'bw-queue-unsure-'));
  try {
    const store = new JobStore(join(dir, 'home'));
    const p = new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'k', { retry: { baseDelayMs: 1 } });
    const input = await writeInput(dir, 'big.jsonl', Array.from({ length: 200 }, (_, i) => line(i)));
    let job = await submitJob({ store, provider: p, inputPath: input, quota: { enqueuedTokens: LIMIT } });
    const [q, r] = job.parts.filter(isQueued);
    assert.ok(q && r);
    // What a process killed right after its create left behind: the batch exists, the store only says it was sent.
    const plan = { index: q.index, lineStart: q.lineStart, lineEnd: q.lineEnd, requests: q.requests, bytes: q.span!.bytes, startOffset: q.span!.startOffset, endOffset: q.span!.endOffset };
    const orphan = await p.create({ jobId: job.id, partIndex: q.index, sha256: q.span!.sha256!, endpoint: job.endpoint, model: job.model, lines: readPartLines(input, plan), bytes: plan.bytes });
    const sent = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    await store.update(job.id, (j) => ({ ...j, parts: j.parts.map((x) => (x.index === q.index ? { ...x, createStartedAt: sent(0) } : x.index === r.index ? { ...x, createStartedAt: sent(0) } : x)) }));
    for (let i = 0; i < 50; i++) emu.clock.tick(1);
    const creates = () => emu.stats.requests['POST /v1/batches'] ?? 0;
    const before = creates();
    job = await refreshJob(store, (await store.get(job.id))!, p);
    assert.equal(job.parts[q.index]!.remoteId, orphan.id, 'the orphan batch is the part');
    assert.equal(job.parts[r.index]!.remoteId, null, 'not found yet: not created, the queue waits for the list to catch up');
    assert.equal(creates(), before);

    await store.update(job.id, (j) => ({ ...j, parts: j.parts.map((x) => (x.index === r.index ? { ...x, createStartedAt: sent(3) } : x)) }));
    let rounds = 0;
    while (!isTerminal(job.status)) {
      assert.ok(rounds++ < 2000, 'the job does not end');
      emu.clock.tick(1);
      job = await refreshJob(store, job, p);
    }
    assert.equal(job.status, 'completed');
    const client = new OpenAI({ apiKey: 'k', baseURL: `${emu.url}/v1`, maxRetries: 0 });
    const perPart = new Map<string, number>();
    for await (const b of client.batches.list({ limit: 100 })) if (b.metadata?.batchwise_job === job.id) perPart.set(b.metadata.batchwise_part!, (perPart.get(b.metadata.batchwise_part!) ?? 0) + 1);
    assert.deepEqual([...perPart.values()], job.parts.map(() => 1), 'one batch per part');
    assert.equal((await collectResults(p, job)).size, 200);
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
});
