import { formatMoney } from '../../core/format';
import type { Budget, BudgetCheck, Spend } from '../../core/monitor/budget';

/** No `vscode` here: the budget's status bar text, tooltip and Submit warnings, tested on their own. */

/** Whether the setting holds any limit (an empty object is "no budget": no status bar item). */
export function hasLimits(b: Budget | undefined): b is Budget {
  if (!b) return false;
  return b.monthlyUsd !== undefined || b.dailyUsd !== undefined || Object.values(b.perProvider ?? {}).some((l) => l.monthlyUsd !== undefined || l.dailyUsd !== undefined);
}

/** `$(credit-card) $12.34 this month` */
export function budgetStatusText(spend: Spend): string {
  return `$(credit-card) ${formatMoney(spend.month)} this month`;
}

/** One line per limit: what is spent against it. */
export function budgetTooltip(spend: Spend, b: Budget): string {
  const lines = ['Batchwise spend at the batch rate (batchwise.budget)'];
  if (b.monthlyUsd !== undefined) lines.push(`This month: ${formatMoney(spend.month)} of ${formatMoney(b.monthlyUsd)}`);
  if (b.dailyUsd !== undefined) lines.push(`Today: ${formatMoney(spend.day)} of ${formatMoney(b.dailyUsd)}`);
  for (const [provider, l] of Object.entries(b.perProvider ?? {})) {
    const own = spend.byProvider[provider as keyof Spend['byProvider']] ?? { month: 0, day: 0 };
    if (l.monthlyUsd !== undefined) lines.push(`${provider} this month: ${formatMoney(own.month)} of ${formatMoney(l.monthlyUsd)}`);
    if (l.dailyUsd !== undefined) lines.push(`${provider} today: ${formatMoney(own.day)} of ${formatMoney(l.dailyUsd)}`);
  }
  return lines.join('\n');
}

/** The dashboard's budget card: month to date against the monthly limit when there is one. */
export function budgetLine(spend: Spend, b: Budget): string {
  return b.monthlyUsd !== undefined ? `${formatMoney(spend.month)} of ${formatMoney(b.monthlyUsd)} monthly budget` : `${formatMoney(spend.month)} this month`;
}

/** The paragraph added to the Submit confirmation when the estimate comes near a limit. */
export function budgetNearText(check: BudgetCheck): string {
  return `Budget: ${check.reasons.join('; ')}.`;
}

/** The modal warning shown before anything is sent when the estimate would cross a limit. */
export function budgetOverMessage(fileName: string): string {
  return `Submitting ${fileName} would go over your Batchwise budget.`;
}

export function budgetOverDetail(check: BudgetCheck): string {
  return `${check.reasons.join('.\n')}.\n\nNothing is sent unless you choose Submit Anyway. The limits are in the batchwise.budget setting.`;
}

/** The one button that sends a batch over budget. */
export const SUBMIT_ANYWAY = 'Submit Anyway';
