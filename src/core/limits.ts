import type { ProviderId } from './status';

export interface ProviderLimits {
  /** Most requests (non-blank lines) one batch accepts. */
  maxRequests: number;
  /** Largest input, in bytes of the JSONL file. */
  maxBytes: number;
  /** Where the figure comes from. */
  source: string;
  /** `/v1/embeddings` batches: embedding inputs across all requests (an input array counts each entry). */
  maxEmbeddingInputs?: number;
}

const MB = 1024 * 1024;

/**
 * Per-batch limits the validator and the splitter enforce: the one table in code.
 * `local` (vLLM, Ollama, any OpenAI-compatible server) is run by Batchwise itself, so it has none.
 */
export const PROVIDER_LIMITS: Record<ProviderId, ProviderLimits> = {
  openai: {
    maxRequests: 50_000,
    maxBytes: 200 * MB,
    maxEmbeddingInputs: 50_000,
    source:
      'https://platform.openai.com/docs/guides/batch (openai-node resources/batches.d.ts BatchCreateParams: "up to 50,000 requests, and can be up to 200 MB in size"; "/v1/embeddings batches are also restricted to a maximum of 50,000 embedding inputs across all requests in the batch")',
  },
  anthropic: {
    maxRequests: 100_000,
    maxBytes: 256 * MB,
    source: 'https://docs.claude.com/en/docs/build-with-claude/batch-processing ("100,000 Message requests or 256 MB in size, whichever is reached first")',
  },
  gemini: {
    // No per-batch request cap is documented; the input file (File API upload) may be up to 2 GB.
    maxRequests: Number.POSITIVE_INFINITY,
    maxBytes: 2 * 1024 * MB,
    source: 'https://ai.google.dev/gemini-api/docs/batch-mode ("input file ... up to 2GB"; inline requests must stay under 20 MB)',
  },
  local: {
    maxRequests: Number.POSITIVE_INFINITY,
    maxBytes: Number.POSITIVE_INFINITY,
    source: 'Batchwise sends the lines itself to the self-hosted server: no batch limit applies',
  },
};

/** Anthropic `custom_id`: letters, digits, `_` and `-`, 1 to 64 characters. */
export const ANTHROPIC_CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
export const ANTHROPIC_CUSTOM_ID_SOURCE = 'https://docs.claude.com/en/api/creating-message-batches (custom_id pattern ^[a-zA-Z0-9_-]{1,64}$)';

/** How many embedding inputs one `/v1/embeddings` body carries: a string is one, an array one per entry (a token array is one). */
export function embeddingInputCount(input: unknown): number {
  if (!Array.isArray(input)) return 1;
  if (input.length > 0 && input.every((x) => typeof x === 'number')) return 1;
  return input.length;
}
