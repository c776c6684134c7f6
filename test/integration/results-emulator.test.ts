import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import { isTerminal, type ProviderId } from '../../src/core/status';
import { createProvider, defaultProfile } from '../../src/providers';
import type { BatchProvider } from '../../src/providers/types';
import { submitJob } from '../../src/jobs/submit';
import { refreshJob } from '../../src/jobs/refresh';
import { downloadResults } from '../../src/jobs/results';
import { retryFailed } from '../../src/jobs/retry';
import { mergedResultsForChain } from '../../src/core/results/merge';
import { ResultsSummarySchema } from '../../src/core/results/summary';
import { run as resultsCli } from '../../src/cli/commands/results';
import { run as retryCli } from '../../src/cli/commands/retry';
import { captureIO } from '../support/cli';

/** Results, retry and the merged view through the real adapters (official SDKs) against the emulator. */

const openaiLine = (id: string, text: string) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] } });
const anthropicLine = (id: string, text: string) => JSON.stringify({ custom_id: id, params: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: text }] } });

describe('results against the emulator', () => {
  let emu: Emulator;
  let home: string;
  let store: JobStore;

  before(async () => {
    // A manual clock: each refresh moves it a tick, so the jobs end in the same steps however loaded the machine is.
    emu = await startEmulator({ manualClock: true, tickMs: 20 });
    home = await mkdtemp(join(tmpdir(), 'bw-results-'));
    store = new JobStore(home);
  });
  after(async () => {
    await emu.close();
    await rm(home, { recursive: true, force: true });
  });

  const baseUrl = (id: ProviderId) => (id === 'openai' ? `${emu.url}/v1` : emu.url);
  const provider = (id: ProviderId): BatchProvider => createProvider(defaultProfile(id, baseUrl(id)), 'test-key', { retry: { baseDelayMs: 10 } });

  async function untilEnded(job: Job, p: BatchProvider): Promise<Job> {
    for (let i = 0; i < 500 && !isTerminal(job.status); i++) {
      emu.clock.tick();
      job = await refreshJob(store, job, p);
    }
    assert.ok(isTerminal(job.status), `job ended (${job.status})`);
    return job;
  }

  const io = () => captureIO({ env: { BATCHWISE_HOME: home, OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k', BATCHWISE_RETRY_BASE_MS: '5' } });

  for (const id of ['openai', 'anthropic'] as const) {
    it(`${id}: join, summary, retry of the failed lines, merged view where retried lines succeeded`, async () => {
      const make = id === 'openai' ? openaiLine : anthropicLine;
      const lines = [make('r1', 'hello'), make('r2', 'please [[fail-once]]'), make('r3', 'third'), make('r4', 'again [[fail-once]]'), make('r5', 'always [[fail]]')];
      const input = join(home, `${id}-in.jsonl`);
      await writeFile(input, lines.join('\r\n') + '\r\n');
      const p = provider(id);
      let job = await untilEnded(await submitJob({ store, provider: p, inputPath: input, name: `${id} labels` }), p);

      const { summary, path } = await downloadResults(store, job, p);
      ResultsSummarySchema.parse(JSON.parse(await readFile(join(store.jobDir(job.id), 'summary.json'), 'utf8')));
      assert.equal(summary.total, 5);
      assert.equal(summary.counts.succeeded, 2);
      assert.equal(summary.counts.errored, 3);
      assert.ok(summary.usage.inputTokens > 0);
      assert.ok(summary.topErrors.length >= 1);
      const recs = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { customId: string; outcome: string });
      assert.deepEqual(recs.map((r) => r.customId), ['r1', 'r2', 'r3', 'r4', 'r5']);
      job = (await store.get(job.id))!;
      assert.equal(job.resultsPath, path);

      const r = await retryFailed({ store, job, provider: p });
      assert.equal(r.requests, 3);
      assert.equal(await readFile(r.retryFile, 'utf8'), [lines[1], lines[3], lines[4]].join('\r\n') + '\r\n');
      assert.ok(r.retryJob);
      assert.equal(r.retryJob.parentId, job.id);
      assert.equal(r.retryJob.attempt, 2);
      assert.equal(r.retryJob.name, `${id} labels (retry 1)`);
      await untilEnded(r.retryJob, p);

      // The CLI downloads the retry's results itself and prints the merged counts.
      const out = join(home, `${id}-merged.csv`);
      const failedOut = join(home, `${id}-failed.jsonl`);
      const cli = io();
      assert.equal(await resultsCli([job.id, '--out', out, '--failed-out', failedOut, '--json'], cli.io), 0, cli.err());
      assert.deepEqual(JSON.parse(cli.out()), { job: job.id, succeeded: 4, failed: 1, quality: { ok: 4, truncated: 0, empty: 0, refused: 0, invalid_json: 0, schema_mismatch: 0 }, out, failedOut });
      assert.equal(await readFile(failedOut, 'utf8'), lines[4] + '\r\n');
      const csv = (await readFile(out, 'utf8')).split('\r\n');
      assert.equal(csv[0], 'custom_id,outcome,quality,input,output,error,input_tokens,output_tokens');
      // The input column is the original line's user message, also for a row answered by the retry.
      assert.match(csv[2]!, /^r2,succeeded,ok,please \[\[fail-once\]\],/);

      const merged = await mergedResultsForChain(store, job);
      assert.deepEqual([...merged.rows].map((row) => [row.customId, row.outcome, row.attempt]), [['r1', 'succeeded', 1], ['r2', 'succeeded', 2], ['r3', 'succeeded', 1], ['r4', 'succeeded', 2], ['r5', 'errored', 2]]);

      // retry --json from the CLI: the one line that always fails goes again, as retry 2 under retry 1.
      const cli2 = io();
      assert.equal(await retryCli([job.id, '--json'], cli2.io), 0, cli2.err());
      const printed = JSON.parse(cli2.out()) as { job: string; parent: string; requests: number };
      assert.equal(printed.parent, r.retryJob.id);
      assert.equal(printed.requests, 1);
      const retry2 = (await store.get(printed.job))!;
      assert.equal(retry2.attempt, 3);
      assert.equal(retry2.name, `${id} labels (retry 2)`);
    });
  }

  it('results refuses a job that has not ended, with exit code 1', async () => {
    const input = join(home, 'running.jsonl');
    await writeFile(input, openaiLine('x1', 'slow') + '\n');
    const p = provider('openai');
    const job = await submitJob({ store, provider: p, inputPath: input, name: 'running' });
    const cli = io();
    assert.ok(!isTerminal(job.status), 'the emulator takes 8 ticks to finish a batch');
    assert.equal(await resultsCli([job.id], cli.io), 1);
    assert.match(cli.err(), /results come when it ends/);
  });

  for (const id of ['openai', 'anthropic'] as const) {
    it(`${id}: an expired batch keeps its finished lines; unfinished ones are expired, not dropped`, async () => {
      const make = id === 'openai' ? openaiLine : anthropicLine;
      const input = join(home, `${id}-expire.jsonl`);
      await writeFile(input, [make('e1', 'fine'), make('e2', 'slow [[expire]]'), make('e3', 'fine too')].join('\n') + '\n');
      const p = provider(id);
      const job = await untilEnded(await submitJob({ store, provider: p, inputPath: input, name: `${id} expiring` }), p);
      const { summary, path } = await downloadResults(store, job, p);
      const recs = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { customId: string; outcome: string });
      assert.deepEqual(recs.map((r) => [r.customId, r.outcome]), [['e1', 'succeeded'], ['e2', 'expired'], ['e3', 'succeeded']]);
      assert.equal(summary.counts.expired, 1);
    });
  }
});
