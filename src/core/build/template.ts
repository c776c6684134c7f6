import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import Mustache from 'mustache';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { LineFormat } from '../tokens';
import { nearest } from '../rules/nearest';

/**
 * A request template: the prompts with `{{column}}` placeholders, the model and its parameters, and an optional JSON
 * schema for structured output. Given as a YAML or JSON file (`--template`), or by options; options win.
 */
export const TemplateFileSchema = z.strictObject({
  to: z.enum(['openai', 'anthropic', 'gemini']).optional(),
  model: z.string().min(1).optional(),
  system: z.string().optional(),
  user: z.string().optional(),
  max_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  /** The column whose value becomes each request's custom_id (Gemini `key`); without it, a hash of the row. */
  id_column: z.string().min(1).optional(),
  /** JSON schema the answer must follow: OpenAI response_format, Anthropic output_config.format, Gemini responseJsonSchema. */
  schema: z.record(z.string(), z.unknown()).optional(),
  /** OpenAI's json_schema.name. */
  schema_name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64').optional(),
  /** Extra fields merged into each provider request (OpenAI body, Anthropic params, Gemini request); strings are templates too. */
  body: z.record(z.string(), z.unknown()).optional(),
});
export type TemplateFile = z.infer<typeof TemplateFileSchema>;

/** A template with everything resolved: the target, the model, a user message. */
export interface RequestTemplate extends Omit<TemplateFile, 'to' | 'model' | 'user'> {
  to: LineFormat;
  model: string;
  user: string;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Reads a `--template` file (.yaml/.yml or .json); every problem names the file and the field. */
export async function loadTemplateFile(path: string): Promise<TemplateFile> {
  const text = await readFile(path, 'utf8');
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new TemplateError(`${path} is not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const parsed = TemplateFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const at = i.path.length ? i.path.join('.') : 'the file';
      if (i.code === 'unrecognized_keys') {
        const known = Object.keys(TemplateFileSchema.shape);
        return `${i.keys.map((k) => `unknown field "${k}" (did you mean "${nearest(k, known)}"?)`).join('; ')}; the fields are ${known.join(', ')}`;
      }
      return `${at}: ${i.message}`;
    });
    throw new TemplateError(`${path}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Options over the file; the target defaults to OpenAI. A template without a user message or a model is an error. */
export function resolveTemplate(file: TemplateFile, overrides: Partial<TemplateFile> = {}): RequestTemplate {
  const merged: TemplateFile = { ...file };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  if (merged.user === undefined || merged.user.trim() === '') throw new TemplateError('no user message: give --user "..." or a "user:" field in --template, with {{column}} placeholders');
  if (!merged.model) throw new TemplateError('no model: give --model M or a "model:" field in --template');
  return { ...merged, to: merged.to ?? 'openai', model: merged.model, user: merged.user };
}

// ---------- rendering ----------

/** A placeholder that names a column the row does not have. */
export class MissingColumn extends Error {
  constructor(
    readonly column: string,
    readonly where: string,
    columns: string[],
  ) {
    const hint = columns.length ? ` (did you mean "${nearest(column, columns)}"?); the row has ${columns.join(', ')}` : '; the row has no columns';
    super(`{{${column}}} in the ${where} template is not a column${hint}`);
    this.name = 'MissingColumn';
  }
}

type Token = [string, string, number, number, Token[]?];

/** One template text, parsed once: the placeholders outside sections must be columns of every row. */
export interface TextTemplate {
  source: string;
  where: string;
  names: string[];
}

/** Parses a text and lists the names to check; bad syntax or a partial is a TemplateError naming the field. */
export function compileText(source: string, where: string): TextTemplate {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(source) as unknown as Token[];
  } catch (e) {
    throw new TemplateError(`the ${where} template: ${e instanceof Error ? e.message : String(e)}`);
  }
  const names: string[] = [];
  for (const t of tokens) {
    if (t[0] === '>') throw new TemplateError(`the ${where} template uses a partial ({{> ${t[1]}}}), which batchwise build does not support`);
    // Inside a section names resolve against the section's items first: only the section's own name is checked.
    if ((t[0] === 'name' || t[0] === '&' || t[0] === '#' || t[0] === '^') && t[1] !== '.') names.push(t[1]);
  }
  return { source, where, names: [...new Set(names)] };
}

/** A value as prompt text: strings as they are (no HTML escaping: these are prompts), objects and arrays as JSON. */
function asText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** `{{{x}}}` and `{{& x}}` render like `{{x}}`: there is no escaping to turn off, and objects still print as JSON. */
class PromptWriter extends Mustache.Writer {
  override unescapedValue(token: string[], context: Mustache.Context): string {
    const v: unknown = context.lookup(token[1]!);
    return (v === null || v === undefined ? undefined : asText(v)) as string;
  }
}
const writer = new PromptWriter();
const CONFIG = { escape: asText };

/** The value at a dotted path (`a.b`), undefined when a step is missing. */
export function lookupPath(values: unknown, path: string): unknown {
  if (Object.hasOwn(values as object, path)) return (values as Record<string, unknown>)[path];
  let v: unknown = values;
  for (const step of path.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, step)) return undefined;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

/**
 * The row as Mustache's view: a flat column named `user.name` (a CSV header) is also reachable as `{{user.name}}`,
 * which Mustache would otherwise read as the field `name` of a column `user`.
 */
export function viewOf(values: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(values).some((k) => k.includes('.'))) return values;
  const view: Record<string, unknown> = { ...values };
  for (const [k, v] of Object.entries(values)) {
    if (!k.includes('.')) continue;
    const steps = k.split('.');
    let at: Record<string, unknown> = view;
    let ok = true;
    for (const s of steps.slice(0, -1)) {
      if (at[s] === undefined) at[s] = {};
      else if (typeof at[s] !== 'object' || at[s] === null) {
        ok = false;
        break;
      }
      at = at[s] as Record<string, unknown>;
    }
    if (ok && at[steps.at(-1)!] === undefined) at[steps.at(-1)!] = v;
  }
  return view;
}

/** Renders one text for one row; a placeholder with no column throws MissingColumn. */
export function renderText(t: TextTemplate, values: Record<string, unknown>, view: Record<string, unknown>): string {
  for (const name of t.names) if (lookupPath(view, name) === undefined) throw new MissingColumn(name, t.where, Object.keys(values));
  return writer.render(t.source, view, undefined, CONFIG);
}
