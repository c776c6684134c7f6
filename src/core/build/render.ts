import { lineFromNeutral, type NeutralRequest } from '../convert';
import { isJsonObject, type JsonObject } from '../json';
import { strictProblem } from '../results/enforceSchema';
import type { LineFormat } from '../tokens';
import { compileText, MissingColumn, renderText, viewOf, type RequestTemplate, type TextTemplate } from './template';

/** A template parsed once for a whole file: the texts, and the body's strings, each a compiled template. */
export interface CompiledTemplate {
  template: RequestTemplate;
  system?: TextTemplate;
  user: TextTemplate;
  /** Strings anywhere in `body`, by their source text. */
  bodyTexts: Map<string, TextTemplate>;
  /** OpenAI: the schema meets strict mode's rules (every property required, objects closed). */
  strictSchema: boolean;
  /** Said once per file, not per row (e.g. a schema that cannot be strict). */
  warnings: string[];
}

export function compileTemplate(template: RequestTemplate): CompiledTemplate {
  const bodyTexts = new Map<string, TextTemplate>();
  const walk = (v: unknown, where: string): void => {
    if (typeof v === 'string') {
      if (!bodyTexts.has(v)) bodyTexts.set(v, compileText(v, where));
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (isJsonObject(v)) for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  if (template.body) walk(template.body, 'body');
  const warnings: string[] = [];
  const problem = template.schema ? strictProblem(template.schema) : undefined;
  if (problem && template.to === 'openai') warnings.push(`the schema is sent with strict: false, as OpenAI's strict mode cannot take it (${problem})`);
  return {
    template,
    ...(template.system !== undefined ? { system: compileText(template.system, 'system') } : {}),
    user: compileText(template.user, 'user'),
    bodyTexts,
    strictSchema: problem === undefined,
    warnings,
  };
}

export type RenderResult = { ok: true; line: JsonObject } | { ok: false; reason: string };

/**
 * One row -> one request line for the template's provider, through convert's neutral request (the same writers
 * `batchwise convert` uses), then the structured-output field and the extra body fields that shape has no room for.
 */
export function renderRequest(values: Record<string, unknown>, compiled: CompiledTemplate, id: string): RenderResult {
  const t = compiled.template;
  const view = viewOf(values);
  let system: string | null = null;
  let user: string;
  let body: unknown;
  try {
    if (compiled.system) system = renderText(compiled.system, values, view) || null;
    user = renderText(compiled.user, values, view);
    if (t.body) body = renderBody(t.body, compiled.bodyTexts, values, view);
  } catch (e) {
    if (e instanceof MissingColumn) return { ok: false, reason: e.message };
    throw e;
  }
  if (user.trim() === '') return { ok: false, reason: 'the user message is empty for this row (its placeholders are empty cells)' };
  const req: NeutralRequest = {
    id,
    model: t.model,
    system,
    messages: [{ role: 'user', parts: [{ type: 'text', text: user }] }],
    maxTokens: t.max_tokens ?? null,
    ...(t.temperature !== undefined ? { temperature: t.temperature } : {}),
    ...(t.top_p !== undefined ? { topP: t.top_p } : {}),
    ...(t.top_k !== undefined ? { topK: t.top_k } : {}),
    ...(t.stop !== undefined ? { stop: typeof t.stop === 'string' ? [t.stop] : t.stop } : {}),
  };
  const r = lineFromNeutral(req, t.to);
  if (!r.ok) return r;
  const target = requestOf(r.value, t.to);
  if (t.schema) addSchema(target, t.to, t.schema, t.schema_name ?? 'response', compiled.strictSchema);
  if (isJsonObject(body)) deepMerge(target, body);
  return { ok: true, line: r.value };
}

/** Where a provider's request fields sit in its line. */
function requestOf(line: JsonObject, to: LineFormat): JsonObject {
  return (to === 'openai' ? line.body : to === 'anthropic' ? line.params : line.request) as JsonObject;
}

/**
 * Structured output per provider (see core/results/enforceSchema.ts for the table and sources): OpenAI chat
 * `response_format` json_schema (strict when the schema allows it), Anthropic `output_config.format` (GA constrained
 * decoding, @anthropic-ai/sdk OutputConfig), Gemini `responseMimeType` + `responseJsonSchema` (full JSON Schema;
 * `responseSchema` only takes an OpenAPI subset).
 */
function addSchema(target: JsonObject, to: LineFormat, schema: Record<string, unknown>, name: string, strict: boolean): void {
  if (to === 'openai') target.response_format = { type: 'json_schema', json_schema: { name, schema, strict } };
  else if (to === 'anthropic') target.output_config = { ...(isJsonObject(target.output_config) ? target.output_config : {}), format: { type: 'json_schema', schema } };
  else target.generationConfig = { ...(isJsonObject(target.generationConfig) ? target.generationConfig : {}), responseMimeType: 'application/json', responseJsonSchema: schema };
}

function renderBody(v: unknown, texts: Map<string, TextTemplate>, values: Record<string, unknown>, view: Record<string, unknown>): unknown {
  if (typeof v === 'string') return renderText(texts.get(v)!, values, view);
  if (Array.isArray(v)) return v.map((x) => renderBody(x, texts, values, view));
  if (isJsonObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderBody(x, texts, values, view)]));
  return v;
}

/** Objects merge key by key (body.generationConfig.seed keeps the rendered maxOutputTokens); anything else replaces. */
function deepMerge(target: JsonObject, extra: JsonObject): void {
  for (const [k, v] of Object.entries(extra)) {
    const cur = target[k];
    if (isJsonObject(cur) && isJsonObject(v)) deepMerge(cur, v);
    else target[k] = v;
  }
}
