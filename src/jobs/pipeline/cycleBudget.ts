import type { Estimate } from '../../core/jobs/job';
import type { JobStore } from '../../core/jobs/store';
import { estimateFile, toStoredEstimate } from '../../core/estimate';
import { formatMoney } from '../../core/format';
import { checkBudget, spendOf, type Budget } from '../../core/monitor/budget';
import { loadJobStats } from '../../core/monitor/load';
import type { Pipeline } from '../../core/pipeline/schema';

/**
 * Before a cycle sends anything (its first job, or a retry): the estimate at the batch rate, plus what the cycle's
 * earlier jobs cost, must fit the pipeline's `budgetUsd`, and must not take the user's budget over a limit.
 * Nobody is there to confirm an unattended cycle, so where the CLI only warns (no price known), a pipeline with a
 * `budgetUsd` is refused.
 */
export async function checkCycleSpend(opts: {
  store: JobStore;
  input: string;
  pipeline: Pipeline;
  budget?: Budget;
  timeZone?: string;
  signal?: AbortSignal;
  /** The cycle's jobs so far: what they cost counts against budgetUsd. */
  spentInCycle?: readonly string[];
}): Promise<{ refusal?: string; estimate?: Estimate }> {
  const { pipeline } = opts;
  if (pipeline.budgetUsd === undefined && !opts.budget) return {};
  const est = await estimateFile(opts.input, { provider: pipeline.provider, ...(pipeline.model ? { model: pipeline.model } : {}), signal: opts.signal });
  const estimate = toStoredEstimate(est);
  const cost = est.batchCost;
  if (cost === null) {
    if (pipeline.budgetUsd !== undefined) return { estimate, refusal: `no price is known for ${est.model ?? 'the model'}, so budgetUsd ${formatMoney(pipeline.budgetUsd)} cannot be checked: nothing was submitted (remove budgetUsd, or use a model with a known price)` };
    return { estimate };
  }
  if (pipeline.budgetUsd !== undefined) {
    let spent = 0;
    for (const id of opts.spentInCycle ?? []) {
      const j = await opts.store.get(id);
      spent += j?.actualCost ?? j?.estimate?.batchCost ?? 0;
    }
    if (cost + spent > pipeline.budgetUsd) {
      const earlier = spent > 0 ? ` (+ ${formatMoney(spent)} for this cycle's earlier jobs)` : '';
      return { estimate, refusal: `the estimate is ${formatMoney(cost)} at the batch rate${earlier}, more than budgetUsd ${formatMoney(pipeline.budgetUsd)}: nothing was submitted` };
    }
  }
  if (opts.budget) {
    const spend = spendOf((await loadJobStats(opts.store)).stats, new Date(), opts.timeZone ?? 'UTC');
    const check = checkBudget(cost, pipeline.provider, spend, opts.budget);
    if (check.level === 'over') return { estimate, refusal: `${check.reasons.join('; ')}: nothing was submitted` };
  }
  return { estimate };
}
