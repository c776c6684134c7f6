import { z } from 'zod';
import { TokenCount, Temperature } from './common';

export const GEMINI_LINE_KEYS = ['key', 'request'] as const;

export const GeminiContentSchema = z.looseObject({
  // Optional: a single-turn request may leave the role out (the API assumes `user`).
  role: z.enum(['user', 'model']).optional(),
  parts: z.array(z.looseObject({})).min(1),
});

const GenerationConfig = z.looseObject({
  maxOutputTokens: TokenCount,
  max_output_tokens: TokenCount,
  temperature: Temperature,
});

/** A GenerateContentRequest as a batch file line carries it. */
export const GeminiRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  contents: z.array(GeminiContentSchema).min(1),
  generationConfig: GenerationConfig.optional(),
  generation_config: GenerationConfig.optional(),
});

/** An EmbedContentRequest (an embeddings batch): one `content` instead of `contents`. */
export const GeminiEmbedRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  content: z.looseObject({ parts: z.array(z.looseObject({})).min(1) }),
  taskType: z.string().optional(),
  outputDimensionality: z.number().int().positive().optional(),
});

export const GeminiLineSchema = z.object({
  key: z.string().min(1),
  request: GeminiRequestSchema,
});
export type GeminiLine = z.infer<typeof GeminiLineSchema>;
export type GeminiRequest = z.infer<typeof GeminiRequestSchema>;
export type GeminiEmbedRequest = z.infer<typeof GeminiEmbedRequestSchema>;
