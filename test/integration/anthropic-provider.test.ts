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
import { AnthropicProvider } from '../../src/providers/anthropic';
import { defaultProfile } from '../../src/providers';
import type { RetryInfo } from '../../src/providers/retry';
import { ProviderError } from '../../src/providers/types';
import { submitJob } from '../../src/jobs/submit';
import { cancelJob } from '../../src/jobs/cancel';
import { writeInput, untilTerminal as pollToEnd, collectResults, recordingRetry } from './support/providerHarness';

const ORDER: JobStatus[] = ['validating', 'in_progress', 'cancelling', 'completed', 'failed', 'expired', 'cancelled'];

function msg(id: string, text: string) {
  return JSON.stringify({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: text }] } });
}

describe('Anthropic adapter through @anthropic-ai/sdk against the emulator', () => {
  let emu: Emulator;
  let dir: string;
  let store: JobStore;
  let retries: RetryInfo[];
  let sleeps: number[];

  const provider = (fetchImpl?: typeof fetch) =>
    new AnthropicProvider(defaultProfile('anthropic', emu.url), 'test-key', {
      fetch: fetchImpl,
      retry: recordingRetry(retries, sleeps),
    });

  const input = (name: string, lines: string[]) => writeInput(dir, name, lines);

  const untilTerminal = (job: Job, p: AnthropicProvider) => pollToEnd(store, job, p, () => emu.clock.tick(1));

  const results = (p: AnthropicProvider, job: Job) => collectResults(p, job);

  before(async () => {
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
  });
  after(async () => {
    await emu.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-anthropic-'));
    store = new JobStore(join(dir, 'home'));
    retries = [];
    sleeps = [];
    emu.faults.clear();
  });

  it('submits, goes in_progress -> completed, lists, returns text results by custom_id, deletes', async () => {
    const p = provider();
    const path = await input('ok.jsonl', [msg('a', 'Translate to French: Hello'), msg('b', 'What is 2+2?')]);
    const job = await submitJob({ store, provider: p, inputPath: path });
    assert.match(job.parts[0]!.remoteId!, /^msgbatch_/);
    assert.equal(job.status, 'in_progress');
    assert.equal(job.parts[0]!.counts.processing, 2);
    const { job: done, seen } = await untilTerminal(job, p);
    for (let i = 1; i < seen.length; i++) assert.ok(ORDER.indexOf(seen[i]!) > ORDER.indexOf(seen[i - 1]!), seen.join(' -> '));
    assert.equal(done.status, 'completed');
    assert.equal(done.parts[0]!.rawStatus, 'ended');
    assert.equal(done.parts[0]!.counts.succeeded, 2);

    const listed = (await p.list({ limit: 50 })).batches.find((b) => b.id === job.parts[0]!.remoteId);
    assert.equal(listed?.status, 'completed');

    const res = await results(p, done);
    assert.deepEqual([...res.keys()].sort(), ['a', 'b']);
    for (const r of res.values()) {
      assert.equal(r.outcome, 'succeeded');
      assert.ok(r.outputText && r.outputText.length > 0);
      assert.ok(r.usage && r.usage.outputTokens > 0);
    }
    await p.delete(job.parts[0]!.remoteId!);
    await assert.rejects(p.retrieve(job.parts[0]!.remoteId!), (e: unknown) => e instanceof ProviderError && e.status === 404);
  });

  it('ended with an expired request is expired; errored and expired lines come back with the rest', async () => {
    const p = provider();
    const path = await input('mixed.jsonl', [msg('ok', 'Hello'), msg('bad', 'x [[fail]]'), msg('late', 'y [[expire]]')]);
    const { job: done } = await untilTerminal(await submitJob({ store, provider: p, inputPath: path }), p);
    assert.equal(done.status, 'expired');
    assert.deepEqual(done.parts[0]!.counts, { total: 3, succeeded: 1, failed: 1, processing: 0, expired: 1, canceled: 0 });
    const res = await results(p, done);
    assert.equal(res.get('ok')?.outcome, 'succeeded');
    assert.equal(res.get('bad')?.outcome, 'errored');
    assert.equal(res.get('bad')?.errorCode, 'invalid_request_error');
    assert.equal(res.get('late')?.outcome, 'expired');
  });

  it('every line errored: ended -> completed part, failed job', async () => {
    const p = provider();
    const path = await input('bad.jsonl', [msg('x', '[[fail]]'), msg('y', '[[fail]]')]);
    const { job: done } = await untilTerminal(await submitJob({ store, provider: p, inputPath: path }), p);
    assert.equal(done.parts[0]!.status, 'completed');
    assert.equal(done.status, 'failed');
  });

  it('cancels: canceling then ended with canceled requests -> cancelled', async () => {
    const p = provider();
    const path = await input('cancel.jsonl', Array.from({ length: 6 }, (_, i) => msg(`r${i}`, `Line ${i}`)));
    const job = await submitJob({ store, provider: p, inputPath: path });
    const c = await cancelJob(store, job, p);
    assert.equal(c.status, 'cancelling');
    const { job: done } = await untilTerminal(c, p);
    assert.equal(done.status, 'cancelled');
    assert.ok(done.parts[0]!.counts.canceled > 0);
    const res = await results(p, done);
    assert.equal(res.size, 6);
    assert.ok([...res.values()].some((r) => r.outcome === 'canceled'));
  });

  it('a create the service rejects (duplicate custom_id) fails at once with its message', async () => {
    const p = provider();
    const path = await input('dup.jsonl', [msg('same', 'one'), msg('same', 'two')]);
    const clean = { ...(await validateFile(path, { provider: 'anthropic' })), diagnostics: [] };
    await assert.rejects(submitJob({ store, provider: p, inputPath: path, validation: clean }), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.status, 400);
      assert.match(e.message, /Duplicate custom_id/);
      return true;
    });
    assert.equal(retries.length, 0);
  });

  it('401 without a key is reported, not retried', async () => {
    const noKey: typeof fetch = (url, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('x-api-key');
      headers.delete('authorization');
      return fetch(url, { ...init, headers });
    };
    const p = provider(noKey);
    await assert.rejects(p.list(), (e: unknown) => e instanceof ProviderError && e.status === 401 && /x-api-key/.test(e.message));
    assert.equal(retries.length, 0);
  });

  it('honours retry-after on a 429 and creates one batch', async () => {
    const p = provider();
    emu.faults.add({ method: 'POST', path: '/v1/messages/batches', status: 429, retryAfterSeconds: 2, times: 1 });
    const before = emu.stats.batchesCreated.anthropic;
    const job = await submitJob({ store, provider: p, inputPath: await input('rl.jsonl', [msg('a', 'hi')]) });
    assert.ok(job.parts[0]!.remoteId);
    assert.equal(retries[0]?.error.status, 429);
    assert.ok(sleeps[0]! >= 2000);
    assert.equal(emu.stats.batchesCreated.anthropic - before, 1);
  });

  it('retries a 500 on retrieve', async () => {
    const p = provider();
    const job = await submitJob({ store, provider: p, inputPath: await input('500.jsonl', [msg('a', 'hi')]) });
    emu.faults.add({ method: 'GET', path: `/v1/messages/batches/${job.parts[0]!.remoteId}`, status: 500, times: 1 });
    const r = await p.retrieve(job.parts[0]!.remoteId!);
    assert.equal(r.id, job.parts[0]!.remoteId);
    assert.equal(retries.length, 1);
  });

  it('a create dropped mid-body is looked up, not found, then sent again: one batch', async () => {
    const p = provider();
    emu.faults.add({ method: 'POST', path: '/v1/messages/batches', dropConnection: true, times: 1 });
    const before = emu.stats.batchesCreated.anthropic;
    const job = await submitJob({ store, provider: p, inputPath: await input('drop.jsonl', [msg('a', 'hi'), msg('b', 'yo')]) });
    assert.ok(job.parts[0]!.remoteId);
    assert.equal(emu.stats.batchesCreated.anthropic - before, 1);
  });

  it('a create whose response was lost is found among the newest batches, not repeated', async () => {
    let lost = 0;
    const losesFirstCreate: typeof fetch = async (url, init) => {
      const res = await fetch(url, init);
      if (String(url).endsWith('/v1/messages/batches') && init?.method === 'POST' && lost === 0) {
        lost++;
        await res.arrayBuffer();
        throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
      }
      return res;
    };
    const p = provider(losesFirstCreate);
    const before = emu.stats.batchesCreated.anthropic;
    const job = await submitJob({ store, provider: p, inputPath: await input('lost.jsonl', [msg('a', 'hi'), msg('b', 'yo'), msg('c', 'hey')]) });
    assert.equal(lost, 1);
    assert.equal(emu.stats.batchesCreated.anthropic - before, 1);
    assert.match(job.parts[0]!.remoteId!, /^msgbatch_/);
  });
});
