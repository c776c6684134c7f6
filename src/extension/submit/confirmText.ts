import type { FileEstimate } from '../../core/estimate';
import { countOf, moneyFormat } from '../../core/format';

/** No `vscode` here: the confirmation text is a pure function of the facts, tested on its own. */

export interface ConfirmFacts {
  fileName: string;
  profileName: string;
  requests: number;
  parts: number;
  model: string | null;
  estimate: FileEstimate | null;
  /** Why there is no estimate (it failed), when estimate is null. */
  estimateError?: string;
  /** Said last when the estimate comes near a `batchwise.budget` limit. */
  budgetNote?: string;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function confirmMessage(f: ConfirmFacts): string {
  return `Submit ${f.fileName} to ${f.profileName}?`;
}

/** The modal's detail: requests, parts, model, then standard vs batch cost and the saving. */
export function confirmDetail(f: ConfirmFacts): string {
  const detail = costDetail(f);
  return f.budgetNote ? `${detail}\n\n${f.budgetNote}` : detail;
}

function costDetail(f: ConfirmFacts): string {
  const lines: string[] = [];
  lines.push(`${int(f.requests)} request${f.requests === 1 ? '' : 's'} in ${f.parts} part${f.parts === 1 ? '' : 's'}${f.parts > 1 ? ' (one remote batch each)' : ''}`);
  lines.push(`Model: ${f.model ?? f.estimate?.model ?? 'not set'}`);
  const e = f.estimate;
  if (!e) {
    lines.push(`Estimated cost, standard vs batch: unknown${f.estimateError ? ` (${f.estimateError})` : ''}`);
    return lines.join('\n');
  }
  lines.push(`Tokens: ${int(e.inputTokens)} input${e.tokenMethod === 'exact' ? '' : ' (approx.)'}, ${int(e.outputTokensTypical)} output typical, up to ${int(e.outputTokensMax)}`);
  if (e.standardCost !== null && e.batchCost !== null) {
    const pct = e.standardCost > 0 ? Math.round(((e.saving ?? 0) / e.standardCost) * 100) : 0;
    lines.push('');
    const m = moneyFormat([e.standardCost, e.batchCost, e.standardCostMax, e.batchCostMax], e.currency);
    lines.push(`Estimated cost: standard ${m.money(e.standardCost)}, batch ${m.money(e.batchCost)}`);
    lines.push(`You save ${m.difference(e.standardCost, e.batchCost)} (${pct}%) with the batch API.`);
    if (e.batchCostMax !== null && e.standardCostMax !== null && e.standardCostMax > e.standardCost) lines.push(`At most (every reply at its limit): standard ${m.money(e.standardCostMax)}, batch ${m.money(e.batchCostMax)}`);
    lines.push(`Prices in ${e.currency} as of ${e.pricingDate}${e.sampledLines !== null ? `; tokens estimated from a sample of ${countOf(e.sampledLines, 'line')}` : ''}.`);
  } else {
    lines.push('');
    lines.push(`Estimated cost, standard vs batch: unknown (${e.reason ?? 'no price for this model'}).`);
  }
  return lines.join('\n');
}

/** One line for a notification after `Batchwise: Estimate Batch Cost`. */
export function estimateSummary(fileName: string, e: FileEstimate): string {
  // Every non-blank line, like the status bar; the ones that are not requests are named, not silently dropped.
  const skipped = e.skippedLines ? ` (${int(e.skippedLines)} not valid, not priced)` : '';
  const tokens = `${countOf(e.requests + e.skippedLines, 'request')}${skipped}, ${countOf(e.inputTokens, 'input token')}${e.tokenMethod === 'exact' ? '' : ' (approx.)'}`;
  if (e.standardCost === null || e.batchCost === null) return `${fileName}: ${tokens}; standard vs batch cost unknown (${e.reason ?? 'no price'}).`;
  const m = moneyFormat([e.standardCost, e.batchCost], e.currency);
  return `${fileName}: ${tokens}; standard ${m.money(e.standardCost)} vs batch ${m.money(e.batchCost)} (save ${m.difference(e.standardCost, e.batchCost)}).`;
}

/** The cost line of the resubmit confirmation: a retry is a new batch, billed like the first. */
export function retryCostLine(e: FileEstimate | null, error?: string): string {
  if (!e || e.standardCost === null || e.batchCost === null) return `Estimated cost: unknown${e?.reason ? ` (${e.reason})` : error ? ` (${error})` : ''}.`;
  const m = moneyFormat([e.standardCost, e.batchCost], e.currency);
  return `Estimated cost: ${m.money(e.batchCost)} at the batch rate (standard ${m.money(e.standardCost)}), ${countOf(e.inputTokens, 'input token')}${e.tokenMethod === 'exact' ? '' : ' (approx.)'}.`;
}
