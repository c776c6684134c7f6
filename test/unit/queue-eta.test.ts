import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, JobPart } from '../../src/core/jobs/job';
import { queueEtaSeconds } from '../../src/core/queue/eta';
import { jobRow } from '../../src/core/jobs/treeModel';
import { describeJob, progressBar } from '../../src/cli/commands/jobFormat';
import { withAggregate } from '../../src/jobs/refresh';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

/** A part of 100 requests holding `tokens`, queued an hour ago unless it says otherwise. */
function part(index: number, tokens: number | undefined, over: Partial<JobPart> = {}): JobPart {
  return {
    index,
    remoteId: null,
    status: 'validating',
    lineStart: index * 100 + 1,
    lineEnd: index * 100 + 100,
    requests: 100,
    counts: { total: 100, succeeded: 0, failed: 0, processing: 100, expired: 0, canceled: 0 },
    errors: [],
    queuedAt: iso(NOW - HOUR),
    ...(tokens !== undefined ? { enqueuedTokens: tokens } : {}),
    ...over,
  };
}
const ended = (index: number, tokens: number | undefined, startedHoursAgo = 1): JobPart =>
  part(index, tokens, { remoteId: `batch_${index}`, status: 'completed', submittedAt: iso(NOW - startedHoursAgo * HOUR), counts: { total: 100, succeeded: 100, failed: 0, processing: 0, expired: 0, canceled: 0 } });
const running = (index: number, tokens: number | undefined, done: number): JobPart =>
  part(index, tokens, { remoteId: `batch_${index}`, status: 'in_progress', submittedAt: iso(NOW - HOUR / 2), counts: { total: 100, succeeded: done, failed: 0, processing: 100 - done, expired: 0, canceled: 0 } });

function jobOf(parts: JobPart[]): Job {
  const base: Job = {
    version: 1,
    id: 'bw-q',
    name: 'big',
    provider: 'openai',
    profile: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o-mini',
    inputPath: '/work/big.jsonl',
    inputSha256: 'abc',
    inputLines: parts.length * 100,
    requests: parts.length * 100,
    parts,
    quota: { enqueuedTokens: 2000 },
    attempt: 1,
    status: 'validating',
    createdAt: iso(NOW - HOUR),
    updatedAt: iso(NOW),
  };
  return withAggregate(base, parts);
}

describe('queueEtaSeconds: the queued parts are in the ETA', () => {
  it('remaining tokens over the token pace since the first create', () => {
    // 1000 tokens done in an hour; 1000 in flight (half done) and 2000 queued: 2500 left at 1000/h = 2.5 h.
    const job = jobOf([ended(0, 1000), running(1, 1000, 50), part(2, 1000), part(3, 1000)]);
    const eta = queueEtaSeconds(job, NOW)!;
    // done = 1000 + 500 = 1500 tokens in 3600 s; left = 500 + 2000 = 2500.
    assert.ok(Math.abs(eta - 2500 / (1500 / 3600)) < 1e-6, String(eta));
  });

  it('counts by tokens, so a small last part weighs less than a full one', () => {
    const full = queueEtaSeconds(jobOf([ended(0, 1000), part(1, 1000)]), NOW)!;
    const small = queueEtaSeconds(jobOf([ended(0, 1000), part(1, 100)]), NOW)!;
    assert.equal(full, HOUR / 1000);
    assert.equal(small, HOUR / 10_000);
  });

  it('falls back to requests when a part has no token count (planned before a quota was known)', () => {
    const eta = queueEtaSeconds(jobOf([ended(0, undefined), part(1, 500), part(2, undefined)]), NOW)!;
    // 100 requests in an hour, 200 left.
    assert.equal(eta, 2 * HOUR / 1000);
  });

  it('no ETA before anything finished, for a job without a queue, or once the job ended', () => {
    assert.equal(queueEtaSeconds(jobOf([running(0, 1000, 0), part(1, 1000)]), NOW), undefined);
    const unqueued = jobOf([running(0, 1000, 50)]);
    unqueued.parts = unqueued.parts.map(({ queuedAt: _q, ...p }) => p);
    assert.equal(queueEtaSeconds(unqueued, NOW), undefined);
    assert.equal(queueEtaSeconds(jobOf([ended(0, 1000), ended(1, 1000)]), NOW), undefined);
  });

  it('the tree row and `batchwise status` show it', () => {
    const job = jobOf([ended(0, 1000, 2), part(1, 1000), part(2, 1000)]);
    // 1000 tokens in 2 h, 2000 left: 4 h.
    const row = jobRow(job, { groupBy: 'status', now: NOW });
    assert.match(row.description, /0 of 3 parts in flight, 0 \/ 2k tokens/);
    assert.match(row.description, / · ETA 4h( · |$)/);
    assert.match(describeJob(job, NOW), /\n {2}eta {7}4h \(queued parts included, at the pace so far\)\n/);
    assert.match(progressBar(job, 24, NOW), / · ETA 4h$/);
  });
});
