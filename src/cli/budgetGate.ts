import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { estimateFile } from '../core/estimate';
import { BudgetSchema, checkBudget, spendOf, type Budget } from '../core/monitor/budget';
import { localTimeZone } from '../core/monitor/aggregate';
import { loadJobStats } from '../core/monitor/load';
import type { JobStore } from '../core/jobs/store';
import type { ProviderId } from '../core/status';
import { formatMoney } from '../core/format';
import { CliError, EXIT_FAILED, UsageError, type CliIO } from './io';

/** The CLI's budget: `BATCHWISE_BUDGET` (JSON) or `budget.json` in the job store, in the `batchwise.budget` setting's shape. */
export async function cliBudget(store: JobStore, env: NodeJS.ProcessEnv): Promise<Budget | undefined> {
  let text = env.BATCHWISE_BUDGET;
  const where = text !== undefined ? 'BATCHWISE_BUDGET' : join(store.home, 'budget.json');
  if (text === undefined) {
    try {
      text = await readFile(where, 'utf8');
    } catch {
      return undefined;
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`${where} is not JSON: write it as {"monthlyUsd": 100, "dailyUsd": 20, "perProvider": {"openai": {"monthlyUsd": 50}}}`);
  }
  const parsed = BudgetSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * Before anything is sent: `--max-cost` refuses a file whose batch-rate estimate exceeds it (or cannot be priced),
 * and a budget refuses what would cross a limit unless `--over-budget` says to go on; near a limit it only warns.
 */
export async function checkSpend(opts: { store: JobStore; io: CliIO; input: string; provider: ProviderId; model?: string; maxCost?: number; overBudget?: boolean }): Promise<void> {
  const budget = await cliBudget(opts.store, opts.io.env);
  if (opts.maxCost === undefined && !budget) return;
  const estimate = await estimateFile(opts.input, { provider: opts.provider, ...(opts.model ? { model: opts.model } : {}), signal: opts.io.signal });
  const cost = estimate.batchCost;
  if (cost === null) {
    if (opts.maxCost !== undefined) throw new CliError(`cannot check --max-cost: no price is known for ${estimate.model ?? 'the model'}; nothing was submitted (drop --max-cost, or estimate with --pricing FILE first)`, EXIT_FAILED);
    opts.io.err(`warning: no price is known for ${estimate.model ?? 'the model'}, so the budget could not be checked\n`);
    return;
  }
  if (opts.maxCost !== undefined && cost > opts.maxCost) throw new CliError(`the estimate is ${formatMoney(cost)} at the batch rate, more than --max-cost ${formatMoney(opts.maxCost)}: nothing was submitted`, EXIT_FAILED);
  if (!budget) return;
  const timeZone = localTimeZone(opts.io.env);
  const check = checkBudget(cost, opts.provider, spendOf((await loadJobStats(opts.store)).stats, new Date(), timeZone), budget);
  if (check.level === 'over' && !opts.overBudget) throw new CliError(`${check.reasons.join('; ')}: nothing was submitted (pass --over-budget to submit anyway)`, EXIT_FAILED);
  for (const r of check.reasons) opts.io.err(`warning: ${r}\n`);
}
