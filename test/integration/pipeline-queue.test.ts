import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { parsePipeline, PipelineFileError } from '../../src/core/pipeline/load';
import { runPipelineCycle, type CycleDeps } from '../../src/jobs/pipeline/cycle';
import { createProvider, defaultProfile } from '../../src/providers';
import type { Job } from '../../src/core/jobs/job';

// Issue 18: a pipeline's cycle submits (and resends) through the local queue, under the pipeline's `quota` or the
// `batchwise.quotas` setting, against the emulator enforcing OpenAI's enqueued-token limit on a manual clock.
const MODEL = 'gpt-4o-mini';
const LIMIT = 2000;
const line = (i: number, extra = '') =>
  JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: `Describe product ${i}: a sturdy wooden chair with four legs.${extra}` }] } });

async function withPipeline(yaml: string, lines: string[], run: (ctx: { loaded: ReturnType<typeof parsePipeline>; deps: (extra?: Partial<CycleDeps>) => CycleDeps; store: JobStore; creates: () => number; peak: () => number }) => Promise<void>): Promise<void> {
  const emu = await startEmulator({ manualClock: true, tickMs: 20, limits: { enqueuedTokenLimit: LIMIT } });
  const dir = await mkdtemp(join(tmpdir(), 'bw-pipe-queue-'));
  try {
    await writeFile(join(dir, 'requests.jsonl'), lines.join('\n') + '\n');
    const store = new JobStore(join(dir, 'home'));
    const provider = () => createProvider(defaultProfile('openai', `${emu.url}/v1`), 'test-key', { retry: { baseDelayMs: 1 } });
    const deps = (extra: Partial<CycleDeps> = {}): CycleDeps => ({ store, env: { PATH: process.env.PATH }, providerFor: provider, providerForJob: provider, pause: async () => void emu.clock.tick(1), ...extra });
    const loaded = parsePipeline(join(dir, 'big.batchwise.yaml'), yaml.replaceAll('EMU', `${emu.url}/v1`));
    await run({ loaded, deps, store, creates: () => emu.stats.requests['POST /v1/batches'] ?? 0, peak: () => emu.stats.enqueuedTokensPeak[MODEL] ?? 0 });
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const refusedParts = (jobs: Job[]) => jobs.flatMap((j) => j.parts).filter((p) => (p.requeues ?? 0) > 0).length;

test('the pipeline quota: the cycle and its retry go through the queue, never over the limit, not one token_limit_exceeded', async () => {
  const lines = Array.from({ length: 200 }, (_, i) => line(i, i === 7 ? ' [[fail-once]]' : ''));
  await withPipeline(`name: big\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: EMU\nretries: 1\nquota: {enqueuedTokens: ${LIMIT}}\n`, lines, async ({ loaded, deps, store, creates, peak }) => {
    const report = await runPipelineCycle(loaded, deps(), { wait: true });
    assert.equal(report.status, 'completed', JSON.stringify(report));
    assert.deepEqual([report.succeeded, report.failed], [200, 0]);
    const jobs = (await Promise.all(report.jobs.map((id) => store.get(id)))) as Job[];
    assert.equal(jobs.length, 2, 'the first job and the retry of [[fail-once]]');
    assert.deepEqual(jobs.map((j) => j.quota?.enqueuedTokens), [LIMIT, LIMIT], 'both queued under the pipeline quota');
    assert.ok(jobs[0]!.parts.length >= 5, `split into ${jobs[0]!.parts.length} parts by tokens`);
    assert.ok(peak() <= LIMIT, `peak in flight ${peak()}`);
    assert.equal(refusedParts(jobs), 0, 'no part refused for quota');
    assert.equal(creates(), jobs.reduce((n, j) => n + j.parts.length, 0), 'one batch per part');
  });
});

test('without a pipeline quota the `batchwise.quotas` setting for the model applies; the pipeline field wins over it', async () => {
  const lines = Array.from({ length: 120 }, (_, i) => line(i));
  await withPipeline(`name: big\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: EMU\n`, lines, async ({ loaded, deps, store, peak }) => {
    const report = await runPipelineCycle(loaded, deps({ quotas: { [`openai/${MODEL}`]: { enqueuedTokens: LIMIT } } }), { wait: true });
    assert.equal(report.status, 'completed', JSON.stringify(report));
    const job = (await store.get(report.job!))!;
    assert.equal(job.quota?.enqueuedTokens, LIMIT);
    assert.ok(job.parts.length > 1 && job.parts.some((p) => p.queuedAt));
    assert.ok(peak() <= LIMIT);
    assert.equal(refusedParts([job]), 0);
  });
  await withPipeline(`name: big\ninput: {file: requests.jsonl}\nprovider: openai\nbaseUrl: EMU\nquota: {enqueuedTokens: 1000}\n`, lines, async ({ loaded, deps, store }) => {
    const report = await runPipelineCycle(loaded, deps({ quotas: { 'openai/*': { enqueuedTokens: LIMIT } } }), { wait: true });
    assert.equal(report.status, 'completed', JSON.stringify(report));
    assert.equal((await store.get(report.job!))!.quota?.enqueuedTokens, 1000);
  });
});

test('a misspelt quota field is refused with the pipeline file problem, not ignored', () => {
  assert.throws(
    () => parsePipeline('/p/big.batchwise.yaml', 'name: big\ninput: {file: r.jsonl}\nprovider: openai\nquota: {enqueuedToken: 5}\n'),
    (err: unknown) => err instanceof PipelineFileError && /enqueuedToken/.test(JSON.stringify(err.problems)),
  );
});
