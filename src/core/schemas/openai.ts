import { z } from 'zod';
import { TokenCount, Temperature } from './common';

/** Endpoints an OpenAI batch accepts for text requests (one per file). */
export const OPENAI_ENDPOINTS = ['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/completions', '/v1/moderations'] as const;
export type OpenAIEndpoint = (typeof OPENAI_ENDPOINTS)[number];

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

export const OPENAI_BODY_SCHEMAS: Record<OpenAIEndpoint, z.ZodType> = {
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
