import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentedQuota, lowerAfterRateLimit, lowerAfterTokenRefusal, partTokenBudget, quotaFromSettings, QuotaSettingsSchema, resolveQuota, tighter } from '../../src/core/queue/quotas';
import { exceedsQuotaAlone, failedForQuota, isQueued, MAX_QUOTA_REFUSALS, partsToSubmit, quotaUsage, requeued, requeueDelayMs } from '../../src/core/queue/admission';
import { queueLine, shortTokens } from '../../src/core/queue/describe';
import { jobRow } from '../../src/core/jobs/treeModel';
import { describeJob } from '../../src/cli/commands/jobFormat';
import { JobSchema, type Job, type JobPart } from '../../src/core/jobs/job';
import { JobStore } from '../../src/core/jobs/store';
import { cancelJob } from '../../src/jobs/cancel';
import { learnedQuotaFor, recordLearnedQuota } from '../../src/jobs/queue';
import type { BatchProvider } from '../../src/providers/types';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function part(index: number, over: Partial<JobPart> = {}): JobPart {
  return {
    index,
    remoteId: null,
    status: 'validating',
    lineStart: index * 10 + 1,
    lineEnd: index * 10 + 10,
    requests: 10,
    counts: { total: 10, succeeded: 0, failed: 0, processing: 10, expired: 0, canceled: 0 },
    errors: [],
    queuedAt: iso(NOW - 60_000),
    enqueuedTokens: 500,
    ...over,
  };
}

const inFlight = (index: number, tokens: number, over: Partial<JobPart> = {}) => part(index, { remoteId: `batch_${index}`, status: 'in_progress', enqueuedTokens: tokens, submittedAt: iso(NOW - 120_000), ...over });

function job(parts: JobPart[], over: Partial<Job> = {}): Job {
  return {
    version: 1,
    id: 'bw-q',
    name: 'big.jsonl',
    provider: 'openai',
    profile: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    inputPath: '/work/big.jsonl',
    inputSha256: 'abc',
    inputLines: parts.length * 10,
    requests: parts.length * 10,
    parts,
    attempt: 1,
    status: 'in_progress',
    createdAt: iso(NOW - 600_000),
    updatedAt: iso(NOW - 1000),
    quota: { enqueuedTokens: 2_000_000 },
    ...over,
  };
}

describe('quotas: documented defaults, settings, learned', () => {
  it('takes the tier-1 enqueued-token limit by the longest model prefix, dated snapshots included', () => {
    assert.equal(documentedQuota('openai', 'gpt-4o-mini')?.enqueuedTokens, 2_000_000);
    assert.equal(documentedQuota('openai', 'gpt-4o-mini-2024-07-18')?.enqueuedTokens, 2_000_000);
    assert.equal(documentedQuota('openai', 'gpt-4o')?.enqueuedTokens, 90_000);
    assert.equal(documentedQuota('openai', 'gpt-4o-2024-08-06')?.enqueuedTokens, 90_000);
    assert.equal(documentedQuota('openai', 'gpt-4o')?.batchesPerHour, 2000);
    // Unknown model or a tier without per-model figures: only the creation rate is known.
    assert.deepEqual(documentedQuota('openai', 'some-new-model'), { batchesPerHour: 2000 });
    assert.deepEqual(documentedQuota('openai', 'gpt-4o-mini', 3), { batchesPerHour: 2000 });
    assert.equal(documentedQuota('anthropic', 'claude-sonnet-4-5'), undefined);
    assert.equal(documentedQuota('gemini', 'gemini-2.5-flash'), undefined);
  });

  it('reads `batchwise.quotas` by provider/model, then provider/*, with a tier filled in and explicit numbers winning', () => {
    const settings = QuotaSettingsSchema.parse({ 'openai/gpt-4o-mini': { tier: 1, batchesPerHour: 100 }, 'openai/*': { enqueuedTokens: 5_000_000 } });
    assert.deepEqual(quotaFromSettings(settings, 'openai', 'gpt-4o-mini'), { batchesPerHour: 100, enqueuedTokens: 2_000_000 });
    assert.deepEqual(quotaFromSettings(settings, 'openai', 'gpt-4.1'), { enqueuedTokens: 5_000_000 });
    assert.equal(quotaFromSettings(settings, 'anthropic', 'claude'), undefined);
    assert.equal(QuotaSettingsSchema.safeParse({ 'gpt-4o-mini': { enqueuedTokens: 1 } }).success, false, 'a key names its provider');
    assert.equal(QuotaSettingsSchema.safeParse({ 'openai/x': { enqueuedTokens: -1 } }).success, false);
  });

  it('the flag wins over the setting, and what was learned tightens either', () => {
    const settings = { 'openai/*': { enqueuedTokens: 5_000_000 } };
    assert.deepEqual(resolveQuota({ provider: 'openai', model: 'm', settings, maxEnqueuedTokens: 1000 }), { enqueuedTokens: 1000 });
    assert.deepEqual(resolveQuota({ provider: 'openai', model: 'm', settings, learned: { enqueuedTokens: 300, batchesPerHour: 5 } }), { enqueuedTokens: 300, batchesPerHour: 5 });
    assert.equal(resolveQuota({ provider: 'openai', model: 'm' }), undefined, 'no quota: no queue');
    assert.deepEqual(tighter({ enqueuedTokens: 10 }, { maxBatchesInFlight: 2 }), { enqueuedTokens: 10, maxBatchesInFlight: 2 });
  });

  it('a refusal lowers the quota below what was in flight, never below the refused part, never raises it', () => {
    assert.deepEqual(lowerAfterTokenRefusal({ enqueuedTokens: 10_000 }, 5000), { enqueuedTokens: 4500 });
    assert.deepEqual(lowerAfterTokenRefusal({ enqueuedTokens: 1000 }, 5000), { enqueuedTokens: 1000 });
    assert.deepEqual(lowerAfterTokenRefusal(undefined, 5000, 4800), { enqueuedTokens: 4800 });
    assert.deepEqual(lowerAfterRateLimit({ enqueuedTokens: 9 }, 40), { enqueuedTokens: 9, batchesPerHour: 40 });
    assert.equal(partTokenBudget({ enqueuedTokens: 2_000_000 }), 500_000);
    assert.equal(partTokenBudget({ batchesPerHour: 3 }), undefined);
  });

  it('learned quotas are kept per provider, profile and model in <home>/quotas.json, only ever lowered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-quotas-'));
    try {
      const store = new JobStore(dir);
      const of = { provider: 'openai' as const, profile: 'work', model: 'gpt-4o-mini' };
      assert.equal(await learnedQuotaFor(store, of), undefined);
      await recordLearnedQuota(store, of, { enqueuedTokens: 900 });
      await recordLearnedQuota(store, of, { enqueuedTokens: 1200, batchesPerHour: 50 });
      assert.deepEqual(await learnedQuotaFor(store, of), { enqueuedTokens: 900, batchesPerHour: 50 });
      assert.equal(await learnedQuotaFor(store, { ...of, profile: 'other' }), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('queue: which parts to create now', () => {
  it('counts the parts in flight of every job sharing the provider account and model', () => {
    const mine = job([inFlight(0, 800_000), part(1)]);
    const other = job([inFlight(0, 700_000), inFlight(1, 999, { status: 'completed' })], { id: 'bw-other' });
    const otherModel = job([inFlight(0, 1_500_000)], { id: 'bw-m', model: 'gpt-4o' });
    const otherProfile = job([inFlight(0, 1_500_000)], { id: 'bw-p', profile: 'work' });
    const usage = quotaUsage([mine, other, otherModel, otherProfile], mine, NOW);
    assert.deepEqual(usage, { tokensInFlight: 1_500_000, batchesInFlight: 2, createdInLastHour: 3 });
  });

  it('a create that went out without a recorded id holds quota', () => {
    const usage = quotaUsage([job([part(0, { createStartedAt: iso(NOW - 1000) })])], job([]), NOW);
    assert.equal(usage.tokensInFlight, 500);
    assert.equal(usage.batchesInFlight, 1);
  });

  it('admits queued parts in order while they fit next to what is in flight, and a part that does not fit holds back the rest', () => {
    const parts = [inFlight(0, 1_000_000), part(1, { enqueuedTokens: 600_000 }), part(2, { enqueuedTokens: 600_000 }), part(3, { enqueuedTokens: 100 })];
    const usage = { tokensInFlight: 1_000_000, batchesInFlight: 1, createdInLastHour: 1 };
    assert.deepEqual(partsToSubmit(parts, usage, { enqueuedTokens: 2_000_000 }, NOW).map((p) => p.index), [1]);
    assert.deepEqual(partsToSubmit(parts, usage, { enqueuedTokens: 3_000_000 }, NOW).map((p) => p.index), [1, 2, 3]);
    assert.deepEqual(partsToSubmit(parts, usage, { enqueuedTokens: 3_000_000, maxBatchesInFlight: 2 }, NOW).map((p) => p.index), [1]);
    assert.deepEqual(partsToSubmit(parts, usage, { enqueuedTokens: 3_000_000, batchesPerHour: 3 }, NOW).map((p) => p.index), [1, 2]);
    assert.deepEqual(partsToSubmit(parts, { ...usage, tokensInFlight: 1_500_000 }, { enqueuedTokens: 2_000_000 }, NOW), []);
  });

  it('a part waiting out a backoff is not created before its time', () => {
    const parts = [part(0, { notBefore: iso(NOW + 30_000) })];
    const usage = { tokensInFlight: 0, batchesInFlight: 0, createdInLastHour: 0 };
    assert.deepEqual(partsToSubmit(parts, usage, { enqueuedTokens: 1000 }, NOW), []);
    assert.deepEqual(partsToSubmit(parts, usage, { enqueuedTokens: 1000 }, NOW + 30_001).map((p) => p.index), [0]);
  });

  it('a part larger than the whole quota can never go', () => {
    assert.equal(exceedsQuotaAlone(part(0, { enqueuedTokens: 1001 }), { enqueuedTokens: 1000 }), true);
    assert.equal(exceedsQuotaAlone(part(0, { enqueuedTokens: 1000 }), { enqueuedTokens: 1000 }), false);
    assert.equal(exceedsQuotaAlone(part(0), undefined), false);
  });

  it('a batch failed for token_limit_exceeded goes back to the queue with its old batch set aside; a rate limit also waits', () => {
    const refused = inFlight(2, 400, { status: 'failed', endedAt: iso(NOW), errors: [{ code: 'token_limit_exceeded', message: 'Enqueued token limit reached' }], counts: { total: 10, succeeded: 0, failed: 0, processing: 0, expired: 0, canceled: 0 } });
    assert.equal(failedForQuota(refused), true);
    const back = requeued(refused, NOW);
    assert.equal(isQueued(back), true);
    assert.equal(back.remoteId, null);
    assert.deepEqual(back.supersededRemoteIds, ['batch_2']);
    assert.deepEqual(back.errors, []);
    assert.equal(back.counts.processing, 10);
    assert.equal(back.notBefore, undefined, 'the lowered quota holds it back, no timer');
    assert.equal(back.requeues, 1);
    const limited = requeued(back, NOW, true);
    assert.equal(limited.notBefore, iso(NOW + 2 * 60_000));
    assert.ok(requeueDelayMs(20) <= 30 * 60_000);
    assert.equal(failedForQuota({ ...refused, requeues: MAX_QUOTA_REFUSALS }), false, 'a part refused again and again ends failed');
    assert.equal(failedForQuota({ ...refused, errors: [{ code: 'invalid_request', message: 'x' }] }), false);
  });
});

describe('queue: visible in the tree and in batchwise status', () => {
  const queuedJob = () => {
    const parts = [inFlight(0, 600_000), inFlight(1, 600_000), inFlight(2, 600_000), ...Array.from({ length: 37 }, (_, i) => part(i + 3))];
    parts.push(part(40, { status: 'completed', remoteId: 'batch_done', queuedAt: iso(NOW) }));
    return job(parts.slice(0, 40));
  };

  it('"3 of 40 parts in flight, 1.8M / 2M tokens"', () => {
    assert.equal(queueLine(queuedJob()), '3 of 40 parts in flight, 1.8M / 2M tokens');
    assert.equal(queueLine(job([inFlight(0, 5)])), undefined, 'nothing queued: no line');
    assert.equal(queueLine(job([inFlight(0, 5), part(1)], { quota: { batchesPerHour: 3 } })), '1 of 2 parts in flight');
    assert.deepEqual([shortTokens(950), shortTokens(950_000), shortTokens(1_250_000), shortTokens(15e9)], ['950', '950k', '1.3M', '15B']);
  });

  it('the job row and the status text carry it; queued parts say so', () => {
    const j = queuedJob();
    const row = jobRow(j, { groupBy: 'status', now: NOW });
    assert.match(row.description, /· 3 of 40 parts in flight, 1\.8M \/ 2M tokens/);
    const queuedRow = row.children.find((c) => c.partIndex === 5)!;
    assert.equal(queuedRow.label, 'Part 6: (queued)');
    assert.match(queuedRow.description, /^queued/);
    const text = describeJob(j);
    assert.match(text, /\n {2}queue {5}3 of 40 parts in flight, 1\.8M \/ 2M tokens\n/);
    assert.match(text, /part 6 {2}\(queued\)/);
  });

  it('job files from before the queue are still read', () => {
    const { quota: _q, ...old } = job([inFlight(0, 1)]);
    const parts = old.parts.map(({ queuedAt: _a, enqueuedTokens: _t, ...p }) => p);
    assert.equal(JobSchema.safeParse({ ...old, parts }).success, true);
  });
});

describe('queue: cancel', () => {
  it('marks queued parts cancelled without sending anything, and cancels what is in flight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-qcancel-'));
    try {
      const store = new JobStore(dir);
      const j = job([inFlight(0, 100), part(1), part(2)]);
      await store.save(j);
      const calls: string[] = [];
      const provider = {
        id: 'openai',
        cancel: async (id: string) => {
          calls.push(`cancel ${id}`);
          return { id, status: 'cancelling', rawStatus: 'cancelling', counts: { total: 10, succeeded: 0, failed: 0, processing: 10, expired: 0, canceled: 0 }, errors: [] };
        },
        findPart: async () => {
          calls.push('findPart');
          return undefined;
        },
      } as unknown as BatchProvider;
      const after = await cancelJob(store, j, provider);
      assert.deepEqual(calls, ['cancel batch_0'], 'queued parts are not looked up or sent');
      assert.deepEqual(after.parts.map((p) => p.status), ['cancelling', 'cancelled', 'cancelled']);
      assert.equal(after.parts[1]!.counts.canceled, 10);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
