import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { estimateFile } from '../../src/core/estimate';
import { runCliCaptured } from '../support/cli';

// Issue 17 "Budgets": `submit --max-cost USD` refuses an estimate above it; a budget (budget.json in the store, or
// BATCHWISE_BUDGET) refuses what would cross a limit unless --over-budget, and warns near it. Nothing is sent when refused.
let emu: Emulator;
let dir: string;
before(async () => {
  emu = await startEmulator({ manualClock: true });
  dir = await mkdtemp(join(tmpdir(), 'bw-cli-budget-'));
});
after(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

test('--max-cost and the budget refuse before anything is sent; --over-budget goes on; near a limit it warns', async () => {
  const input = join(dir, 'in.jsonl');
  await writeFile(input, Array.from({ length: 20 }, (_, i) => JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', max_tokens: 2000, messages: [{ role: 'user', content: 'Summarize: the quarter went well for everyone involved' }] } })).join('\n') + '\n');
  const cost = (await estimateFile(input, { provider: 'openai' })).batchCost!;
  assert.ok(cost > 0);
  const home = join(dir, 'home');
  const env = { BATCHWISE_HOME: home, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${emu.url}/v1`, TZ: 'UTC' };
  const created = () => emu.stats.batchesCreated.openai;

  const tooMuch = await runCliCaptured(['submit', input, '--max-cost', String(cost / 2)], { env });
  assert.equal(tooMuch.code, 1);
  assert.match(tooMuch.err, /the estimate is \$[\d.]+ at the batch rate, more than --max-cost \$[\d.]+: nothing was submitted/);
  assert.equal(created(), 0);
  assert.equal((await runCliCaptured(['submit', input, '--max-cost', 'lots'], { env })).code, 2);

  const over = await runCliCaptured(['submit', input], { env: { ...env, BATCHWISE_BUDGET: JSON.stringify({ perProvider: { openai: { dailyUsd: cost / 2 } } }) } });
  assert.equal(over.code, 1);
  assert.match(over.err, /is over the daily openai budget of \$[\d.]+: nothing was submitted \(pass --over-budget to submit anyway\)/);
  assert.equal(created(), 0);

  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'budget.json'), JSON.stringify({ monthlyUsd: cost * 1.1 }));
  const near = await runCliCaptured(['submit', input, '--max-cost', String(cost * 2), '--json'], { env });
  assert.equal(near.code, 0, near.err);
  assert.match(near.err, /warning: \$0\.00 spent \+ \$[\d.]+ estimated = \$[\d.]+ is near the monthly budget/);
  assert.equal(created(), 1);

  await writeFile(join(home, 'budget.json'), '{"monthlyUsd": "ten"}');
  const bad = await runCliCaptured(['submit', input, '--force'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /budget\.json: monthlyUsd: /);
  const forced = await runCliCaptured(['submit', input, '--force', '--over-budget'], { env: { ...env, BATCHWISE_BUDGET: JSON.stringify({ monthlyUsd: cost / 10 }) } });
  assert.equal(forced.code, 0, forced.err);
  assert.equal(created(), 2);
});
