import type { BatchwiseContext } from '../context';
import type { FileEstimate } from '../../core/estimate';
import { checkBudget, spendOf, type BudgetCheck } from '../../core/monitor/budget';
import { loadJobStats } from '../../core/monitor/load';
import type { ProviderId } from '../../core/status';
import { hasLimits } from '../dashboard/budgetText';
import { localTimeZone } from '../../core/monitor/aggregate';

/**
 * The estimate against `batchwise.budget` (the same check as `batchwise submit`): undefined when no budget is set
 * or the estimate has no price (nothing to compare; the confirmation already says the cost is unknown).
 */
export async function budgetCheckFor(ctx: BatchwiseContext, estimate: FileEstimate | null, provider: ProviderId): Promise<BudgetCheck | undefined> {
  const budget = ctx.config.budget;
  if (!hasLimits(budget) || estimate?.batchCost === null || estimate?.batchCost === undefined) return undefined;
  const { stats } = await loadJobStats(ctx.store);
  return checkBudget(estimate.batchCost, provider, spendOf(stats, new Date(), localTimeZone()), budget);
}
