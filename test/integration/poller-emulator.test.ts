import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TERMINAL_TICK, startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { Poller, type PollerOptions } from '../../src/core/jobs/poller';
import { completionMessage } from '../../src/core/jobs/notify';
import { buildTree, findRow } from '../../src/core/jobs/treeModel';
import { createProvider, defaultProfile } from '../../src/providers';
import type { BatchProvider } from '../../src/providers/types';
import { submitJob } from '../../src/jobs/submit';
import { refreshJob } from '../../src/jobs/refresh';
import { isTerminal, type ProviderId } from '../../src/core/status';

/** The poller, the real adapters (official SDKs) and the job store against the emulator, until the jobs end. */

function openaiLine(id: string, text: string): string {
  return JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });
}
function anthropicLine(id: string, text: string): string {
  return JSON.stringify({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: text }] } });
}

describe('poller against the emulator', () => {
  let emu: Emulator;
  let home: string;
  let store: JobStore;
  /** Jobs polled through another adapter than the shared emulator's. */
  const providers = new Map<string, BatchProvider>();

  before(async () => {
    emu = await startEmulator({ tickMs: 20 });
    home = await mkdtemp(join(tmpdir(), 'bw-poller-'));
    store = new JobStore(home);
  });
  after(async () => {
    await emu.close();
    await rm(home, { recursive: true, force: true });
  });

  function provider(id: ProviderId): BatchProvider {
    const base = id === 'openai' ? `${emu.url}/v1` : emu.url;
    return createProvider(defaultProfile(id, base), 'test-key', { retry: { baseDelayMs: 10 } });
  }

  async function submit(id: ProviderId, name: string, lines: string[]): Promise<Job> {
    const input = join(home, `${name}.jsonl`);
    await writeFile(input, lines.join('\n') + '\n');
    return submitJob({ store, provider: provider(id), inputPath: input, name });
  }

  /** A poller that ends when every job it follows has ended; fast intervals for the emulator's 20 ms clock. */
  function follow(jobs: Job[], over: Partial<PollerOptions> = {}): { poller: Poller; ended: Promise<Job[]>; updates: Job[]; errors: string[] } {
    const done: Job[] = [];
    const updates: Job[] = [];
    const errors: string[] = [];
    let resolve!: (jobs: Job[]) => void;
    const ended = new Promise<Job[]>((r) => (resolve = r));
    const poller = new Poller({
      refresh: (job, signal) => refreshJob(store, job, providers.get(job.id) ?? provider(job.provider), signal),
      settings: () => ({ floorMs: 1000, maxConcurrent: 2 }),
      quickMs: 30,
      onJobUpdated: (j) => updates.push(j),
      onJobEnded: (j) => {
        done.push(j);
        if (done.length === jobs.filter((x) => !isTerminal(x.status)).length) resolve(done);
      },
      log: { warn: (m) => errors.push(m) },
      ...over,
    });
    poller.resume(jobs);
    return { poller, ended, updates, errors };
  }

  it('follows OpenAI and Anthropic jobs to completion and stops', async () => {
    const a = await submit('openai', 'labels', [openaiLine('a1', 'hello'), openaiLine('a2', 'please [[fail]]'), openaiLine('a3', 'world')]);
    const b = await submit('anthropic', 'claude-run', [anthropicLine('b1', 'one'), anthropicLine('b2', 'two')]);
    const { poller, ended, updates, errors } = follow([a, b]);
    const finished = await ended;
    assert.deepEqual(errors, []);
    assert.deepEqual(poller.trackedIds, []);
    const byName = new Map(finished.map((j) => [j.name, j]));
    const labels = byName.get('labels')!;
    assert.equal(labels.status, 'completed');
    assert.equal(completionMessage(labels), 'Batch "labels" completed: 2 succeeded, 1 failed');
    assert.equal(byName.get('claude-run')!.status, 'completed');
    // The store holds what the poller reported (the extension and the CLI read the same files).
    assert.equal((await store.get(a.id))!.status, 'completed');
    assert.ok(updates.filter((u) => u.id === a.id).length >= 1);
    // And the tree shows the finished job as retryable with results.
    const row = findRow(buildTree([labels], { groupBy: 'status', now: Date.now() }), `job:${a.id}`)!;
    assert.match(row.contextValue, /\bresults\b/);
    assert.match(row.contextValue, /\bretryable\b/);
    poller.dispose();
  });

  it('follows a Gemini job (model from the batch, key-joined lines) to completion', async () => {
    const input = join(home, 'gem.jsonl');
    const line = (key: string, text: string) => JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text }] }] } });
    await writeFile(input, [line('g1', 'one'), line('g2', 'two [[fail]]')].join('\n') + '\n');
    const job = await submitJob({ store, provider: provider('gemini'), inputPath: input, name: 'gem', model: 'gemini-2.5-flash' });
    const { poller, ended, errors } = follow([job]);
    const [done] = await ended;
    assert.deepEqual(errors, []);
    assert.equal(done!.status, 'completed');
    assert.equal(completionMessage(done!), 'Batch "gem" completed: 1 succeeded, 1 failed');
    poller.dispose();
  });

  it('resumes after a restart: a new poller picks the active jobs from the store', async () => {
    // A clock that stands still, so the batch is still running after the first session's single poll, whatever
    // the machine's load; it is moved to the batch's end before the second session.
    const slow = await startEmulator({ manualClock: true, tickMs: 150 });
    const slowProvider = createProvider(defaultProfile('openai', `${slow.url}/v1`), 'test-key', { retry: { baseDelayMs: 10 } });
    const input = join(home, 'restart.jsonl');
    await writeFile(input, [openaiLine('r1', 'x'), openaiLine('r2', 'y')].join('\n') + '\n');
    const j = await submitJob({ store, provider: slowProvider, inputPath: input, name: 'restart' });
    providers.set(j.id, slowProvider);
    // First "session": one poll, then the window closes.
    const first = follow([j]);
    await new Promise<void>((r) => {
      const check = setInterval(() => {
        if (first.updates.length > 0) {
          clearInterval(check);
          r();
        }
      }, 5);
    });
    first.poller.dispose();
    const { jobs } = await store.list();
    const active = jobs.filter((x) => x.id === j.id && x.status !== 'completed');
    assert.equal(active.length, 1, 'the job is still running when the first session ends');
    slow.clock.tick(TERMINAL_TICK);
    // resume() gets the whole store, the finished jobs of the first test included: only the running one is followed.
    const second = follow(jobs);
    assert.deepEqual(second.poller.trackedIds, [j.id]);
    const [done] = await second.ended;
    assert.equal(done!.id, j.id);
    assert.equal(done!.status, 'completed');
    assert.equal((await store.get(j.id))!.parts[0]!.counts.succeeded, 2);
    second.poller.dispose();
    await slow.close();
  });
});
