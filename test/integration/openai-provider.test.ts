import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import type { JobStatus } from '../../src/core/status';
import { validateFile } from '../../src/core/validate';
import { OpenAIProvider } from '../../src/providers/openai';
import { defaultProfile } from '../../src/providers';
import type { RetryInfo } from '../../src/providers/retry';
import { ProviderError } from '../../src/providers/types';
import { refreshJob } from '../../src/jobs/refresh';
import { submitJob } from '../../src/jobs/submit';
import { cancelJob } from '../../src/jobs/cancel';
import { writeInput, untilTerminal as pollToEnd, collectResults, recordingRetry } from './support/providerHarness';

const ORDER: JobStatus[] = ['validating', 'in_progress', 'finalizing', 'cancelling', 'completed', 'failed', 'expired', 'cancelled'];

function chat(id: string, text: string, model = 'gpt-4o-mini') {
  return JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: text }] } });
}

describe('OpenAI adapter through the openai SDK against the emulator', () => {
  let emu: Emulator;
  let dir: string;
  let store: JobStore;
  let retries: RetryInfo[];
  let sleeps: number[];

  const provider = (fetchImpl?: typeof fetch, uploadMemoryLimit?: number) =>
    new OpenAIProvider(defaultProfile('openai', `${emu.url}/v1`), 'test-key', {
      fetch: fetchImpl,
      uploadMemoryLimit,
      retry: recordingRetry(retries, sleeps),
    });

  const input = (name: string, lines: string[]) => writeInput(dir, name, lines);

  const untilTerminal = (job: Job, p: OpenAIProvider) => pollToEnd(store, job, p, () => emu.clock.tick(1));

  const results = (p: OpenAIProvider, job: Job) => collectResults(p, job);

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-openai-'));
    store = new JobStore(join(dir, 'home'));
    retries = [];
    sleeps = [];
    emu.faults.clear();
  });

  it('submits, moves forward through the statuses to completed, lists and returns results by custom_id', async () => {
    const p = provider();
    const path = await input('ok.jsonl', [chat('a', 'Translate to French: Hello'), chat('b', 'What is 2+2?'), chat('c', 'Rewrite: a big dog')]);
    const job = await submitJob({ store, provider: p, inputPath: path, name: 'smoke' });
    assert.equal(job.parts.length, 1);
    assert.match(job.parts[0]!.remoteId!, /^batch_/);
    assert.equal((await store.get(job.id))?.parts[0]?.remoteId, job.parts[0]!.remoteId, 'the batch id is in the store');

    const { job: done, seen } = await untilTerminal(job, p);
    for (let i = 1; i < seen.length; i++) assert.ok(ORDER.indexOf(seen[i]!) > ORDER.indexOf(seen[i - 1]!), `statuses went ${seen.join(' -> ')}`);
    assert.equal(done.status, 'completed');
    assert.ok(seen.includes('in_progress') || seen.includes('finalizing') || seen.includes('validating'));
    assert.deepEqual({ total: done.parts[0]!.counts.total, succeeded: done.parts[0]!.counts.succeeded }, { total: 3, succeeded: 3 });
    assert.ok(done.finishedAt);
    assert.ok(done.usage && done.usage.outputTokens > 0);

    const page = await p.list({ limit: 100 });
    const listed = page.batches.find((b) => b.id === job.parts[0]!.remoteId);
    assert.ok(listed, 'the batch is listed');
    assert.equal(listed.metadata?.batchwise_job, job.id);
    assert.equal(listed.metadata?.batchwise_part, '0');
    assert.equal(listed.metadata?.batchwise_sha256?.length, 64);

    const res = await results(p, done);
    assert.deepEqual([...res.keys()].sort(), ['a', 'b', 'c']);
    for (const r of res.values()) {
      assert.equal(r.outcome, 'succeeded');
      assert.ok(r.outputText && r.outputText.length > 0);
    }
  });

  it('keeps failed lines from the error file and ends expired with the other results kept', async () => {
    const p = provider();
    const path = await input('mixed.jsonl', [chat('ok1', 'Hello there'), chat('bad', 'please [[fail]]'), chat('late', 'never [[expire]]'), chat('ok2', 'Hi')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    const { job: done } = await untilTerminal(job, p);
    assert.equal(done.status, 'expired');
    const c = done.parts[0]!.counts;
    assert.deepEqual({ s: c.succeeded, f: c.failed, e: c.expired }, { s: 2, f: 1, e: 1 });
    const res = await results(p, done);
    assert.equal(res.get('ok1')?.outcome, 'succeeded');
    assert.equal(res.get('ok2')?.outcome, 'succeeded');
    assert.equal(res.get('bad')?.outcome, 'errored');
    assert.match(res.get('bad')?.errorMessage ?? '', /on purpose/);
    assert.equal(res.get('late')?.outcome, 'expired');
    assert.equal(res.get('late')?.errorCode, 'batch_expired');
  });

  it('a batch completed with every line in the error file is a failed job, not a success', async () => {
    const p = provider();
    const path = await input('allbad.jsonl', [chat('x', '[[fail]] one'), chat('y', '[[fail]] two')]);
    const { job: done } = await untilTerminal(await submitJob({ store, provider: p, inputPath: path }), p);
    assert.equal(done.parts[0]!.status, 'completed');
    assert.equal(done.parts[0]!.outputFileId, undefined);
    assert.ok(done.parts[0]!.errorFileId);
    assert.equal(done.status, 'failed');
    const res = await results(p, done);
    assert.deepEqual([...res.values()].map((r) => r.outcome), ['errored', 'errored']);
  });

  it('splits an input over the limits into several batches, one job', async () => {
    const p = provider();
    const path = await input('five.jsonl', ['a', 'b', 'c', 'd', 'e'].map((id) => chat(id, `Say ${id}`)));
    const job = await submitJob({ store, provider: p, inputPath: path, limits: { maxRequests: 2, maxBytes: 1_000_000 } });
    assert.deepEqual(job.parts.map((x) => [x.lineStart, x.lineEnd, x.requests]), [[1, 2, 2], [3, 4, 2], [5, 5, 1]]);
    assert.equal(new Set(job.parts.map((x) => x.remoteId)).size, 3);
    const { job: done } = await untilTerminal(job, p);
    assert.equal(done.status, 'completed');
    assert.deepEqual([...(await results(p, done)).keys()].sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  it('cancels: cancelling then cancelled, with unfinished lines reported canceled', async () => {
    const p = provider();
    const path = await input('cancel.jsonl', Array.from({ length: 12 }, (_, i) => chat(`r${i}`, `Line ${i}`)));
    const job = await submitJob({ store, provider: p, inputPath: path });
    const cancelled = await cancelJob(store, job, p);
    assert.ok(['cancelling', 'cancelled'].includes(cancelled.status), cancelled.status);
    const { job: done } = await untilTerminal(cancelled, p);
    assert.equal(done.status, 'cancelled');
    const res = await results(p, done);
    assert.equal(res.size, 12);
    const canceled = [...res.values()].filter((r) => r.outcome === 'canceled');
    assert.ok(canceled.length > 0);
    assert.equal(done.parts[0]!.counts.canceled + done.parts[0]!.counts.succeeded + done.parts[0]!.counts.failed, 12);
  });

  it('maps a server-side validation failure to the input lines', async () => {
    const p = provider();
    // Line 2 is blank (not uploaded), so the duplicate on input line 4 is line 3 of the upload.
    const path = await input('dup.jsonl', [chat('same', 'one'), '', chat('other', 'two'), chat('same', 'three')]);
    const clean = { ...(await validateFile(path, { provider: 'openai' })), diagnostics: [] };
    const job = await submitJob({ store, provider: p, inputPath: path, validation: clean });
    const { job: done } = await untilTerminal(job, p);
    assert.equal(done.status, 'failed');
    const err = done.parts[0]!.errors.find((e) => e.code === 'duplicate_custom_id');
    assert.ok(err, JSON.stringify(done.parts[0]!.errors));
    assert.equal(err.line, 4);
  });

  it('reports a 401 with the provider message, without retrying and without leaving a job behind', async () => {
    const noAuth: typeof fetch = (url, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('authorization');
      return fetch(url, { ...init, headers });
    };
    const p = provider(noAuth);
    const path = await input('auth.jsonl', [chat('a', 'hi')]);
    await assert.rejects(submitJob({ store, provider: p, inputPath: path }), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.status, 401);
      assert.match(err.message, /API key/);
      return true;
    });
    assert.equal(retries.length, 0);
    assert.deepEqual((await store.list()).jobs, []);
  });

  it('waits as long as Retry-After asks on a 429, then creates exactly one batch', async () => {
    const p = provider();
    emu.faults.add({ method: 'POST', path: '/v1/batches', status: 429, retryAfterSeconds: 3, times: 1 });
    const before = emu.stats.batchesCreated.openai;
    const path = await input('ratelimit.jsonl', [chat('a', 'hi')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    assert.ok(job.parts[0]!.remoteId);
    assert.equal(retries.length, 1);
    assert.equal(retries[0]!.error.status, 429);
    assert.ok(sleeps[0]! >= 3000, `waited ${sleeps[0]} ms`);
    assert.equal(emu.stats.batchesCreated.openai - before, 1);
  });

  it('retries a 500 on retrieve and succeeds', async () => {
    const p = provider();
    const path = await input('five00.jsonl', [chat('a', 'hi')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    emu.faults.add({ method: 'GET', path: `/v1/batches/${job.parts[0]!.remoteId}`, status: 500, times: 1 });
    const refreshed = await refreshJob(store, job, p);
    assert.equal(retries.length, 1);
    assert.equal(retries[0]!.error.status, 500);
    assert.equal(refreshed.parts[0]!.remoteId, job.parts[0]!.remoteId);
  });

  it('a result download dropped once is retried without reporting a line twice', async () => {
    const p = provider();
    const path = await input('dl.jsonl', [chat('a', 'one'), chat('b', 'two [[fail]]'), chat('c', 'three')]);
    const { job: done } = await untilTerminal(await submitJob({ store, provider: p, inputPath: path }), p);
    emu.faults.add({ method: 'GET', path: /^\/v1\/files\/.+\/content$/, dropConnection: true, times: 2 });
    const res = await results(p, done);
    assert.deepEqual([...res.keys()].sort(), ['a', 'b', 'c']);
    assert.equal(retries.length, 2);
  });

  it('survives a connection dropped mid-upload', async () => {
    const p = provider();
    emu.faults.add({ method: 'POST', path: '/v1/files', dropConnection: true, times: 1 });
    const before = emu.stats.batchesCreated.openai;
    const path = await input('drop.jsonl', [chat('a', 'hi'), chat('b', 'there')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    assert.ok(job.parts[0]!.remoteId);
    assert.equal(retries.length, 1);
    assert.equal(retries[0]!.error.status, undefined);
    assert.equal(emu.stats.batchesCreated.openai - before, 1);
    const { job: done } = await untilTerminal(job, p);
    assert.equal(done.status, 'completed');
  });

  it('streams a large part from a temp file, and streams it again after a drop mid-upload', async () => {
    const p = provider(undefined, 0);
    emu.faults.add({ method: 'POST', path: '/v1/files', dropConnection: true, times: 1 });
    const lines = Array.from({ length: 200 }, (_, i) => chat(`s${i}`, `streamed line ${i} ${'z'.repeat(200)}`));
    const job = await submitJob({ store, provider: p, inputPath: await input('stream.jsonl', lines) });
    assert.equal(retries.length, 1);
    const { job: done } = await untilTerminal(job, p);
    assert.equal(done.status, 'completed');
    assert.equal(done.parts[0]!.counts.succeeded, 200);
    const uploaded = await (await p.client.files.content(done.parts[0]!.inputFileId!)).text();
    assert.equal(uploaded, lines.join('\n') + '\n');
  });

  it('after an ambiguous create (response lost) finds the batch by metadata instead of creating a second one', async () => {
    let lost = 0;
    const losesFirstCreate: typeof fetch = async (url, init) => {
      const res = await fetch(url, init);
      if (String(url).endsWith('/batches') && init?.method === 'POST' && lost === 0) {
        lost++;
        await res.arrayBuffer();
        throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      }
      return res;
    };
    const p = provider(losesFirstCreate);
    const before = emu.stats.batchesCreated.openai;
    const path = await input('lost.jsonl', [chat('a', 'hi')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    assert.equal(lost, 1);
    assert.equal(emu.stats.batchesCreated.openai - before, 1, 'exactly one billable batch');
    const listed = (await p.list({ limit: 100 })).batches.filter((b) => b.metadata?.batchwise_job === job.id);
    assert.deepEqual(listed.map((b) => b.id), [job.parts[0]!.remoteId]);
  });

  it('a create dropped before the server acted is looked up, not found, and sent again once', async () => {
    const p = provider();
    emu.faults.add({ method: 'POST', path: '/v1/batches', dropConnection: true, times: 1 });
    const before = emu.stats.batchesCreated.openai;
    const path = await input('dropcreate.jsonl', [chat('a', 'hi')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    assert.ok(job.parts[0]!.remoteId);
    assert.equal(emu.stats.batchesCreated.openai - before, 1);
    assert.ok((emu.stats.requests['GET /v1/batches'] ?? 0) >= 1, 'looked the batch up before creating again');
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
});
