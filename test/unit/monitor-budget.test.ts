import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetSchema, checkBudget, spendOf } from '../../src/core/monitor/budget';
import type { JobStats } from '../../src/core/monitor/jobStats';

const job = (provider: JobStats['provider'], costUsd: number | null, finishedAt: string): JobStats => ({
  id: `${provider}-${finishedAt}`, name: 'j', provider, model: null, profile: 'default', status: 'completed', createdAt: finishedAt, finishedAt, rootId: 'r', attempt: 1,
  requests: 1, succeeded: 1, errored: 0, expired: 0, canceled: 0, missing: 0, processing: 0, flagged: {}, inputTokens: 0, outputTokens: 0, costUsd, standardCostUsd: null, topErrors: [],
});

test('spend counts this local month and today, per provider; jobs without a cost and last month do not count', () => {
  const now = new Date('2026-12-15T12:00:00Z');
  const spend = spendOf([job('openai', 4, '2026-12-15T08:00:00Z'), job('openai', 1, '2026-12-03T08:00:00Z'), job('anthropic', 2, '2026-12-15T09:00:00Z'), job('openai', 100, '2026-11-30T12:00:00Z'), job('gemini', null, '2026-12-15T10:00:00Z')], now);
  assert.deepEqual(spend, { month: 7, day: 6, byProvider: { openai: { month: 5, day: 4 }, anthropic: { month: 2, day: 2 } } });
});

test('a submission near a limit warns, over it is refused, naming each limit with the figures', () => {
  const spend = { month: 70, day: 5, byProvider: { openai: { month: 40, day: 5 } } };
  const budget = BudgetSchema.parse({ monthlyUsd: 100, dailyUsd: 20, perProvider: { openai: { monthlyUsd: 45 } } });
  assert.deepEqual(checkBudget(1, 'anthropic', spend, budget), { level: 'ok', reasons: [] });
  const near = checkBudget(12, 'anthropic', spend, budget);
  assert.equal(near.level, 'near');
  // The tightest first: 85% of the daily budget before 82% of the monthly one.
  assert.deepEqual(near.reasons, ['$5.00 spent + $12.00 estimated = $17.00 is near the daily budget of $20.00', '$70.00 spent + $12.00 estimated = $82.00 is near the monthly budget of $100.00']);
  const over = checkBudget(6, 'openai', spend, budget);
  assert.equal(over.level, 'over');
  assert.equal(over.reasons[0], '$40.00 spent + $6.00 estimated = $46.00 is over the monthly openai budget of $45.00');
  assert.deepEqual(checkBudget(1000, 'openai', spend, {}), { level: 'ok', reasons: [] }, 'no budget, no limit');
  assert.equal(BudgetSchema.safeParse({ monthlyUsd: -1 }).success, false);
});
