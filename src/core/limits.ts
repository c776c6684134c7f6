import type { ProviderId } from './status';
import { HOSTS, type HostId } from './hosts';

export interface ProviderLimits {
  /** Most requests (non-blank lines) one batch accepts. */
  maxRequests: number;
  /** Largest input, in bytes of the JSONL file. */
  maxBytes: number;
  /** Where the figure comes from. */
  source: string;
  /** `/v1/embeddings` batches: embedding inputs across all requests (an input array counts each entry). */
  maxEmbeddingInputs?: number;
  /** How long a batch may run before the provider expires it, in hours. */
  windowHours?: number;
  /** How long finished results stay downloadable, counted from the batch's creation or its end. */
  resultsRetention?: { days: number; from: 'created' | 'ended' };
  /** Requests sent in the create call itself (Gemini inline) stay under this many bytes; larger parts go as a file. */
  inlineMaxBytes?: number;
  /** Uploaded input files are deleted after this many hours unless the upload says otherwise. */
  inputFileTtlHours?: number;
  /** Who the limits belong to in messages, when not the provider itself ("Azure OpenAI" for an OpenAI-format host). */
  label?: string;
  /** The service refuses a file that starts with a UTF-8 byte order mark (the validator makes the BOM an error). */
  rejectsBom?: boolean;
  /** Longest `custom_id` the service accepts (Together, Doubleword: 64); longer ones fail the batch. */
  maxCustomIdLength?: number;
}

const MB = 1024 * 1024;

/**
 * The providers' batch facts (PROVIDER-FACTS.md) with their sources, the one table in code: the per-batch limits
 * the validator and the splitter enforce, the windows and retention the tracker shows, and what the emulator plays.
 * `local` (vLLM, Ollama, any OpenAI-compatible server) is run by Batchwise itself, so it has none.
 */
export const PROVIDER_LIMITS: Record<ProviderId, ProviderLimits> = {
  openai: {
    maxRequests: 50_000,
    maxBytes: 200 * MB,
    maxEmbeddingInputs: 50_000,
    windowHours: 24,
    resultsRetention: { days: 30, from: 'ended' },
    inputFileTtlHours: 30 * 24,
    source:
      'https://platform.openai.com/docs/guides/batch (openai-node resources/batches.d.ts BatchCreateParams: "up to 50,000 requests, and can be up to 200 MB in size"; "/v1/embeddings batches are also restricted to a maximum of 50,000 embedding inputs across all requests in the batch")',
  },
  anthropic: {
    maxRequests: 100_000,
    maxBytes: 256 * MB,
    windowHours: 24,
    resultsRetention: { days: 29, from: 'created' },
    source:
      'https://docs.claude.com/en/docs/build-with-claude/batch-processing ("100,000 Message requests or 256 MB in size, whichever is reached first"; batches expire after 24 hours; "results ... available for 29 days after creation")',
  },
  gemini: {
    // No per-batch request cap is documented; the input file (File API upload) may be up to 2 GB.
    maxRequests: Number.POSITIVE_INFINITY,
    maxBytes: 2 * 1024 * MB,
    windowHours: 48,
    resultsRetention: { days: 2, from: 'created' },
    inlineMaxBytes: 20 * MB,
    inputFileTtlHours: 48,
    source:
      'https://ai.google.dev/gemini-api/docs/batch-mode ("input file ... up to 2GB"; inline requests under 20 MB; jobs expire after 48 hours, with their results); https://ai.google.dev/gemini-api/docs/files (files are stored for 48 hours)',
  },
  local: {
    maxRequests: Number.POSITIVE_INFINITY,
    maxBytes: Number.POSITIVE_INFINITY,
    source: 'Batchwise sends the lines itself to the self-hosted server: no batch limit applies',
  },
};

/**
 * Azure OpenAI global batch: the OpenAI batch format on another host, with its own caps. Jobs stay `openai`; an Azure
 * profile (one with `azure`) picks these through limitsFor.
 */
export const AZURE_OPENAI_LIMITS: ProviderLimits = {
  maxRequests: 100_000,
  maxBytes: 200 * MB,
  // No windowHours: the 24h window is a target there ("we don't expire the jobs that take longer").
  label: 'Azure OpenAI',
  rejectsBom: true,
  source:
    'https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch (MicrosoftDocs/azure-ai-docs articles/ai-services/openai/includes/global-batch-limits.md: "Max input file size 200 MB", "Max requests per file 100,000"; error too_many_tasks; Known issues: "UTF-8-BOM encoded jsonl files aren\'t supported")',
};

/** The limits a profile submits under: Azure's for an Azure profile, an OpenAI-compatible host's (hosts.ts), else its provider's. */
export function limitsFor(profile: { provider: ProviderId; azure?: object | undefined; host?: HostId | undefined }): ProviderLimits {
  if (profile.provider !== 'openai') return PROVIDER_LIMITS[profile.provider];
  if (profile.azure) return AZURE_OPENAI_LIMITS;
  return profile.host ? HOSTS[profile.host].limits : PROVIDER_LIMITS.openai;
}

/** Anthropic `custom_id`: letters, digits, `_` and `-`, 1 to 64 characters. */
export const ANTHROPIC_CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
export const ANTHROPIC_CUSTOM_ID_SOURCE = 'https://docs.claude.com/en/api/creating-message-batches (custom_id pattern ^[a-zA-Z0-9_-]{1,64}$)';

/** How many embedding inputs one `/v1/embeddings` body carries: a string is one, an array one per entry (a token array is one). */
export function embeddingInputCount(input: unknown): number {
  if (!Array.isArray(input)) return 1;
  if (input.length > 0 && input.every((x) => typeof x === 'number')) return 1;
  return input.length;
}

const HOUR_MS = 3_600_000;

/** A provider's batch window in milliseconds (the emulator expires batches at it; the tracker flags jobs past it). */
export function windowMs(provider: ProviderId): number {
  return (PROVIDER_LIMITS[provider].windowHours ?? 24) * HOUR_MS;
}

