/**
 * The "New Batch from Data" form's message protocol, shared by the extension host and the webview. Both sides parse
 * every message they receive with these schemas.
 */
import { z } from 'zod';

export const PROVIDERS = ['openai', 'anthropic', 'gemini'] as const;
export const FormProviderSchema = z.enum(PROVIDERS);

/** The form as the user fills it: text as typed; the host turns it into a RequestTemplate (and says what is wrong). */
export const FormSchema = z.object({
  provider: FormProviderSchema,
  model: z.string().max(200),
  system: z.string().max(1_000_000),
  user: z.string().max(1_000_000),
  /** As typed: empty for none. */
  maxTokens: z.string().max(20),
  /** Empty: a hash of the row. */
  idColumn: z.string().max(500),
  /** JSON schema text; empty for none. */
  schema: z.string().max(1_000_000),
});
export type Form = z.infer<typeof FormSchema>;

export const FieldSchema = z.enum(['provider', 'model', 'system', 'user', 'maxTokens', 'idColumn', 'schema', 'file']);
export type Field = z.infer<typeof FieldSchema>;
export const FieldErrorSchema = z.object({ field: FieldSchema, message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

export const PreviewEstimateSchema = z.object({
  /** Rows in the whole file: exact (Parquet metadata, a small file) or extrapolated from the first bytes. */
  rows: z.number().int().nonnegative(),
  rowsExact: z.boolean(),
  /** Requests expected: rows times the share of the sampled rows that rendered. */
  requests: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokensMax: z.number().int().nonnegative(),
  standardCost: z.number().nullable(),
  batchCost: z.number().nullable(),
  /** The priced model id, or why there is no price. */
  priceNote: z.string(),
  tokenMethod: z.enum(['exact', 'approx']),
  sampledRows: z.number().int().nonnegative(),
});
export type PreviewEstimate = z.infer<typeof PreviewEstimateSchema>;

export const PreviewSchema = z.object({
  /** The first rendered requests, pretty JSON. */
  requests: z.array(z.object({ row: z.number().int().positive(), customId: z.string(), json: z.string() })).max(10),
  /** Skipped rows among those sampled, with the reason. */
  skipped: z.array(z.object({ row: z.number().int().positive(), reason: z.string() })),
  estimate: PreviewEstimateSchema.nullable(),
  warnings: z.array(z.string()),
});
export type Preview = z.infer<typeof PreviewSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('init'),
    fileName: z.string(),
    columns: z.array(z.string()),
    /** Priced model ids by provider, for the model field's suggestions. */
    models: z.record(FormProviderSchema, z.array(z.string())),
    form: FormSchema,
  }),
  /** The answer to one `change`; an older answer than the last change sent is dropped by the webview. */
  z.object({ type: z.literal('preview'), requestId: z.number().int(), preview: PreviewSchema.nullable(), errors: z.array(FieldErrorSchema) }),
  z.object({ type: z.literal('writing'), busy: z.boolean() }),
  /** A problem for the whole form (unreadable file, nothing to write), or for one field. */
  z.object({ type: z.literal('error'), message: z.string(), field: FieldSchema.optional() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('change'), requestId: z.number().int(), form: FormSchema }),
  z.object({ type: z.literal('write'), form: FormSchema }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;

export { parseMessage } from './resultsProtocol';
