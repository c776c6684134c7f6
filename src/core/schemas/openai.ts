import { z } from 'zod';
import { TokenCount, Temperature } from './common';

/**
 * Endpoints an OpenAI batch accepts (one per file), per openai-node's `BatchCreateParams.endpoint`
 * (node_modules/openai/resources/batches.d.ts) and https://platform.openai.com/docs/api-reference/batch/create.
 */
export const OPENAI_ENDPOINTS = ['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/completions', '/v1/moderations', '/v1/images/generations', '/v1/images/edits', '/v1/videos'] as const;
export type OpenAIEndpoint = (typeof OPENAI_ENDPOINTS)[number];

/**
 * What `vllm run-batch` accepts besides OpenAI's chat and embeddings (vllm/entrypoints/openai/run_batch.py,
 * create_request_task: `url.endswith("/score")`, `url.endswith("/rerank")`, and the audio endpoints of newer releases).
 */
export const VLLM_BATCH_URLS = ['/v1/chat/completions', '/v1/embeddings', '/score', '/v1/score', '/rerank', '/v1/rerank', '/v2/rerank', '/v1/audio/transcriptions', '/v1/audio/translations'] as const;

/** URLs vLLM's batch runner takes: the fixed ones and anything ending in /score or /rerank. */
export function vllmAcceptsUrl(url: string): boolean {
  return (VLLM_BATCH_URLS as readonly string[]).includes(url) || url.endsWith('/score') || url.endsWith('/rerank');
}

export const OPENAI_LINE_KEYS = ['custom_id', 'method', 'url', 'body'] as const;

export const ChatRoleSchema = z.enum(['system', 'developer', 'user', 'assistant', 'tool']);

const ContentPart = z.looseObject({ type: z.string() });

export const ChatMessageSchema = z
  .looseObject({
    role: ChatRoleSchema,
    content: z.union([z.string(), z.array(ContentPart)]).nullish(),
  })
  // Only an assistant turn that calls tools may leave content out.
  .check((ctx) => {
    const m = ctx.value;
    if (m.role !== 'assistant' && (m.content === undefined || m.content === null)) {
      ctx.issues.push({ code: 'invalid_type', expected: 'string', path: ['content'], input: m.content, message: 'missing content' });
    }
  });

const StringOrArray = z.union([z.string(), z.array(z.unknown()).min(1)]);

export const ChatBodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessageSchema).min(1),
  max_tokens: TokenCount,
  max_completion_tokens: TokenCount,
  temperature: Temperature,
});

export const ResponsesBodySchema = z.looseObject({
  model: z.string().min(1),
  input: StringOrArray,
  max_output_tokens: TokenCount,
  temperature: Temperature,
});

export const EmbeddingsBodySchema = z.looseObject({
  model: z.string().min(1),
  input: StringOrArray,
});

export const CompletionsBodySchema = z.looseObject({
  model: z.string().min(1),
  prompt: StringOrArray,
  max_tokens: TokenCount,
  temperature: Temperature,
});

export const ModerationsBodySchema = z.looseObject({
  model: z.string().min(1).optional(),
  input: StringOrArray,
});

/** ImageGenerateParams (resources/images.d.ts): `prompt` is required, the model has a default. */
export const ImagesGenerateBodySchema = z.looseObject({
  model: z.string().min(1).optional(),
  prompt: z.string().min(1),
  n: z.number().int().min(1).max(10).optional(),
});

/** ImageEditParams: `prompt` and the image(s) to edit (in a batch, as `images` references or `image`). */
export const ImagesEditBodySchema = ImagesGenerateBodySchema.check((ctx) => {
  const b = ctx.value as Record<string, unknown>;
  if (b.images === undefined && b.image === undefined) ctx.issues.push({ code: 'invalid_type', expected: 'array', path: ['images'], input: undefined, message: 'missing images' });
});

/** VideoCreateParams (resources/videos.d.ts): `prompt` is required; model, seconds and size have defaults. */
export const VideosBodySchema = z.looseObject({
  model: z.string().min(1).optional(),
  prompt: z.string().min(1),
});

export const OPENAI_BODY_SCHEMAS: Record<OpenAIEndpoint, z.ZodType> = {
  '/v1/images/generations': ImagesGenerateBodySchema,
  '/v1/images/edits': ImagesEditBodySchema,
  '/v1/videos': VideosBodySchema,
  '/v1/chat/completions': ChatBodySchema,
  '/v1/responses': ResponsesBodySchema,
  '/v1/embeddings': EmbeddingsBodySchema,
  '/v1/completions': CompletionsBodySchema,
  '/v1/moderations': ModerationsBodySchema,
};

/** A whole batch input line (the body checked loosely here; per endpoint above). */
export const OpenAILineSchema = z.object({
  custom_id: z.string().min(1),
  method: z.literal('POST'),
  url: z.enum(OPENAI_ENDPOINTS),
  body: z.record(z.string(), z.unknown()),
});
export type OpenAILine = z.infer<typeof OpenAILineSchema>;
export type ChatBody = z.infer<typeof ChatBodySchema>;
export type ChatMessage = z.infer<typeof ChatMessageSchema>;
