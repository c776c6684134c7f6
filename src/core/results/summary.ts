import { z } from 'zod';
import { LineOutcomeSchema, type LineOutcome, type TokenUsage } from '../status';
import type { ModelPrice } from '../pricing';
import type { ResultRecord } from './record';
import { QUALITIES, QualitySchema, type Quality } from './quality';

export const OUTCOMES: readonly LineOutcome[] = LineOutcomeSchema.options;
/** Outcomes whose lines go into a retry file. */
export const FAILED_OUTCOMES: ReadonlySet<LineOutcome> = new Set(['errored', 'expired', 'canceled', 'missing']);

export const ResultsSummarySchema = z.object({
  jobId: z.string(),
  /** Input lines (one record each). */
  total: z.number().int().nonnegative(),
  counts: z.record(LineOutcomeSchema, z.number().int().nonnegative()),
  /** Result lines for a custom_id that already had one (a success wins over an error). */
  duplicates: z.number().int().nonnegative(),
  /** Result lines whose custom_id is not in the input (kept out of the records, reported here). */
  unmatched: z.number().int().nonnegative(),
  /** The most frequent kinds of error; `lines`: the first few input lines with it (a group of 1,000 is not one line). */
  topErrors: z.array(z.object({ message: z.string(), code: z.string().optional(), count: z.number().int().positive(), lines: z.array(z.number().int().positive()).optional() })),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), cachedTokens: z.number() }),
  /** At the batch rate; null when the model's price is unknown. */
  actualCost: z.number().nullable(),
  /** The same tokens at the standard (non-batch) rate, to show the saving. */
  standardCost: z.number().nullable(),
  currency: z.string(),
  turnaroundSeconds: z.number().nullable(),
  createdAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Succeeded lines by quality (results/quality.ts): truncated, empty and refused answers are not the same as ok. */
  quality: z.record(QualitySchema, z.number().int().nonnegative()).optional(),
});
export type ResultsSummary = z.infer<typeof ResultsSummarySchema>;

const TOP_ERRORS = 5;
/** Example lines kept per kind of error. */
const EXAMPLE_LINES = 3;

type Counted = Pick<ResultRecord, 'outcome' | 'errorCode' | 'errorMessage' | 'usage' | 'quality'> & { line?: number };

/** Accumulates the summary record by record, so nothing is held beyond counters and distinct error messages. */
export class SummaryBuilder {
  private readonly counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<LineOutcome, number>;
  private readonly errors = new Map<string, { message: string; code?: string; count: number; lines: number[] }>();
  private readonly usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  private readonly quality = Object.fromEntries(QUALITIES.map((q) => [q, 0])) as Record<Quality, number>;
  private total = 0;
  duplicates = 0;
  unmatched = 0;

  add(r: Counted): void {
    this.total++;
    this.counts[r.outcome]++;
    if (r.outcome === 'succeeded') this.quality[r.quality ?? 'ok']++;
    if (r.usage) addUsage(this.usage, r.usage);
    if (r.outcome !== 'succeeded' && (r.errorMessage || r.errorCode)) {
      const message = r.errorMessage ?? r.errorCode ?? '';
      const key = errorKey(r.errorCode, message);
      const e = this.errors.get(key);
      if (e) {
        e.count++;
        if (r.line !== undefined && e.lines.length < EXAMPLE_LINES && !e.lines.includes(r.line)) e.lines.push(r.line);
      }
      // Distinct messages are capped so a provider that puts ids in every message cannot grow this without bound.
      else if (this.errors.size < 10_000) this.errors.set(key, { message, ...(r.errorCode ? { code: r.errorCode } : {}), count: 1, lines: r.line !== undefined ? [r.line] : [] });
    }
  }

  /** Takes a record back out (a duplicate result replaced it). */
  remove(r: Pick<ResultRecord, 'outcome' | 'errorCode' | 'errorMessage' | 'usage' | 'quality'>): void {
    this.total--;
    this.counts[r.outcome]--;
    if (r.outcome === 'succeeded') this.quality[r.quality ?? 'ok']--;
    if (r.usage) {
      this.usage.inputTokens -= r.usage.inputTokens;
      this.usage.outputTokens -= r.usage.outputTokens;
      this.usage.cachedTokens -= r.usage.cachedTokens ?? 0;
    }
    if (r.outcome !== 'succeeded' && (r.errorMessage || r.errorCode)) {
      const key = errorKey(r.errorCode, r.errorMessage ?? r.errorCode ?? '');
      const e = this.errors.get(key);
      if (e && --e.count === 0) this.errors.delete(key);
    }
  }

  build(opts: { jobId: string; price?: ModelPrice; createdAt?: string; finishedAt?: string; currency?: string }): ResultsSummary {
    const topErrors = [...this.errors.values()]
      .sort((a, b) => b.count - a.count || a.message.localeCompare(b.message))
      .slice(0, TOP_ERRORS)
      .map(({ lines, ...e }) => ({ ...e, ...(lines.length ? { lines: [...lines].sort((x, y) => x - y) } : {}) }));
    const cost = costOf(this.usage, opts.price);
    return {
      jobId: opts.jobId,
      total: this.total,
      counts: { ...this.counts },
      quality: { ...this.quality },
      duplicates: this.duplicates,
      unmatched: this.unmatched,
      topErrors,
      usage: { ...this.usage },
      actualCost: cost.batch,
      standardCost: cost.standard,
      currency: opts.currency ?? 'USD',
      turnaroundSeconds: turnaround(opts.createdAt, opts.finishedAt),
      ...(opts.createdAt ? { createdAt: opts.createdAt } : {}),
      ...(opts.finishedAt ? { finishedAt: opts.finishedAt } : {}),
    };
  }
}

export function addUsage(into: { inputTokens: number; outputTokens: number; cachedTokens: number }, u: TokenUsage): void {
  into.inputTokens += u.inputTokens;
  into.outputTokens += u.outputTokens;
  into.cachedTokens += u.cachedTokens ?? 0;
}

/** Batch APIs bill half the standard rate unless the price table says otherwise. */
export function costOf(usage: { inputTokens: number; outputTokens: number }, price: ModelPrice | undefined): { batch: number | null; standard: number | null } {
  if (!price) return { batch: null, standard: null };
  const standard = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6;
  const batch = (usage.inputTokens * (price.batchInput ?? price.input / 2) + usage.outputTokens * (price.batchOutput ?? price.output / 2)) / 1e6;
  return { batch: round6(batch), standard: round6(standard) };
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function turnaround(from?: string, to?: string): number | null {
  if (!from || !to) return null;
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) && s >= 0 ? s : null;
}

/**
 * Messages that differ only in numbers (a line, a token count, a request id's digits) are one kind of error:
 * "line 2" and "line 5" count together; the first message seen stands for the group.
 */
function errorKey(code: string | undefined, message: string): string {
  return `${code ?? ''}\u0000${message.replace(/\d+/g, '#')}`;
}

/**
 * "1 line (line 12)", "1,000 lines, e.g. lines 12, 40, 77": a group is never cited as one line; the message shown
 * is the first line's (messages that differ only in numbers are one group).
 */
export function errorGroupLabel(e: { count: number; lines?: number[] }): string {
  const n = e.count.toLocaleString('en-US');
  const lines = e.lines ?? [];
  if (e.count === 1) return lines.length ? `1 line (line ${lines[0]})` : '1 line';
  if (!lines.length) return `${n} lines`;
  return `${n} lines, e.g. line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`;
}
