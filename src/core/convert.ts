import { basename, dirname, join } from 'node:path';
import { writeLinesAtomic } from './results/lineWriter';
import { readJsonlFile } from './jsonl';
import { lineFormat, type LineFormat } from './tokens';
import { isJsonObject, type JsonObject } from './json';

/**
 * Converts batch request lines between OpenAI chat completions, Anthropic messages and Gemini
 * generateContent through one neutral shape (system text, user/assistant turns of text and image
 * parts, output cap and sampling settings). What has no equivalent on the other side (tool calls,
 * audio, n > 1) makes the line unconvertible with a reason, never silently different.
 */

export { lineFormat, type LineFormat } from './tokens';

/** Anthropic requires max_tokens; this is what a line gets when its source sets no cap. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 1024;
const ANTHROPIC_ID = /^[a-zA-Z0-9_-]{1,64}$/;


export type Part =
  | { type: 'text'; text: string }
  | { type: 'image'; mediaType: string; data: string }
  | { type: 'image_url'; url: string };

export interface NeutralRequest {
  id: string;
  model: string | null;
  system: string | null;
  messages: { role: 'user' | 'assistant'; parts: Part[] }[];
  maxTokens: number | null;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
}

export interface ConvertOptions {
  to: LineFormat;
  /** Replaces every line's model (the model names differ between providers). */
  model?: string;
  defaultMaxTokens?: number;
}

export type ConvertLineResult = { ok: true; value: JsonObject; from: LineFormat; dropped: string[] } | { ok: false; reason: string };

class Unconvertible extends Error {}
const fail = (reason: string): never => {
  throw new Unconvertible(reason);
};

/** Converts one parsed line. `dropped` lists source fields with no equivalent that were left out. */
export function convertLine(obj: unknown, opts: ConvertOptions): ConvertLineResult {
  const from = lineFormat(obj);
  if (!from) return { ok: false, reason: 'not a batch request line (expected OpenAI "body", Anthropic "params" or Gemini "request")' };
  try {
    const dropped: string[] = [];
    const req = from === 'openai' ? fromOpenAi(obj as JsonObject, dropped) : from === 'anthropic' ? fromAnthropic(obj as JsonObject, dropped) : fromGemini(obj as JsonObject, dropped);
    if (opts.model) req.model = opts.model;
    const value = opts.to === 'openai' ? toOpenAi(req) : opts.to === 'anthropic' ? toAnthropic(req, opts.defaultMaxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS) : toGemini(req);
    return { ok: true, value, from, dropped };
  } catch (e) {
    if (e instanceof Unconvertible) return { ok: false, reason: e.message };
    throw e;
  }
}

/** Writes a neutral request as a `to` line: `batchwise build` renders table rows into this shape and reuses the writers. */
export function lineFromNeutral(req: NeutralRequest, to: LineFormat, defaultMaxTokens = DEFAULT_ANTHROPIC_MAX_TOKENS): { ok: true; value: JsonObject } | { ok: false; reason: string } {
  try {
    return { ok: true, value: to === 'openai' ? toOpenAi(req) : to === 'anthropic' ? toAnthropic(req, defaultMaxTokens) : toGemini(req) };
  } catch (e) {
    if (e instanceof Unconvertible) return { ok: false, reason: e.message };
    throw e;
  }
}

// ---------- readers ----------

const TEXT_SETTINGS_OPENAI = new Set(['model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'stream']);

function fromOpenAi(line: JsonObject, dropped: string[]): NeutralRequest {
  const url = typeof line.url === 'string' ? line.url : '';
  if (url && !url.endsWith('/chat/completions')) fail(`only chat completions convert (this line is ${url})`);
  const body = isJsonObject(line.body) ? line.body : fail('missing "body"');
  const id = typeof line.custom_id === 'string' ? line.custom_id : fail('missing "custom_id"');
  if (body.tools !== undefined || body.functions !== undefined) fail('tool definitions do not convert between providers');
  if (typeof body.n === 'number' && body.n > 1) fail('n > 1 has no equivalent');
  const messages = Array.isArray(body.messages) ? body.messages : fail('missing "messages"');
  const req: NeutralRequest = { id, model: str(body.model), system: null, messages: [], maxTokens: num(body.max_completion_tokens) ?? num(body.max_tokens) };
  const system: string[] = [];
  messages.forEach((m, i) => {
    if (!isJsonObject(m)) fail(`messages[${i}] is not an object`);
    const role = (m as JsonObject).role;
    const content = (m as JsonObject).content;
    if (role === 'system' || role === 'developer') system.push(textOnly(content, `messages[${i}]`));
    else if (role === 'user' || role === 'assistant') {
      if ((m as JsonObject).tool_calls !== undefined) fail(`messages[${i}] has tool calls, which do not convert`);
      req.messages.push({ role, parts: openAiParts(content, `messages[${i}]`) });
    } else fail(`messages[${i}] has role "${String(role)}", which does not convert`);
  });
  if (system.length) req.system = system.join('\n\n');
  if (typeof body.temperature === 'number') req.temperature = body.temperature;
  if (typeof body.top_p === 'number') req.topP = body.top_p;
  if (typeof body.stop === 'string') req.stop = [body.stop];
  else if (Array.isArray(body.stop)) req.stop = body.stop.filter((s): s is string => typeof s === 'string');
  for (const k of Object.keys(body)) if (!TEXT_SETTINGS_OPENAI.has(k)) dropped.push(k);
  return req;
}

function openAiParts(content: unknown, where: string): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return fail(`${where} has no content`);
  return content.map((p, j): Part => {
    if (isJsonObject(p) && p.type === 'text' && typeof p.text === 'string') return { type: 'text', text: p.text };
    if (isJsonObject(p) && p.type === 'image_url') {
      const url = isJsonObject(p.image_url) ? p.image_url.url : p.image_url;
      if (typeof url !== 'string') fail(`${where}.content[${j}] has no image URL`);
      return imageFromUrl(url as string);
    }
    return fail(`${where}.content[${j}] is a ${isJsonObject(p) ? String(p.type) : typeof p} part, which does not convert`);
  });
}

function imageFromUrl(url: string): Part {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { type: 'image', mediaType: m[1]!, data: m[2]! } : { type: 'image_url', url };
}

const TEXT_SETTINGS_ANTHROPIC = new Set(['model', 'messages', 'system', 'max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream']);

function fromAnthropic(line: JsonObject, dropped: string[]): NeutralRequest {
  const params = line.params as JsonObject;
  const id = typeof line.custom_id === 'string' ? line.custom_id : fail('missing "custom_id"');
  if (params.tools !== undefined) fail('tool definitions do not convert between providers');
  const messages = Array.isArray(params.messages) ? params.messages : fail('missing "messages"');
  const req: NeutralRequest = { id, model: str(params.model), system: null, messages: [], maxTokens: num(params.max_tokens) };
  if (params.system !== undefined) req.system = textOnly(params.system, 'system');
  messages.forEach((m, i) => {
    if (!isJsonObject(m) || (m.role !== 'user' && m.role !== 'assistant')) return fail(`messages[${i}] has role "${isJsonObject(m) ? String(m.role) : '?'}", which does not convert`);
    req.messages.push({ role: m.role, parts: anthropicParts(m.content, `messages[${i}]`) });
  });
  if (typeof params.temperature === 'number') req.temperature = params.temperature;
  if (typeof params.top_p === 'number') req.topP = params.top_p;
  if (typeof params.top_k === 'number') req.topK = params.top_k;
  if (Array.isArray(params.stop_sequences)) req.stop = params.stop_sequences.filter((s): s is string => typeof s === 'string');
  for (const k of Object.keys(params)) if (!TEXT_SETTINGS_ANTHROPIC.has(k)) dropped.push(k);
  return req;
}

function anthropicParts(content: unknown, where: string): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return fail(`${where} has no content`);
  return content.map((p, j): Part => {
    if (isJsonObject(p) && p.type === 'text' && typeof p.text === 'string') return { type: 'text', text: p.text };
    if (isJsonObject(p) && p.type === 'image' && isJsonObject(p.source)) {
      const s = p.source;
      if (s.type === 'base64' && typeof s.media_type === 'string' && typeof s.data === 'string') return { type: 'image', mediaType: s.media_type, data: s.data };
      if (s.type === 'url' && typeof s.url === 'string') return { type: 'image_url', url: s.url };
    }
    return fail(`${where}.content[${j}] is a ${isJsonObject(p) ? String(p.type) : typeof p} block, which does not convert`);
  });
}

const TEXT_SETTINGS_GEMINI = new Set(['model', 'contents', 'systemInstruction', 'system_instruction', 'generationConfig', 'generation_config']);
const GEN_CONFIG_KEYS = new Set(['maxOutputTokens', 'max_output_tokens', 'temperature', 'topP', 'top_p', 'topK', 'top_k', 'stopSequences', 'stop_sequences']);

function fromGemini(line: JsonObject, dropped: string[]): NeutralRequest {
  const request = line.request as JsonObject;
  const id = typeof line.key === 'string' ? line.key : fail('missing "key"');
  if (request.tools !== undefined) fail('tool definitions do not convert between providers');
  const contents = Array.isArray(request.contents) ? request.contents : fail('missing "contents"');
  const model = str(request.model);
  const req: NeutralRequest = { id, model: model ? model.replace(/^models\//, '') : null, system: null, messages: [], maxTokens: null };
  const system = request.systemInstruction ?? request.system_instruction;
  if (typeof system === 'string') req.system = system;
  else if (isJsonObject(system)) req.system = geminiParts(system.parts, 'systemInstruction').map((p) => (p.type === 'text' ? p.text : fail('systemInstruction has a non-text part'))).join('\n\n');
  contents.forEach((c, i) => {
    if (!isJsonObject(c)) return fail(`contents[${i}] is not an object`);
    const role = c.role ?? 'user';
    if (role !== 'user' && role !== 'model') return fail(`contents[${i}] has role "${String(role)}", which does not convert`);
    req.messages.push({ role: role === 'model' ? 'assistant' : 'user', parts: geminiParts(c.parts, `contents[${i}]`) });
  });
  const g = isJsonObject(request.generationConfig) ? request.generationConfig : isJsonObject(request.generation_config) ? request.generation_config : {};
  req.maxTokens = num(g.maxOutputTokens) ?? num(g.max_output_tokens);
  const t = g.temperature;
  if (typeof t === 'number') req.temperature = t;
  const tp = g.topP ?? g.top_p;
  if (typeof tp === 'number') req.topP = tp;
  const tk = g.topK ?? g.top_k;
  if (typeof tk === 'number') req.topK = tk;
  const stop = g.stopSequences ?? g.stop_sequences;
  if (Array.isArray(stop)) req.stop = stop.filter((s): s is string => typeof s === 'string');
  for (const k of Object.keys(request)) if (!TEXT_SETTINGS_GEMINI.has(k)) dropped.push(k);
  for (const k of Object.keys(g)) if (!GEN_CONFIG_KEYS.has(k)) dropped.push(`generationConfig.${k}`);
  return req;
}

function geminiParts(parts: unknown, where: string): Part[] {
  if (!Array.isArray(parts)) return fail(`${where} has no parts`);
  return parts.map((p, j): Part => {
    if (isJsonObject(p) && typeof p.text === 'string') return { type: 'text', text: p.text };
    const inline = isJsonObject(p) ? (p.inlineData ?? p.inline_data) : undefined;
    if (isJsonObject(inline) && typeof inline.data === 'string') {
      const mime = inline.mimeType ?? inline.mime_type;
      if (typeof mime === 'string' && mime.startsWith('image/')) return { type: 'image', mediaType: mime, data: inline.data };
    }
    return fail(`${where}.parts[${j}] is not text or an inline image, and does not convert`);
  });
}

/** System prompts must be text on every side. */
function textOnly(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p, j) => (isJsonObject(p) && typeof p.text === 'string' ? p.text : typeof p === 'string' ? p : fail(`${where}[${j}] is not text`)))
      .join('\n\n');
  }
  return fail(`${where} is not text`);
}

// ---------- writers ----------

/** o-series and gpt-5 reject max_tokens; older and self-hosted servers only know max_tokens. */
function usesMaxCompletionTokens(model: string | null): boolean {
  return !!model && /^(o\d|gpt-5)/.test(model);
}

function toOpenAi(r: NeutralRequest): JsonObject {
  const messages: JsonObject[] = [];
  if (r.system !== null) messages.push({ role: 'system', content: r.system });
  for (const m of r.messages) {
    const simple = m.parts.length === 1 && m.parts[0]!.type === 'text';
    const content = simple
      ? (m.parts[0] as { text: string }).text
      : m.parts.map((p) => {
          if (p.type === 'text') return { type: 'text', text: p.text };
          if (m.role === 'assistant') fail('an assistant message with an image does not convert to OpenAI');
          return { type: 'image_url', image_url: { url: p.type === 'image' ? `data:${p.mediaType};base64,${p.data}` : p.url } };
        });
    messages.push({ role: m.role, content });
  }
  const body: JsonObject = { model: r.model ?? fail('no model: pass --model'), messages };
  if (r.maxTokens !== null) body[usesMaxCompletionTokens(r.model) ? 'max_completion_tokens' : 'max_tokens'] = r.maxTokens;
  if (r.temperature !== undefined) body.temperature = r.temperature;
  if (r.topP !== undefined) body.top_p = r.topP;
  if (r.stop?.length) body.stop = r.stop;
  return { custom_id: r.id, method: 'POST', url: '/v1/chat/completions', body };
}

function toAnthropic(r: NeutralRequest, defaultMaxTokens: number): JsonObject {
  if (!ANTHROPIC_ID.test(r.id)) fail(`id "${r.id}" is not a valid Anthropic custom_id (letters, digits, _ and -, 1 to 64 characters)`);
  if (r.messages.length === 0) fail('no user or assistant messages');
  const messages = r.messages.map((m) => ({
    role: m.role,
    content:
      m.parts.length === 1 && m.parts[0]!.type === 'text'
        ? (m.parts[0] as { text: string }).text
        : m.parts.map((p) =>
            p.type === 'text'
              ? { type: 'text', text: p.text }
              : p.type === 'image'
                ? { type: 'image', source: { type: 'base64', media_type: p.mediaType, data: p.data } }
                : { type: 'image', source: { type: 'url', url: p.url } },
          ),
  }));
  const params: JsonObject = { model: r.model ?? fail('no model: pass --model'), max_tokens: r.maxTokens ?? defaultMaxTokens };
  if (r.system !== null) params.system = r.system;
  params.messages = messages;
  if (r.temperature !== undefined) params.temperature = r.temperature;
  if (r.topP !== undefined) params.top_p = r.topP;
  if (r.topK !== undefined) params.top_k = r.topK;
  if (r.stop?.length) params.stop_sequences = r.stop;
  return { custom_id: r.id, params };
}

function toGemini(r: NeutralRequest): JsonObject {
  if (r.messages.length === 0) fail('no user or assistant messages');
  const contents = r.messages.map((m) => ({
    role: m.role === 'assistant' ? 'model' : 'user',
    parts: m.parts.map((p) => {
      if (p.type === 'text') return { text: p.text };
      if (p.type === 'image') return { inlineData: { mimeType: p.mediaType, data: p.data } };
      return fail('an image given by URL does not convert to Gemini (inline it as base64 data)');
    }),
  }));
  const request: JsonObject = {};
  // Gemini takes the model from the batch; it is kept on each line so submit knows it and mixed models are caught.
  if (r.model) request.model = r.model;
  if (r.system !== null) request.systemInstruction = { parts: [{ text: r.system }] };
  request.contents = contents;
  const g: JsonObject = {};
  if (r.maxTokens !== null) g.maxOutputTokens = r.maxTokens;
  if (r.temperature !== undefined) g.temperature = r.temperature;
  if (r.topP !== undefined) g.topP = r.topP;
  if (r.topK !== undefined) g.topK = r.topK;
  if (r.stop?.length) g.stopSequences = r.stop;
  if (Object.keys(g).length) request.generationConfig = g;
  return { key: r.id, request };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

// ---------- files ----------

export interface ConvertProblem {
  line: number;
  reason: string;
}

export interface ConvertFileResult {
  file: string;
  out: string;
  to: LineFormat;
  /** Non-blank input lines. */
  lines: number;
  converted: number;
  /** Lines that could not be converted; `problems` keeps the first MAX_PROBLEMS of them. */
  failed: number;
  problems: ConvertProblem[];
  /** Source formats seen, with their line counts. */
  from: Partial<Record<LineFormat, number>>;
  /** Source fields left out because the target has no equivalent, with how many lines had them. */
  dropped: Record<string, number>;
  /** The model of the first converted line when no --model was given and it looks like another provider's. */
  modelWarning?: string;
}

/** Problems beyond this many are counted, not kept (a wrong file can have 50,000). */
const MAX_PROBLEMS = 1000;

/** `data.jsonl` -> `data.anthropic.jsonl`; `data.openai.jsonl` -> `data.anthropic.jsonl`. */
export function defaultOutPath(input: string, to: LineFormat): string {
  const name = basename(input).replace(/\.jsonl$/i, '').replace(/\.(openai|anthropic|gemini)$/i, '');
  return join(dirname(input), `${name}.${to}.jsonl`);
}

/**
 * Streams `input` to `out` line by line (never the whole file in memory). The output is written to a
 * temp file beside `out` and renamed at the end, so a failure or cancel leaves no half file.
 * Lines that cannot be converted are reported (line number and why) and left out; the rest go on.
 */
export async function convertFile(input: string, out: string, opts: ConvertOptions & { signal?: AbortSignal }): Promise<ConvertFileResult> {
  const result: ConvertFileResult = { file: input, out, to: opts.to, lines: 0, converted: 0, failed: 0, problems: [], from: {}, dropped: {} };
  await writeLinesAtomic(out, async (w) => {
    for await (const l of readJsonlFile(input, { signal: opts.signal })) {
      if (!l.text.trim()) continue;
      result.lines++;
      let obj: unknown;
      try {
        obj = JSON.parse(l.text);
      } catch (e) {
        result.failed++;
        if (result.problems.length < MAX_PROBLEMS) result.problems.push({ line: l.line, reason: `not valid JSON (${e instanceof Error ? e.message : String(e)})` });
        continue;
      }
      const r = convertLine(obj, opts);
      if (!r.ok) {
        result.failed++;
        if (result.problems.length < MAX_PROBLEMS) result.problems.push({ line: l.line, reason: r.reason });
        continue;
      }
      result.converted++;
      result.from[r.from] = (result.from[r.from] ?? 0) + 1;
      for (const k of r.dropped) result.dropped[k] = (result.dropped[k] ?? 0) + 1;
      if (!opts.model && result.converted === 1) result.modelWarning = foreignModelWarning(r.value, opts.to);
      await w.write(JSON.stringify(r.value) + '\n');
    }
  });
  if (!result.modelWarning) delete result.modelWarning;
  return result;
}

function foreignModelWarning(value: JsonObject, to: LineFormat): string | undefined {
  const model = to === 'openai' ? (value.body as JsonObject).model : to === 'anthropic' ? (value.params as JsonObject).model : (value.request as JsonObject).model;
  if (typeof model !== 'string') return undefined;
  const family = /^claude/.test(model) ? 'anthropic' : /^gemini/.test(model) ? 'gemini' : /^(gpt|o\d|text-)/.test(model) ? 'openai' : null;
  return family && family !== to ? `the model "${model}" was kept; pass --model to choose a model for ${to}` : undefined;
}
