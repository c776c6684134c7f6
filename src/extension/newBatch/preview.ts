// The form's host logic that needs no VS Code: form -> template, preview shaping, the whole-file estimate
// extrapolated from the sampled rows. Unit-tested in test/unit/newbatch-*.test.ts.
import { open, stat } from 'node:fs/promises';
import type { PreviewItem, RequestTemplate } from '../../core/build';
import type { DataFormat } from '../../core/build';
import { DEFAULT_MAX_OUTPUT_TOKENS } from '../../core/estimate';
import type { PricingOverrides } from '../../core/pricing';
import { lookupPrice, PRICE_TABLE } from '../../core/pricingData';
import { costOf } from '../../core/results/summary';
import { countRequest, describeRequest, loadEncoding, tokenCounterFor } from '../../core/tokens';
import type { FieldError, Form, Preview, PreviewEstimate } from '../../shared/newBatchProtocol';
import { PROVIDERS } from '../../shared/newBatchProtocol';

/** Requests shown in full in the preview. */
export const PREVIEW_SHOWN = 3;
/** Rows rendered for the estimate and the skipped list: few enough to stay instant, enough for an average. */
export const PREVIEW_SAMPLED = 50;
/** Bytes read from the start of a text table to extrapolate its row count. */
export const ROW_COUNT_SAMPLE_BYTES = 256 * 1024;

/** Priced model ids per provider, for the model field's suggestions. */
export function modelSuggestions(): Record<(typeof PROVIDERS)[number], string[]> {
  const out = { openai: [] as string[], anthropic: [] as string[], gemini: [] as string[] };
  for (const [id, p] of Object.entries(PRICE_TABLE)) out[p.provider].push(id);
  return out;
}

export const DEFAULT_FORM: Form = { provider: 'openai', model: 'gpt-4o-mini', system: '', user: '', maxTokens: '1024', idColumn: '', schema: '' };

/** The form as a template, or what is wrong with each field (the user sees these next to the field). */
export function formToTemplate(form: Form, columns: string[]): { template: RequestTemplate } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!form.model.trim()) errors.push({ field: 'model', message: 'Enter a model, for example gpt-4o-mini.' });
  if (!form.user.trim()) errors.push({ field: 'user', message: 'Write the user message; click a column to insert its {{placeholder}}.' });
  let maxTokens: number | undefined;
  if (form.maxTokens.trim()) {
    maxTokens = Number(form.maxTokens);
    if (!Number.isInteger(maxTokens) || maxTokens <= 0) errors.push({ field: 'maxTokens', message: `"${form.maxTokens}" is not a whole number above 0.` });
  } else if (form.provider === 'anthropic') errors.push({ field: 'maxTokens', message: 'Anthropic needs max tokens on every request.' });
  if (form.idColumn && columns.length && !columns.includes(form.idColumn)) errors.push({ field: 'idColumn', message: `"${form.idColumn}" is not a column of this file.` });
  let schema: Record<string, unknown> | undefined;
  if (form.schema.trim()) {
    try {
      const v: unknown = JSON.parse(form.schema);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) errors.push({ field: 'schema', message: 'The JSON schema must be an object, such as {"type": "object", ...}.' });
      else schema = v as Record<string, unknown>;
    } catch (e) {
      errors.push({ field: 'schema', message: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  if (errors.length) return { errors };
  return {
    template: {
      to: form.provider,
      model: form.model.trim(),
      user: form.user,
      ...(form.system.trim() ? { system: form.system } : {}),
      ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
      ...(form.idColumn ? { id_column: form.idColumn } : {}),
      ...(schema ? { schema } : {}),
    },
  };
}

/** Which field a render problem points at: a placeholder error names its template ("the system template"). */
export function fieldOfReason(reason: string): FieldError['field'] {
  if (/\bsystem template\b/.test(reason)) return 'system';
  if (/\buser (template|message)\b/.test(reason)) return 'user';
  if (/\bid[_ ]column\b|custom_id|\bid\b/.test(reason)) return 'idColumn';
  return 'file';
}

export interface RowCount {
  rows: number;
  exact: boolean;
}

/**
 * Rows in a data file without reading it whole: Parquet says in its footer; a text table read whole when small,
 * otherwise its size divided by the average line length of its first ROW_COUNT_SAMPLE_BYTES.
 */
export async function countRows(path: string, format: DataFormat): Promise<RowCount> {
  if (format === 'parquet') {
    const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(path));
    return { rows: Number(meta.num_rows), exact: true };
  }
  const size = (await stat(path)).size;
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(size, ROW_COUNT_SAMPLE_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  return rowsFromHead(head, size, format);
}

/** The row count from the file's first bytes (all of them when `head.length === size`). Exported for tests. */
export function rowsFromHead(head: Buffer, size: number, format: DataFormat): RowCount {
  const whole = head.length >= size;
  let lines = 0;
  let lastNewline = -1;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 10) continue;
    // Blank lines are no rows (JSONL skips them; a CSV's trailing newline too).
    if (i - lastNewline > 1 && !(i - lastNewline === 2 && head[i - 1] === 13)) lines++;
    lastNewline = i;
  }
  if (whole && lastNewline < head.length - 1 && head.subarray(lastNewline + 1).toString('utf8').trim()) lines++;
  // A CSV/TSV header is not a row; a JSON array's brackets are on their own lines at most.
  const headerLines = format === 'csv' || format === 'tsv' ? 1 : 0;
  if (whole) return { rows: Math.max(0, lines - headerLines), exact: format !== 'json' };
  const counted = Math.max(1, lines);
  const bytesPerLine = (lastNewline + 1) / counted;
  return { rows: Math.max(0, Math.round(size / bytesPerLine) - headerLines), exact: false };
}

/** The preview the webview shows: the first rendered requests in full, and every skipped row sampled. */
export function shapePreview(items: PreviewItem[], estimate: PreviewEstimate | null, warnings: string[]): Preview {
  const requests: Preview['requests'] = [];
  const skipped: Preview['skipped'] = [];
  for (const item of items) {
    if ('skipped' in item) skipped.push({ row: item.row, reason: item.skipped });
    else if (requests.length < PREVIEW_SHOWN) requests.push({ row: item.row, customId: item.custom_id, json: JSON.stringify(item.request, null, 2) });
  }
  return { requests, skipped, estimate, warnings };
}

/**
 * Tokens and cost of the whole file from the sampled rows: input tokens counted as `batchwise estimate` counts them
 * (tokens.ts), the output bounded by max tokens, then scaled from the sampled rows to the file's rows.
 */
export async function estimateFromSample(items: PreviewItem[], template: RequestTemplate, count: RowCount, overrides: PricingOverrides = {}): Promise<PreviewEstimate> {
  const counter = tokenCounterFor(template.to, template.model);
  if (counter.encoding) await loadEncoding(counter.encoding);
  let rendered = 0;
  let input = 0;
  let output = 0;
  for (const item of items) {
    if ('skipped' in item) continue;
    const r = describeRequest(item.request, template.to);
    if (!r) continue;
    rendered++;
    input += countRequest(r, counter);
    output += r.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  }
  return extrapolate({ sampled: items.length, rendered, inputTokens: input, outputTokensMax: output }, count, template.model, overrides, counter.method);
}

export interface SampleTotals {
  sampled: number;
  rendered: number;
  inputTokens: number;
  outputTokensMax: number;
}

/** Sample totals -> the whole file, priced. Pure arithmetic, tested on its own. */
export function extrapolate(s: SampleTotals, count: RowCount, model: string, overrides: PricingOverrides, tokenMethod: 'exact' | 'approx'): PreviewEstimate {
  // A file smaller than the sample was read whole: its totals are the file's.
  const rows = count.exact ? count.rows : Math.max(count.rows, s.sampled);
  const scale = s.sampled > 0 ? rows / s.sampled : 0;
  const requests = Math.round(s.rendered * scale);
  const inputTokens = Math.round(s.inputTokens * scale);
  const outputTokensMax = Math.round(s.outputTokensMax * scale);
  const price = lookupPrice(model, overrides);
  // Priced as the results are (the batch rate from the table, else half the standard one).
  const cost = costOf({ inputTokens, outputTokens: outputTokensMax }, price ?? undefined);
  return {
    rows,
    rowsExact: count.exact,
    requests,
    inputTokens,
    outputTokensMax,
    standardCost: cost.standard,
    batchCost: cost.batch,
    priceNote: price ? `priced as ${price.matched}${price.source === 'override' ? ' (your batchwise.pricing setting)' : ''}` : `no price known for ${model}: add it to the batchwise.pricing setting`,
    tokenMethod,
    sampledRows: s.sampled,
  };
}
