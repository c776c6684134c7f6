import { z } from 'zod';
import { LineOutcomeSchema, TokenUsageSchema } from '../status';
import { QualitySchema } from './quality';

/** A provider's answer for one request, before it is joined to the input. Adapters yield these. */
export const ProviderResultSchema = z.object({
  customId: z.string(),
  outcome: z.enum(['succeeded', 'errored', 'expired', 'canceled']),
  /** Text of the model's answer (chat message content, Anthropic text blocks, Gemini parts) when there is one. */
  outputText: z.string().optional(),
  /** The provider's raw result line, kept for the detail view. */
  raw: z.unknown(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  usage: TokenUsageSchema.optional(),
});
export type ProviderResult = z.infer<typeof ProviderResultSchema>;

/** One normalized record per input line, after the join. Stored as JSONL in the job folder. */
export const ResultRecordSchema = z.object({
  customId: z.string(),
  /** 1-based line in the job's input file. */
  line: z.number().int().positive(),
  outcome: LineOutcomeSchema,
  outputText: z.string().optional(),
  raw: z.unknown().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  usage: TokenUsageSchema.optional(),
  jobId: z.string(),
  attempt: z.number().int().positive(),
  /** For a succeeded line that is not usable as it is (results/quality.ts); absent when it is fine. */
  quality: QualitySchema.exclude(['ok']).optional(),
  qualityReason: z.string().optional(),
});
export type ResultRecord = z.infer<typeof ResultRecordSchema>;
