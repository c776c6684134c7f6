import { z } from 'zod';
import { JobStatusSchema, ProviderIdSchema } from '../core/status';
import { QualitySchema } from '../core/results/quality';

/** The dashboard's messages, both ways, parsed on both sides (the webview is untrusted input to the host, and back). */

export const PeriodSchema = z.enum(['7d', '30d', '90d', 'all']);
export type Period = z.infer<typeof PeriodSchema>;

export const DashboardFilterSchema = z.object({ period: PeriodSchema, provider: ProviderIdSchema.optional(), pipeline: z.string().max(200).optional() });
export type DashboardFilter = z.infer<typeof DashboardFilterSchema>;

const count = z.number().int().nonnegative();
const usd = z.number();

/** What the panel shows: the `aggregate` figures (the same call as `batchwise stats --by day`), trimmed to what is drawn. */
export const DashboardViewSchema = z.object({
  filter: DashboardFilterSchema,
  /** Providers that have jobs in the store, for the filter. */
  providers: z.array(ProviderIdSchema),
  /** Pipelines that have jobs in the store, for the filter. */
  pipelines: z.array(z.string()).default([]),
  cards: z.object({
    jobs: count,
    byStatus: z.partialRecord(JobStatusSchema, count),
    requests: count,
    succeeded: count,
    failed: count,
    processing: count,
    successRate: z.number().nullable(),
    costUsd: usd,
    standardCostUsd: usd,
    savedUsd: usd,
    jobsWithoutCost: count,
    monthToDateUsd: usd,
    turnaroundMedian: z.number().nullable(),
    turnaroundP90: z.number().nullable(),
    flaggedLines: count,
    flagged: z.partialRecord(QualitySchema.exclude(['ok']), count),
  }),
  /** Every day of the period that has jobs, in order. */
  days: z.array(z.object({ day: z.string(), jobs: count, requests: count, succeeded: count, failed: count, successRate: z.number().nullable() })),
  spendPerDay: z.array(z.object({ day: z.string(), provider: ProviderIdSchema, costUsd: usd })),
  turnaroundBy: z.array(z.object({ key: z.string(), median: z.number(), p90: z.number(), max: z.number(), jobs: count })),
  topErrors: z.array(z.object({ message: z.string(), count, jobs: z.array(z.string()) })),
  running: z.array(z.object({ id: z.string(), name: z.string(), provider: ProviderIdSchema, done: count, total: count, etaSeconds: z.number().nullable() })),
  /** The month-to-date line against `batchwise.budget`, when a budget is set. */
  budget: z.string().optional(),
  /** Job files that could not be read (skipped, as `batchwise stats` does). */
  problems: count,
});
export type DashboardView = z.infer<typeof DashboardViewSchema>;

/** What a click on a chart points at: the jobs of one day, of one provider, or of a turnaround group ("provider model"). */
export const JobGroupSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('day'), day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), provider: ProviderIdSchema.optional() }),
  z.object({ kind: z.literal('provider'), provider: ProviderIdSchema }),
  z.object({ kind: z.literal('turnaround'), key: z.string().max(500) }),
]);
export type JobGroup = z.infer<typeof JobGroupSchema>;

export const DashboardHostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('view'), view: DashboardViewSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type DashboardHostMessage = z.infer<typeof DashboardHostMessageSchema>;

export const DashboardWebviewMessageSchema = z.discriminatedUnion('type', [
  /** The filter the webview kept (setState) across a hide/show or reload. */
  z.object({ type: z.literal('ready'), filter: DashboardFilterSchema }),
  z.object({ type: z.literal('filter'), filter: DashboardFilterSchema }),
  z.object({ type: z.literal('openJob'), jobId: z.string().min(1).max(200) }),
  z.object({ type: z.literal('showJobs'), group: JobGroupSchema }),
]);
export type DashboardWebviewMessage = z.infer<typeof DashboardWebviewMessageSchema>;

/** What the webview saves (vscode.setState) so a reopened panel keeps its period and provider. */
export const DashboardStateSchema = z.object({ filter: DashboardFilterSchema });
