import { z } from 'zod';
import { Temperature } from './common';

export const ANTHROPIC_LINE_KEYS = ['custom_id', 'params'] as const;

const ContentBlock = z.looseObject({ type: z.string() });

export const AnthropicMessageSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(ContentBlock).min(1)]),
});

export const AnthropicSystemSchema = z.union([z.string(), z.array(z.looseObject({ type: z.literal('text'), text: z.string() }))]);

/** `params` of a Message Batch request: a non-streaming Messages request. */
export const AnthropicParamsSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(AnthropicMessageSchema).min(1),
  system: AnthropicSystemSchema.optional(),
  temperature: Temperature,
  stream: z.literal(false).optional(),
});

export const AnthropicLineSchema = z.object({
  custom_id: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  params: AnthropicParamsSchema,
});
export type AnthropicLine = z.infer<typeof AnthropicLineSchema>;
export type AnthropicParams = z.infer<typeof AnthropicParamsSchema>;
