import { z } from 'zod';
import { TemplateFileSchema } from '../build/template';
import { ProviderIdSchema } from '../status';
import { QualitySchema } from '../results/quality';
import { WebhookSecretSchema } from '../webhooks/standardWebhooks';
import { QuotaSchema } from '../queue/quotas';

/**
 * A pipeline file (`*.batchwise.yaml`, `.yml` or `.json`): where the requests come from, where the batch goes,
 * what happens to failures and results, and when it runs. Paths are relative to the file's folder.
 * `schemas/pipeline.schema.json` is generated from this schema (npm run schemas) for VS Code's completion.
 */

const InputSchema = z.union([
  z.strictObject({ file: z.string().min(1).describe('A JSONL request file, submitted as it is.') }),
  z.strictObject({
    data: z.string().min(1).describe('A table (CSV, TSV, JSONL, JSON or Parquet) turned into requests with the template.'),
    template: z.union([z.string().min(1).describe('A template file (YAML or JSON, as for batchwise build --template).'), TemplateFileSchema]).describe('The request template: a file, or the template itself.'),
  }),
  z.strictObject({
    command: z.string().min(1).describe('A shell command that writes the JSONL requests to stdout, or to the file named by $BATCHWISE_INPUT.'),
  }),
]);

/** Which lines a retry sends again: failed ones (errored, expired, canceled, missing) and/or succeeded ones of a quality. */
export const RetryOnlySchema = z.enum(['failed', ...QualitySchema.exclude(['ok']).options]);
export type RetryOnly = z.infer<typeof RetryOnlySchema>;

const RetriesSchema = z.union([
  z.number().int().min(0).max(10).describe('How many times failed and expired lines are sent again, each time as a retry job linked to the one before.'),
  z.strictObject({
    max: z.number().int().min(0).max(10).describe('How many retry jobs at most.'),
    only: z.array(RetryOnlySchema).min(1).optional().describe('Which lines go again (default: failed).'),
    raiseMaxTokens: z.number().min(1).max(16).optional().describe('Truncated and empty lines go with their token limit multiplied by this (default 2 when they are selected).'),
    enforceSchema: z.boolean().optional().describe('Lines with invalid JSON or a schema mismatch go with their JSON schema enforced where the provider can.'),
  }),
]);

/** A cron expression (5 fields, or 6 with seconds), as croner reads it. */
const CronSchema = z.string().min(1).describe('A cron expression, e.g. "0 2 * * *" for 02:00 every day.');

export const CatchUpSchema = z.enum(['skip', 'once']);

const ScheduleSchema = z.union([
  CronSchema,
  z.strictObject({
    cron: CronSchema,
    timezone: z.string().min(1).optional().describe('An IANA time zone such as Europe/Berlin (default: the machine\'s).'),
    catchUp: CatchUpSchema.optional().describe('Runs missed while nothing was running: skip them, or run once for all of them (default skip).'),
  }),
]);

const WebhookSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('Where the cycle summary is POSTed, signed with the Standard Webhooks scheme.'),
    secret: WebhookSecretSchema.optional().describe('The signing secret (whsec_...). Prefer secretEnv to keep it out of the file.'),
    secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional().describe('The environment variable that holds the signing secret.'),
  })
  .refine((w) => (w.secret === undefined) !== (w.secretEnv === undefined), { message: 'give the signing secret as secret: whsec_... or secretEnv: VARIABLE (one of them)' });

export const PipelineSchema = z.strictObject({
  name: z.string().min(1).max(100).describe('The pipeline\'s name, used for its jobs and in logs.'),
  input: InputSchema,
  provider: ProviderIdSchema.describe('Where the batch goes.'),
  profile: z.string().min(1).optional().describe('A provider profile (base URL, organization).'),
  baseUrl: z.url({ protocol: /^https?$/ }).optional().describe('The provider\'s base URL, e.g. the local emulator.'),
  model: z.string().min(1).optional().describe('The model, when the requests do not name it (Gemini takes it from the batch).'),
  budgetUsd: z.number().positive().optional().describe('A cycle whose estimate (at the batch rate) exceeds this is refused before anything is sent.'),
  quota: z
    .strictObject(QuotaSchema.shape)
    .optional()
    .describe("The provider's batch quota for the model (enqueuedTokens, maxBatchesInFlight, batchesPerHour): the parts that do not fit yet wait in the job's queue, as with submit --max-enqueued-tokens."),
  retries: RetriesSchema.optional(),
  outputs: z.array(z.string().min(1)).optional().describe('Files the merged results are written to at the end of each cycle: .jsonl, .csv, .sqlite, .parquet.'),
  schedule: ScheduleSchema.optional(),
  onComplete: z
    .strictObject({
      command: z.string().min(1).optional().describe('Run once per cycle end, with BATCHWISE_JOB, BATCHWISE_STATUS, BATCHWISE_SUCCEEDED, BATCHWISE_FAILED and BATCHWISE_RESULTS set.'),
      webhook: WebhookSchema.optional(),
    })
    .optional(),
});
export type Pipeline = z.infer<typeof PipelineSchema>;

/** The retry policy with its defaults filled in. */
export interface RetryPolicy {
  max: number;
  only?: ReadonlySet<RetryOnly>;
  raiseMaxTokens: number;
  enforceSchema: boolean;
}

export function retryPolicyOf(p: Pipeline): RetryPolicy {
  const r = p.retries;
  if (r === undefined) return { max: 0, raiseMaxTokens: 1, enforceSchema: false };
  if (typeof r === 'number') return { max: r, raiseMaxTokens: 1, enforceSchema: false };
  const only = r.only ? new Set(r.only) : undefined;
  const short = only !== undefined && (only.has('truncated') || only.has('empty'));
  return { max: r.max, ...(only ? { only } : {}), raiseMaxTokens: r.raiseMaxTokens ?? (short ? 2 : 1), enforceSchema: r.enforceSchema ?? false };
}

export interface ScheduleSpec {
  cron: string;
  timezone?: string;
  catchUp: z.infer<typeof CatchUpSchema>;
}

export function scheduleOf(p: Pipeline): ScheduleSpec | undefined {
  const s = p.schedule;
  if (s === undefined) return undefined;
  if (typeof s === 'string') return { cron: s, catchUp: 'skip' };
  return { cron: s.cron, ...(s.timezone ? { timezone: s.timezone } : {}), catchUp: s.catchUp ?? 'skip' };
}

/** `nightly.batchwise.yaml`, `.yml`, `.json`: the names a pipeline file has. */
export const PIPELINE_FILE = /\.batchwise\.(ya?ml|json)$/i;
