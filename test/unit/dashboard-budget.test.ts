import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBudget, type Spend } from '../../src/core/monitor/budget';
import { budgetNearText, budgetOverDetail, budgetOverMessage, budgetStatusText, budgetTooltip, hasLimits } from '../../src/extension/dashboard/budgetText';
import { confirmDetail } from '../../src/extension/submit/confirmText';

const spend: Spend = { month: 12.34, day: 2, byProvider: { openai: { month: 10, day: 2 }, anthropic: { month: 2.34, day: 0 } } };

test('the status bar item shows only when a limit is set', () => {
  assert.equal(hasLimits(undefined), false);
  assert.equal(hasLimits({}), false, 'the default {} is no budget');
  assert.equal(hasLimits({ perProvider: {} }), false);
  assert.equal(hasLimits({ perProvider: { openai: { dailyUsd: 5 } } }), true);
  assert.equal(hasLimits({ monthlyUsd: 100 }), true);
});

test('status bar text and tooltip give the month to date and every limit', () => {
  assert.equal(budgetStatusText(spend), '$(credit-card) $12.34 this month');
  assert.equal(
    budgetTooltip(spend, { monthlyUsd: 100, dailyUsd: 20, perProvider: { openai: { monthlyUsd: 50 }, gemini: { dailyUsd: 1 } } }),
    ['Batchwise spend at the batch rate (batchwise.budget)', 'This month: $12.34 of $100.00', 'Today: $2.00 of $20.00', 'openai this month: $10.00 of $50.00', 'gemini today: $0.00 of $1.00'].join('\n'),
  );
});

test('near a limit the Submit confirmation says so; over it the warning names the limit and the way out', () => {
  const budget = { monthlyUsd: 15 };
  const near = checkBudget(1.5, 'openai', spend, budget);
  assert.equal(near.level, 'near');
  const facts = { fileName: 'a.jsonl', profileName: 'OpenAI', requests: 3, parts: 1, model: 'gpt-4o-mini', estimate: null };
  const detail = confirmDetail({ ...facts, budgetNote: budgetNearText(near) });
  assert.ok(detail.endsWith('Budget: $12.34 spent + $1.50 estimated = $13.84 is near the monthly budget of $15.00.'), detail);
  assert.ok(!confirmDetail(facts).includes('Budget'), 'no budget note without one');
  const over = checkBudget(5, 'openai', spend, budget);
  assert.equal(over.level, 'over');
  assert.equal(budgetOverMessage('a.jsonl'), 'Submitting a.jsonl would go over your Batchwise budget.');
  assert.match(budgetOverDetail(over), /^\$12\.34 spent \+ \$5\.00 estimated = \$17\.34 is over the monthly budget of \$15\.00\.\n\nNothing is sent unless you choose Submit Anyway/);
});
