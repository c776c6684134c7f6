import { z } from 'zod';
import { ProviderIdSchema, type ProviderId } from '../status';
import { formatMoney } from '../format';
import { dayIn } from './aggregate';
import type { JobStats } from './jobStats';

const Limits = z.object({
  monthlyUsd: z.number().positive().optional(),
  dailyUsd: z.number().positive().optional(),
});

/** `batchwise.budget` (the setting, or budget.json in the store for the CLI): USD limits per month and day, overall and per provider. */
export const BudgetSchema = Limits.extend({ perProvider: z.partialRecord(ProviderIdSchema, Limits).optional() });
export type Budget = z.infer<typeof BudgetSchema>;

/** Spend so far this month and today (local), overall and per provider, at the batch rate. */
export interface Spend {
  month: number;
  day: number;
  byProvider: Partial<Record<ProviderId, { month: number; day: number }>>;
}

export function spendOf(stats: readonly JobStats[], now: Date, timeZone = 'UTC'): Spend {
  const today = dayIn(now, timeZone);
  const month = today.slice(0, 7);
  const s: Spend = { month: 0, day: 0, byProvider: {} };
  for (const j of stats) {
    if (j.costUsd === null) continue;
    const day = dayIn(j.finishedAt ?? j.createdAt, timeZone);
    if (!day.startsWith(month)) continue;
    const p = (s.byProvider[j.provider] ??= { month: 0, day: 0 });
    s.month += j.costUsd;
    p.month += j.costUsd;
    if (day === today) {
      s.day += j.costUsd;
      p.day += j.costUsd;
    }
  }
  return s;
}

/** Warn from this share of a limit on. */
const NEAR = 0.8;

export interface BudgetCheck {
  level: 'ok' | 'near' | 'over';
  /** One sentence per limit that is near or crossed, the tightest first. */
  reasons: string[];
}

/** Whether spending `estimateUsd` more on `provider` stays within the budget. */
export function checkBudget(estimateUsd: number, provider: ProviderId, spend: Spend, budget: Budget): BudgetCheck {
  const own = spend.byProvider[provider] ?? { month: 0, day: 0 };
  const limits = [
    { what: 'the monthly budget', limit: budget.monthlyUsd, spent: spend.month },
    { what: 'the daily budget', limit: budget.dailyUsd, spent: spend.day },
    { what: `the monthly ${provider} budget`, limit: budget.perProvider?.[provider]?.monthlyUsd, spent: own.month },
    { what: `the daily ${provider} budget`, limit: budget.perProvider?.[provider]?.dailyUsd, spent: own.day },
  ].filter((l): l is { what: string; limit: number; spent: number } => l.limit !== undefined);
  let level: BudgetCheck['level'] = 'ok';
  const found: { share: number; text: string }[] = [];
  for (const l of limits) {
    const after = l.spent + estimateUsd;
    const share = after / l.limit;
    if (share > 1) level = 'over';
    else if (share >= NEAR && level === 'ok') level = 'near';
    if (share >= NEAR) found.push({ share, text: `${formatMoney(l.spent)} spent + ${formatMoney(estimateUsd)} estimated = ${formatMoney(after)} ${share > 1 ? 'is over' : 'is near'} ${l.what} of ${formatMoney(l.limit)}` });
  }
  return { level, reasons: found.sort((a, b) => b.share - a.share).map((f) => f.text) };
}
