import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, parseSince } from '../../src/core/monitor/aggregate';
import type { JobStats } from '../../src/core/monitor/jobStats';
import { dashboardView, jobsBehind, statsSignature } from '../../src/extension/dashboard/dashboardData';
import { DashboardViewSchema } from '../../src/shared/dashboardProtocol';

let n = 0;
const job = (over: Partial<JobStats>): JobStats => {
  const id = over.id ?? `bw-${++n}`;
  return {
    id, name: id, provider: 'openai', model: 'gpt-4o-mini', profile: 'default', status: 'completed', createdAt: '2026-11-10T10:00:00.000Z', finishedAt: '2026-11-10T11:00:00.000Z',
    rootId: id, attempt: 1, requests: 10, succeeded: 10, errored: 0, expired: 0, canceled: 0, missing: 0, processing: 0, flagged: {},
    inputTokens: 100, outputTokens: 50, costUsd: 1, standardCostUsd: 2, topErrors: [], ...over,
  };
};

const now = new Date('2026-11-20T12:00:00Z');
const o = { now, timeZone: 'UTC' };
const store = [
  job({ id: 'a', createdAt: '2026-11-18T09:00:00.000Z', finishedAt: '2026-11-18T10:00:00.000Z', succeeded: 8, errored: 2, costUsd: 2, standardCostUsd: 4, topErrors: [{ message: 'rate limited', count: 2 }], flagged: { truncated: 3 } }),
  job({ id: 'b', provider: 'anthropic', model: 'claude-3-5-haiku', createdAt: '2026-11-18T15:00:00.000Z', finishedAt: '2026-11-19T01:00:00.000Z', costUsd: 0.5, standardCostUsd: 1 }),
  job({ id: 'c', status: 'in_progress', createdAt: '2026-11-20T11:00:00.000Z', finishedAt: undefined, succeeded: 5, processing: 5, costUsd: null, standardCostUsd: null }),
  job({ id: 'old', createdAt: '2026-09-01T09:00:00.000Z', finishedAt: '2026-09-01T10:00:00.000Z', costUsd: 7, standardCostUsd: 14 }),
];

test('the dashboard shows the figures of the same aggregate call as `batchwise stats --since 30d --by day`', () => {
  const v = dashboardView(store, { period: '30d' }, o);
  const s = aggregate(store, { since: parseSince('30d', now, 'UTC')!, by: 'day', timeZone: 'UTC', now });
  assert.equal(v.cards.jobs, s.jobs);
  assert.equal(v.cards.jobs, 3, 'the September job is outside 30 days');
  assert.equal(v.cards.requests, s.requests);
  assert.equal(v.cards.successRate, s.successRate);
  assert.equal(v.cards.costUsd, 2.5);
  assert.equal(v.cards.savedUsd, 2.5);
  assert.equal(v.cards.jobsWithoutCost, 1);
  assert.equal(v.cards.flaggedLines, 3);
  assert.deepEqual(v.spendPerDay, s.spendPerDay);
  assert.deepEqual(v.topErrors, [{ message: 'rate limited', count: 2, jobs: ['a'] }]);
  assert.deepEqual(v.running.map((r) => [r.id, r.done, r.total]), [['c', 5, 10]]);
  assert.deepEqual(v.days.map((d) => [d.day, d.jobs, d.requests]), [['2026-11-18', 2, 20], ['2026-11-20', 1, 10]]);
  assert.equal(v.days[0]!.successRate, 18 / 20);
  assert.equal(v.days[1]!.successRate, 1, 'running lines are not counted as failed');
  assert.deepEqual(v.providers, ['anthropic', 'openai']);
  assert.equal(v.budget, undefined, 'no budget set, no budget line');
  assert.ok(DashboardViewSchema.safeParse(v).success, 'what the host sends passes the protocol schema');
});

test('the period and provider filter narrow the figures; "all" takes every job', () => {
  assert.equal(dashboardView(store, { period: 'all' }, o).cards.jobs, 4);
  assert.equal(dashboardView(store, { period: '7d' }, o).cards.jobs, 3);
  const anthropic = dashboardView(store, { period: 'all', provider: 'anthropic' }, o);
  assert.equal(anthropic.cards.jobs, 1);
  assert.equal(anthropic.cards.costUsd, 0.5);
  assert.deepEqual(anthropic.providers, ['anthropic', 'openai'], 'the provider list is not narrowed by its own filter');
});

test('a budget adds the month-to-date line', () => {
  const v = dashboardView(store, { period: '30d' }, { ...o, budget: { monthlyUsd: 10 } });
  assert.equal(v.budget, '$2.50 of $10.00 monthly budget');
});

test('a clicked bar opens the jobs behind it: a day (created or finished that day), a provider, a turnaround group', () => {
  const ids = (js: JobStats[]) => js.map((j) => j.id);
  assert.deepEqual(ids(jobsBehind(store, { period: '30d' }, { kind: 'day', day: '2026-11-18' }, o)), ['b', 'a']);
  assert.deepEqual(ids(jobsBehind(store, { period: '30d' }, { kind: 'day', day: '2026-11-19', provider: 'anthropic' }, o)), ['b'], 'spend is counted on the day a job finished');
  assert.deepEqual(ids(jobsBehind(store, { period: '30d' }, { kind: 'day', day: '2026-11-18', provider: 'openai' }, o)), ['a']);
  assert.deepEqual(ids(jobsBehind(store, { period: 'all' }, { kind: 'provider', provider: 'openai' }, o)), ['c', 'a', 'old']);
  assert.deepEqual(ids(jobsBehind(store, { period: '30d' }, { kind: 'provider', provider: 'openai' }, o)), ['c', 'a'], 'within the period');
  assert.deepEqual(ids(jobsBehind(store, { period: 'all' }, { kind: 'turnaround', key: 'openai gpt-4o-mini' }, o)), ['a', 'old'], 'a running job has no turnaround');
});

test('the signature changes with what the dashboard draws, not with a poll that changed nothing', () => {
  const base = statsSignature(store);
  assert.equal(statsSignature([...store].reverse()), base, 'order does not matter');
  assert.notEqual(statsSignature(store.map((j) => (j.id === 'c' ? { ...j, succeeded: 6, processing: 4 } : j))), base);
  assert.notEqual(statsSignature(store.map((j) => (j.id === 'c' ? { ...j, status: 'completed' as const } : j))), base);
});

test('the pipeline filter keeps the jobs of one pipeline, and the view lists the pipelines that have jobs', () => {
  const withPipelines = [...store, job({ id: 'p1', pipeline: 'nightly', createdAt: '2026-11-19T02:00:00.000Z', costUsd: 3 }), job({ id: 'p2', pipeline: 'weekly <b>', createdAt: '2026-11-19T03:00:00.000Z' })];
  const all = dashboardView(withPipelines, { period: '30d' }, o);
  assert.deepEqual(all.pipelines, ['nightly', 'weekly <b>']);
  const nightly = dashboardView(withPipelines, { period: '30d', pipeline: 'nightly' }, o);
  assert.equal(nightly.cards.jobs, 1);
  assert.equal(nightly.cards.costUsd, 3);
  assert.deepEqual(jobsBehind(withPipelines, { period: '30d', pipeline: 'nightly' }, { kind: 'provider', provider: 'openai' }, o).map((j) => j.id), ['p1']);
  assert.ok(DashboardViewSchema.safeParse(nightly).success);
});
