import type { ProviderId } from './status';

export interface ProviderLimits {
  /** Most requests (non-blank lines) one batch accepts. */
  maxRequests: number;
  /** Largest input, in bytes of the JSONL file. */
  maxBytes: number;
  /** Where the figure comes from. */
  source: string;
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
    source: 'https://platform.openai.com/docs/guides/batch (openai-node src/resources/batches.ts: "up to 50,000 requests, and can be up to 200 MB in size")',
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
