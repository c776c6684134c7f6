/**
 * The results panel's message protocol, shared by the extension host and the webview. Every message is
 * parsed with these schemas on receipt (both sides), so neither trusts the other's shape.
 */
import { z } from 'zod';

export const OutcomeSchema = z.enum(['succeeded', 'errored', 'expired', 'canceled', 'missing']);
export const FlaggedQualitySchema = z.enum(['truncated', 'empty', 'refused', 'invalid_json', 'schema_mismatch']);
export const FilterSchema = z.union([z.literal('all'), z.literal('failed'), z.literal('flagged'), OutcomeSchema, FlaggedQualitySchema]);
export type Filter = z.infer<typeof FilterSchema>;
export const SortKeySchema = z.enum(['line', 'customId', 'outcome', 'tokens']);
export type SortKey = z.infer<typeof SortKeySchema>;

/** Rows per page: a page is what the webview asks for, never the whole table. */
export const PAGE_SIZE = 200;
export const MAX_PAGE = 500;

export const QuerySchema = z.object({
  filter: FilterSchema,
  search: z.string().max(500),
  sort: z.object({ key: SortKeySchema, dir: z.enum(['asc', 'desc']) }),
});
export type Query = z.infer<typeof QuerySchema>;

/** Where the panel's rows come from; also the state saved for restoring the panel after a reload. */
export const PanelSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('job'), jobId: z.string().min(1) }),
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
]);
export type PanelSource = z.infer<typeof PanelSourceSchema>;
/**
 * What the webview keeps across hide/show and reloads (vscode.setState): the source, and what the user set up —
 * filter, search, sort, scroll position, selected row — so switching tabs does not reset the view.
 */
export const PanelStateSchema = z.object({
  source: PanelSourceSchema,
  query: QuerySchema.optional(),
  scrollTop: z.number().nonnegative().optional(),
  /** Position of the selected row in the current query's order. */
  selected: z.number().int().nonnegative().optional(),
});
export type PanelState = z.infer<typeof PanelStateSchema>;

export const RowSchema = z.object({
  /** Index in the host's full row list: the stable id of the row. */
  index: z.number().int().nonnegative(),
  line: z.number().int().nonnegative(),
  customId: z.string(),
  outcome: OutcomeSchema,
  input: z.string(),
  output: z.string(),
  tokens: z.number().nullable(),
  attempt: z.number().int().positive(),
  quality: FlaggedQualitySchema.optional(),
});
export type Row = z.infer<typeof RowSchema>;

export const HeaderSchema = z.object({
  title: z.string(),
  subtitle: z.string(),
  total: z.number().int().nonnegative(),
  counts: z.record(OutcomeSchema, z.number().int().nonnegative()),
  /** Succeeded lines that are not usable as they are, by quality (truncated, empty, refused...). */
  flagged: z.partialRecord(FlaggedQualitySchema, z.number().int().nonnegative()),
  failed: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  unmatched: z.number().int().nonnegative(),
  /** `lines`: the first few input lines of the group (a group of 1,000 is never cited as one line). */
  topErrors: z.array(z.object({ message: z.string(), code: z.string().optional(), count: z.number(), lines: z.array(z.number()).optional() })),
  inputTokens: z.number(),
  outputTokens: z.number(),
  actualCost: z.number().nullable(),
  standardCost: z.number().nullable(),
  currency: z.string(),
  turnaroundSeconds: z.number().nullable(),
  /** One entry per job of the retry chain (empty for a results file opened on its own). */
  jobs: z.array(z.object({ id: z.string(), name: z.string(), attempt: z.number(), status: z.string(), downloaded: z.boolean() })),
  /** Resubmit needs a job (not a loose results file) and no retry still running. */
  canResubmit: z.boolean(),
  notice: z.string().optional(),
});
export type Header = z.infer<typeof HeaderSchema>;

export const TurnSchema = z.object({ role: z.string(), text: z.string(), toolCalls: z.array(z.string()).optional() });

export const DetailSchema = z.object({
  index: z.number().int().nonnegative(),
  line: z.number().int().nonnegative(),
  customId: z.string(),
  outcome: OutcomeSchema,
  jobId: z.string(),
  attempt: z.number().int().positive(),
  turns: z.array(TurnSchema),
  /** The text the output is diffed against. */
  lastUserText: z.string(),
  output: z.string().optional(),
  /** The output pretty-printed when it is JSON. */
  outputJson: z.string().optional(),
  /** null: no schema in the request; []: the output follows it. */
  schemaErrors: z.array(z.string()).nullable(),
  error: z.string().optional(),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), cachedTokens: z.number().optional() }).optional(),
  /** The provider's raw result, pretty-printed (truncated when huge). */
  raw: z.string().optional(),
  /** Why a succeeded line is flagged: its quality and the provider's reason (finish reason). */
  quality: z.object({ quality: FlaggedQualitySchema, reason: z.string().optional() }).optional(),
  /** Inline images of the output (never SVG), shown as data: URLs; the CSP allows img-src data:. */
  images: z
    .array(z.object({ mime: z.enum(['image/png', 'image/jpeg', 'image/webp', 'image/gif']), base64: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/) }))
    .max(4)
    .optional(),
});
export type Detail = z.infer<typeof DetailSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  /** `source` is what the webview saves with setState, so the serializer can restore the panel. */
  z.object({ type: z.literal('header'), header: HeaderSchema, source: PanelSourceSchema }),
  /** Sent when the data changed (a retry finished): the webview asks for its pages again. */
  z.object({ type: z.literal('invalidate') }),
  /** The user opened the results again (tree, notification, palette): show every row, as a fresh panel would. */
  z.object({ type: z.literal('reset') }),
  z.object({ type: z.literal('rows'), requestId: z.number().int(), total: z.number().int().nonnegative(), offset: z.number().int().nonnegative(), rows: z.array(RowSchema).max(MAX_PAGE) }),
  z.object({ type: z.literal('detail'), detail: DetailSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
  /** The rows are (re)loading: what is being done, with counts when known; the panel's actions wait meanwhile. */
  z.object({ type: z.literal('progress'), message: z.string(), done: z.number().int().nonnegative().optional(), total: z.number().int().nonnegative().optional() }),
  /** Loading failed: one sentence saying what to do; the panel offers Try Again. */
  z.object({ type: z.literal('loadFailed'), message: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('query'), requestId: z.number().int(), query: QuerySchema, offset: z.number().int().nonnegative(), count: z.number().int().positive().max(MAX_PAGE) }),
  z.object({ type: z.literal('detail'), index: z.number().int().nonnegative() }),
  z.object({ type: z.literal('openDiff'), index: z.number().int().nonnegative() }),
  z.object({ type: z.literal('copy'), text: z.string().max(50_000_000) }),
  z.object({ type: z.literal('resubmitFailed') }),
  z.object({ type: z.literal('export'), format: z.enum(['jsonl', 'csv']) }),
  /** Try Again after a failed load. */
  z.object({ type: z.literal('reload') }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;

/** Parses a message; undefined (and the reason via onInvalid) for anything that does not fit. */
export function parseMessage<T>(schema: z.ZodType<T>, data: unknown, onInvalid?: (reason: string) => void): T | undefined {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  onInvalid?.(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return undefined;
}
