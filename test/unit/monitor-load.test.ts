import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../../src/core/jobs/store';
import type { Job } from '../../src/core/jobs/job';
import type { ResultsSummary } from '../../src/core/results/summary';
import { RESULTS_SUMMARY_FILE, ResultsSummaryCache, loadJobStats } from '../../src/core/monitor/load';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-monitor-load-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const summary = (succeeded: number): ResultsSummary => ({
  jobId: 'bw-1', total: 2, counts: { succeeded, errored: 2 - succeeded, expired: 0, canceled: 0, missing: 0 }, duplicates: 0, unmatched: 0, topErrors: [],
  usage: { inputTokens: 10, outputTokens: 5, cachedTokens: 0 }, actualCost: 0.5, standardCost: 1, currency: 'USD', turnaroundSeconds: 60,
});

test('a job\'s numbers come from its results summary; with a cache the summary is read again only when the job changed', async () => {
  const store = new JobStore(join(dir, 'home'));
  const t0 = '2026-11-10T10:00:00.000Z';
  const job: Job = { version: 1, id: 'bw-1', name: 'j', provider: 'openai', profile: 'openai', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini', inputPath: '/tmp/in.jsonl', inputSha256: 'a'.repeat(64), inputLines: 2, requests: 2, parts: [], attempt: 1, status: 'completed', createdAt: t0, updatedAt: t0, resultsPath: '/tmp/results.jsonl' };
  await store.save(job);
  const file = join(store.jobDir('bw-1'), RESULTS_SUMMARY_FILE);
  await writeFile(file, JSON.stringify(summary(1)));
  const cache = new ResultsSummaryCache();
  const first = await loadJobStats(store, cache);
  assert.deepEqual([first.stats[0]!.succeeded, first.stats[0]!.errored, first.stats[0]!.costUsd], [1, 1, 0.5]);

  // The summary file changes behind the job's back: the cache keeps what it read, a fresh read sees the file.
  await writeFile(file, JSON.stringify(summary(2)));
  assert.equal((await loadJobStats(store, cache)).stats[0]!.succeeded, 1);
  assert.equal((await loadJobStats(store)).stats[0]!.succeeded, 2);
  // Results joined again save the job (a new updatedAt): the cache reads the summary again.
  await store.save({ ...job, updatedAt: '2026-11-10T11:00:00.000Z' });
  assert.equal((await loadJobStats(store, cache)).stats[0]!.succeeded, 2);
});
