import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, dayIn, localMidnight, parseSince, percentile } from '../../src/core/monitor/aggregate';
import { rootsOf, type JobStats } from '../../src/core/monitor/jobStats';

let n = 0;
const job = (over: Partial<JobStats>): JobStats => {
  const id = over.id ?? `bw-${++n}`;
  return {
    id, name: id, provider: 'openai', model: 'gpt-4o-mini', profile: 'default', status: 'completed', createdAt: '2026-11-10T10:00:00.000Z', finishedAt: '2026-11-10T11:00:00.000Z',
    rootId: id, attempt: 1, requests: 10, succeeded: 10, errored: 0, expired: 0, canceled: 0, missing: 0, processing: 0, flagged: {},
    inputTokens: 100, outputTokens: 50, costUsd: 1, standardCostUsd: 2, topErrors: [], ...over,
  };
};

test('percentiles are nearest-rank; none without values', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(v, 50), 5);
  assert.equal(percentile(v, 90), 9);
  assert.equal(percentile(v, 100), 10);
  assert.equal(percentile([7], 90), 7);
  assert.equal(percentile([], 50), null);
  const s = aggregate([job({ finishedAt: '2026-11-10T10:01:00.000Z' }), job({ finishedAt: '2026-11-10T10:02:00.000Z' }), job({ finishedAt: '2026-11-10T12:00:00.000Z' }), job({ status: 'in_progress', finishedAt: undefined })], { now: new Date('2026-11-10T13:00:00Z') });
  assert.deepEqual(s.turnaroundSeconds, { median: 120, p90: 7200, max: 7200 }, 'a running job has no turnaround');
});

test('a line that failed and then succeeded in its retry is one succeeded line; tokens and cost count every attempt', () => {
  const root = job({ id: 'root', requests: 10, succeeded: 7, errored: 2, expired: 1, costUsd: 1, standardCostUsd: 2 });
  const retry = job({ id: 'retry', rootId: 'root', attempt: 2, requests: 3, succeeded: 2, errored: 1, costUsd: 0.25, standardCostUsd: 0.5 });
  const s = aggregate([root, retry]);
  assert.equal(s.requests, 10);
  assert.equal(s.succeeded, 9);
  assert.equal(s.failed, 1);
  assert.deepEqual(s.failedBy, { errored: 1, expired: 0, canceled: 0, missing: 0 }, 'the retry has the last word on its lines');
  assert.equal(s.successRate, 0.9);
  assert.equal(s.jobs, 2);
  assert.equal(s.inputTokens, 200);
  assert.equal(s.costUsd, 1.25);
  assert.equal(s.savedUsd, 1.25);
});

test('jobs without a known cost are counted apart, not as free', () => {
  const s = aggregate([job({ costUsd: 2, standardCostUsd: 4 }), job({ costUsd: null, standardCostUsd: null, model: 'my-llama' })]);
  assert.equal(s.costUsd, 2);
  assert.equal(s.standardCostUsd, 4);
  assert.equal(s.jobsWithoutCost, 1);
});

test('days and months are the local ones: a job just after midnight in Tokyo is the next day there, and in the new month', () => {
  // 2026-11-30T16:30Z is 2026-12-01 01:30 in Tokyo (UTC+9) and still November 30 in UTC and in New York.
  const late = job({ createdAt: '2026-11-30T16:00:00.000Z', finishedAt: '2026-11-30T16:30:00.000Z', costUsd: 3, standardCostUsd: 6 });
  const now = new Date('2026-12-02T00:00:00Z');
  assert.equal(dayIn(late.finishedAt!, 'Asia/Tokyo'), '2026-12-01');
  assert.equal(dayIn(late.finishedAt!, 'America/New_York'), '2026-11-30');
  assert.equal(aggregate([late], { now, timeZone: 'Asia/Tokyo' }).monthToDateUsd, 3);
  assert.equal(aggregate([late], { now, timeZone: 'UTC' }).monthToDateUsd, 0);
  assert.deepEqual(aggregate([late], { now, timeZone: 'Asia/Tokyo' }).spendPerDay, [{ day: '2026-12-01', provider: 'openai', costUsd: 3 }]);
  // --since 2026-12-01 in Tokyo starts at 2026-11-30T15:00Z: the job is in; in UTC it is not.
  assert.equal(localMidnight(2026, 12, 1, 'Asia/Tokyo').toISOString(), '2026-11-30T15:00:00.000Z');
  assert.equal(aggregate([late], { since: parseSince('2026-12-01', now, 'Asia/Tokyo')! }).jobs, 1);
  assert.equal(aggregate([late], { since: parseSince('2026-12-01', now, 'UTC')! }).jobs, 0);
  assert.equal(parseSince('7d', now)!.toISOString(), '2026-11-25T00:00:00.000Z');
  assert.equal(parseSince('all', now), undefined);
  assert.throws(() => parseSince('last week', now), /use 7d, 30d, 90d, all, or a day as YYYY-MM-DD/);
});

test('groups by provider and model, filters, flagged lines, top errors with their jobs, running jobs with an ETA', () => {
  const now = new Date('2026-11-10T12:00:00Z');
  const jobs = [
    job({ id: 'a', provider: 'anthropic', model: 'claude-sonnet-4-5', flagged: { truncated: 2 }, topErrors: [{ message: 'overloaded_error: Overloaded', count: 3 }] }),
    job({ id: 'b', flagged: { truncated: 1, refused: 1 }, topErrors: [{ message: 'overloaded_error: Overloaded', count: 1 }, { message: 'invalid_request_error: bad', count: 5 }] }),
    job({ id: 'c', status: 'in_progress', finishedAt: undefined, createdAt: '2026-11-10T11:00:00.000Z', requests: 100, succeeded: 25, processing: 75 }),
  ];
  const s = aggregate(jobs, { now, by: 'provider' });
  assert.deepEqual(s.groups.map((g) => [g.key, g.jobs, g.requests, g.flagged]), [['openai', 2, 110, { truncated: 1, refused: 1 }], ['anthropic', 1, 10, { truncated: 2 }]]);
  assert.deepEqual(s.flagged, { truncated: 3, refused: 1 });
  assert.deepEqual(s.topErrors, [{ message: 'invalid_request_error: bad', count: 5, jobs: ['b'] }, { message: 'overloaded_error: Overloaded', count: 4, jobs: ['a', 'b'] }]);
  // 25 lines in an hour: 75 more take three hours.
  assert.deepEqual(s.running, [{ id: 'c', name: 'c', provider: 'openai', done: 25, total: 100, etaSeconds: 10_800 }]);
  assert.equal(s.processing, 75);
  assert.equal(aggregate(jobs, { now, provider: 'anthropic' }).jobs, 1);
  assert.equal(aggregate(jobs, { now, model: 'gpt-4o-mini' }).jobs, 2);
  assert.deepEqual(aggregate(jobs, { now, by: 'model' }).groups.map((g) => g.key).sort(), ['claude-sonnet-4-5', 'gpt-4o-mini']);
});

test('chain roots follow parent links; a parent missing from the store makes its child a root', () => {
  const roots = rootsOf([{ id: 'r' }, { id: 'r1', parentId: 'r' }, { id: 'r2', parentId: 'r1' }, { id: 'orphan', parentId: 'gone' }]);
  assert.deepEqual(Object.fromEntries(roots), { r: 'r', r1: 'r', r2: 'r', orphan: 'orphan' });
});
