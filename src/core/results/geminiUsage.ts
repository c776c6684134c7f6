import type { TokenUsage } from '../status';
import { isJsonObject } from '../json';

const count = (v: unknown): number => {
  const n = Number(v ?? 0);
  return Number.isFinite(n) && n > 0 ? n : 0;
};

/**
 * A Gemini `usageMetadata` -> TokenUsage, counting every billed token. `candidatesTokenCount` leaves out the model's
 * thinking, which is billed as output (`thoughtsTokenCount`), and `promptTokenCount` leaves out tool results fed
 * back to the model, which are input (`toolUsePromptTokenCount`). Sources: ai.google.dev/api/generate-content
 * #UsageMetadata ("totalTokenCount ... is the sum of prompt_token_count, candidates_token_count,
 * tool_use_prompt_token_count and thoughts_token_count"), ai.google.dev/gemini-api/docs/pricing ("Output price
 * (including thinking tokens)"). `cachedContentTokenCount` is part of the prompt count, kept apart as cachedTokens.
 */
export function geminiUsage(usageMetadata: unknown): TokenUsage | undefined {
  if (!isJsonObject(usageMetadata)) return undefined;
  const u = usageMetadata;
  const cached = count(u.cachedContentTokenCount);
  return {
    inputTokens: count(u.promptTokenCount) + count(u.toolUsePromptTokenCount),
    outputTokens: count(u.candidatesTokenCount) + count(u.thoughtsTokenCount),
    ...(cached ? { cachedTokens: cached } : {}),
  };
}

/**
 * The usage of one batch answer: a GenerateContentResponse's `usageMetadata`, or, for an embedding batch, the
 * answer's `tokenCount` (SingleEmbedContentResponse in @google/genai dist/genai.d.ts: `tokenCount?: string`, an
 * int64 as a string). Embedding tokens are all input: an embedding has no output tokens to bill.
 */
export function geminiResponseUsage(response: unknown): TokenUsage | undefined {
  if (!isJsonObject(response)) return undefined;
  if (response.usageMetadata !== undefined) return geminiUsage(response.usageMetadata);
  if (response.tokenCount === undefined || response.tokenCount === null) return undefined;
  return { inputTokens: count(response.tokenCount), outputTokens: 0 };
}
