import { z } from 'zod';
import { QualitySchema } from '../results/quality';
import { QuotaSchema } from '../queue/quotas';
import { JobStatusSchema, ProviderIdSchema, RequestCountsSchema, ThroughputSchema, TokenUsageSchema } from '../status';

/** One remote batch. A job whose input exceeds a provider limit is split into several parts. */
export const JobPartSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Remote batch id (OpenAI `batch_...`, Anthropic `msgbatch_...`, Gemini `batches/...`); null until created. */
  remoteId: z.string().nullable(),
  status: JobStatusSchema,
  /** The provider's own status string, kept so `unknown` can show what the provider said. */
  rawStatus: z.string().optional(),
  /** 1-based input line range (inclusive) this part was built from. */
  lineStart: z.number().int().positive(),
  lineEnd: z.number().int().positive(),
  requests: z.number().int().nonnegative(),
  counts: RequestCountsSchema,
  inputFileId: z.string().optional(),
  /** When the input file was deleted at the provider after the results were kept (so it is done once). */
  inputFileDeletedAt: z.string().optional(),
  outputFileId: z.string().optional(),
  errorFileId: z.string().optional(),
  /** Server-side validation errors (OpenAI `errors.data`) with input line numbers relative to the job input. */
  errors: z
    .array(
      z.object({
        line: z.number().int().positive().optional(),
        /** For a retry: the line of the chain's original input this error is about (the user's file, not the retry file). */
        originalLine: z.number().int().positive().optional(),
        code: z.string(),
        message: z.string(),
      }),
    )
    .default([]),
  submittedAt: z.string().optional(),
  /**
   * Written just before the create request may go out. A part with neither this nor a remote id was never sent:
   * once its submit is gone it is "not submitted" at once, without waiting for a batch that cannot exist.
   */
  createStartedAt: z.string().optional(),
  endedAt: z.string().optional(),
  lastPolledAt: z.string().optional(),
  usage: TokenUsageSchema.optional(),
  /** Self-hosted runs: the pace at the last poll. */
  throughput: ThroughputSchema.optional(),
  /** Set while the part waits in the local queue for room in the provider's quota (core/queue); kept after it is created. */
  queuedAt: z.string().optional(),
  /** The tokens the part holds against an enqueued-token quota (core/enqueuedTokens.ts), when a quota was in force. */
  enqueuedTokens: z.number().int().nonnegative().optional(),
  /** A queued part the provider refused for quota waits until then (backoff). */
  notBefore: z.string().optional(),
  /** Where a queued part's lines are in the input (bytes as uploaded), and their SHA-256: sent later, they must be unchanged. */
  span: z.object({ startOffset: z.number().int().nonnegative(), endOffset: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(), sha256: z.string().optional() }).optional(),
  /** Tokens in flight for the model (this part's included) when its batch was created: what a quota refusal teaches. */
  tokensInFlightAtCreate: z.number().int().nonnegative().optional(),
  /** How often the provider refused the part for quota. */
  requeues: z.number().int().nonnegative().optional(),
  /** Batches of this part that failed for quota: a lookup by the part's metadata that finds one of them found nothing new. */
  supersededRemoteIds: z.array(z.string()).optional(),
});
export type JobPart = z.infer<typeof JobPartSchema>;

/** "line 17 of the original input (line 2 of the retry file): " for a retry's error, "line 2: " otherwise, "" without a line. */
export function errorLinePrefix(e: JobPart['errors'][number]): string {
  if (e.line === undefined) return '';
  return e.originalLine !== undefined ? `line ${e.originalLine} of the original input (line ${e.line} of the retry file): ` : `line ${e.line}: `;
}

/** The error code of a part that never reached the provider (its submit failed or stopped before it). */
export const NOT_SUBMITTED = 'not_submitted';

export const EstimateSchema = z.object({
  requests: z.number().int().nonnegative(),
  inputTokens: z.number().nonnegative(),
  outputTokensMax: z.number().nonnegative(),
  outputTokensTypical: z.number().nonnegative().optional(),
  standardCost: z.number().nonnegative().nullable(),
  batchCost: z.number().nonnegative().nullable(),
  currency: z.string(),
  model: z.string().nullable(),
  pricingDate: z.string().nullable(),
});
export type Estimate = z.infer<typeof EstimateSchema>;

export const JobSchema = z.object({
  version: z.literal(1),
  /** Local id, e.g. `bw-20261125-k3x9q2`. */
  id: z.string().min(1),
  name: z.string(),
  provider: ProviderIdSchema,
  /** Name of the provider profile (base URL, org/project); never the API key. */
  profile: z.string(),
  baseUrl: z.string().optional(),
  endpoint: z.string().nullable(),
  model: z.string().nullable(),
  inputPath: z.string(),
  inputSha256: z.string(),
  inputLines: z.number().int().nonnegative(),
  /** The input's source rows (`batchwise build`'s sidecar, see core/build/sidecar.ts), when it was built from a table. */
  sourceRowsPath: z.string().optional(),
  requests: z.number().int().nonnegative(),
  parts: z.array(JobPartSchema),
  /** For a retry: the job it retries. The root of a chain has none. */
  parentId: z.string().optional(),
  /** The quota the job's parts are queued under (core/queue/quotas.ts); absent: all parts were created at once. */
  quota: QuotaSchema.optional(),
  /** The pipeline cycle that submitted it (see core/pipeline/state.ts): how a cycle finds its job again after a crash. */
  pipeline: z.object({ file: z.string(), name: z.string(), cycle: z.string() }).optional(),
  /** 1 for the original, 2 for its first retry, ... */
  attempt: z.number().int().positive().default(1),
  status: JobStatusSchema,
  rawStatus: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  estimate: EstimateSchema.optional(),
  usage: TokenUsageSchema.optional(),
  actualCost: z.number().nonnegative().optional(),
  /** Where the joined results were written (JSONL in the job folder), once downloaded. */
  resultsPath: z.string().optional(),
  /** Succeeded lines that are not usable as they are (truncated, empty, refused...), counted when the results came. */
  flagged: z.partialRecord(QualitySchema.exclude(['ok']), z.number().int().nonnegative()).optional(),
  /** Set when the user was told the job ended (so a restart does not notify twice). */
  notifiedAt: z.string().optional(),
});
export type Job = z.infer<typeof JobSchema>;
