import { z } from 'zod';
import type { JobStatus, ProviderId, RequestCounts, Throughput, TokenUsage } from '../core/status';
import { ProviderIdSchema } from '../core/status';
import { HostIdSchema } from '../core/hosts';
import type { ProviderResult } from '../core/results/record';

/**
 * An Azure OpenAI resource: the OpenAI batch format at `{endpoint}/openai/files|batches?api-version=...`, the `api-key`
 * header or an Entra ID bearer token (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch, REST tab).
 */
export const AzureProfileSchema = z.object({
  /** `https://RESOURCE.openai.azure.com` (the SDK's `endpoint`; `/openai` is added to it). */
  endpoint: z.string().min(1),
  /** e.g. `2024-10-21` (GA) or `2025-04-01-preview`: every request carries it as `?api-version=`. */
  apiVersion: z.string().min(1),
  /** The Global-Batch deployment the lines name as their `model`; when set, a file naming another is refused before upload. */
  deployment: z.string().min(1).optional(),
  /** `key` (default): the `api-key` header; `entra`: a Microsoft Entra ID token from DefaultAzureCredential. */
  auth: z.enum(['key', 'entra']).optional(),
});
export type AzureProfile = z.infer<typeof AzureProfileSchema>;

/** A provider profile: where to send batches. Never holds the API key (SecretStorage / env vars do). */
export const ProviderProfileSchema = z.object({
  name: z.string().min(1),
  provider: ProviderIdSchema,
  /** e.g. `https://api.openai.com/v1`, an Azure or proxy URL, or the local emulator. */
  baseUrl: z.string().optional(),
  organization: z.string().optional(),
  project: z.string().optional(),
  /** Self-hosted runner only: how many requests in flight. */
  concurrency: z.number().int().positive().optional(),
  /** An Azure OpenAI resource (provider `openai` only): its endpoint stands for `baseUrl`. */
  azure: AzureProfileSchema.optional(),
  /** An OpenAI-compatible batch host (provider `openai` only, core/hosts.ts): its limits, line variant and statuses. */
  host: HostIdSchema.optional(),
});
export type ProviderProfile = z.infer<typeof ProviderProfileSchema>;

/** A remote batch as the provider reports it, with the status normalized. */
export interface RemoteBatch {
  id: string;
  status: JobStatus;
  /** The provider's own status value (`ended`, `JOB_STATE_RUNNING`, ...). */
  rawStatus: string;
  counts: RequestCounts;
  endpoint?: string;
  model?: string;
  createdAt?: string;
  endedAt?: string;
  inputFileId?: string;
  outputFileId?: string;
  errorFileId?: string;
  /** Server-side validation errors, `line` 1-based in the uploaded part. */
  errors: { line?: number; code: string; message: string }[];
  usage?: TokenUsage;
  metadata?: Record<string, string>;
  /** Self-hosted runs only: requests/s, tokens/s and ETA while running. */
  throughput?: Throughput;
}

/** What to send as one remote batch: the raw input lines (already validated) of one part. */
export interface SubmitPart {
  /** Local job id, stored in the batch metadata so an ambiguous create can be looked up instead of repeated. */
  jobId: string;
  partIndex: number;
  /** SHA-256 of the part's bytes, also in the metadata. */
  sha256: string;
  endpoint: string | null;
  model: string | null;
  /** The part's input lines, each one JSON object, without line terminators. */
  lines: AsyncIterable<string> | Iterable<string>;
  /** Byte size of the part (for choosing inline vs file upload where a provider has both). */
  bytes: number;
  displayName?: string;
  /**
   * Awaited once, after the upload and right before the request that creates the batch (the first one that can
   * bill): the submit records that from here on the batch may exist.
   */
  beforeCreate?: () => Promise<void>;
}

export interface ListPage {
  batches: RemoteBatch[];
  /** Cursor for the next page, absent on the last. */
  next?: string;
}

export interface BatchProvider {
  readonly id: ProviderId;
  readonly profile: ProviderProfile;
  create(part: SubmitPart, signal?: AbortSignal): Promise<RemoteBatch>;
  retrieve(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch>;
  list(opts?: { after?: string; limit?: number }, signal?: AbortSignal): Promise<ListPage>;
  cancel(remoteId: string, signal?: AbortSignal): Promise<RemoteBatch>;
  /** Deletes the remote batch where the provider supports it (Anthropic, Gemini); undefined otherwise. */
  delete?(remoteId: string, signal?: AbortSignal): Promise<void>;
  /** Every result line the provider has for this batch (output AND error files, partial results of cancelled/expired batches), in whatever order it sends them. */
  results(batch: RemoteBatch, signal?: AbortSignal): AsyncIterable<ProviderResult>;
  /** The provider's web page for this batch, when it has one. */
  consoleUrl(remoteId: string): string | undefined;
}

/** Thrown by adapters after retries are exhausted, with the provider's own message. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
