import type { ProviderId } from './status';
import { normalizeModelId } from './pricingData';
import { isJsonObject, type JsonObject } from './json';

/**
 * Token counting for estimates.
 *
 * OpenAI models: exact BPE counts with gpt-tokenizer, o200k_base for the gpt-4o / 4.1 / 4.5 / 5 and
 * o-series families, cl100k_base for gpt-4, gpt-3.5 and the embedding models. The encoders are
 * module-level singletons (gpt-tokenizer builds each once and keeps its merge cache), each loaded on
 * first use by loadEncoding(): building both takes about 190 ms, which start-up should not pay.
 *
 * Claude and Gemini: their tokenizers are not public, so the count is an approximation of
 * one token per APPROX_CHARS_PER_TOKEN characters of text (English prose runs at 3.5 to 4
 * characters per token on both; 3.5 leans towards over- rather than under-estimating; code
 * and CJK text run denser and are under-counted).
 */
export const APPROX_CHARS_PER_TOKEN = 3.5;

/** OpenAI chat framing: every message costs 3 tokens on top of its role and content, every reply is primed with 3. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_REPLY = 3;
/** An image part, counted as one 512px tile plus the base (OpenAI high detail: 85 + 170 per tile). Low detail is 85. */
export const TOKENS_PER_IMAGE = 255;
export const TOKENS_PER_IMAGE_LOW = 85;

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface TokenCounter {
  /** `exact` for an OpenAI encoding, `approx` for the characters-per-token rule. */
  readonly method: 'exact' | 'approx';
  readonly encoding: EncodingName | null;
  count(text: string): number;
}

type CountFn = (text: string) => number;
const counters: Partial<Record<EncodingName, CountFn>> = {};
const loading: Partial<Record<EncodingName, Promise<void>>> = {};

/** Loads one encoding once (o200k_base is 3.4 MB of ranks, cl100k_base 1.3 MB): an estimate loads only what its models use. */
export function loadEncoding(name: EncodingName): Promise<void> {
  loading[name] ??= (name === 'o200k_base' ? import('gpt-tokenizer/encoding/o200k_base') : import('gpt-tokenizer/encoding/cl100k_base')).then((m) => {
    counters[name] = m.countTokens;
  });
  return loading[name];
}

/** Loads both encoders; every exact count needs its encoding to have loaded. */
export async function loadEncoders(): Promise<void> {
  await Promise.all([loadEncoding('o200k_base'), loadEncoding('cl100k_base')]);
}

function loaded(name: EncodingName): CountFn {
  const f = counters[name];
  if (!f) throw new Error(`tokens: await loadEncoding('${name}') before counting OpenAI tokens`);
  return f;
}

const O200K: TokenCounter = { method: 'exact', encoding: 'o200k_base', count: (t) => (t ? countBounded(loaded('o200k_base'), t) : 0) };
const CL100K: TokenCounter = { method: 'exact', encoding: 'cl100k_base', count: (t) => (t ? countBounded(loaded('cl100k_base'), t) : 0) };

/**
 * Longest run without whitespace tokenized as a whole. BPE cost grows with the square of a run's length (100,000
 * letters in a row take seconds, a 30 MB base64 blob or minified document would take hours), while real words are
 * short: a longer run is counted from its first LONG_RUN_CHARS characters, scaled to its length.
 */
export const LONG_RUN_CHARS = 2000;

/** `count(text)`, exact for ordinary text; runs over LONG_RUN_CHARS without whitespace are extrapolated. */
export function countBounded(count: CountFn, text: string): number {
  let total = 0;
  let from = 0;
  let runStart = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) continue;
    if (i - runStart > LONG_RUN_CHARS) {
      if (runStart > from) total += count(text.slice(from, runStart));
      const sample = count(text.slice(runStart, runStart + LONG_RUN_CHARS));
      total += Math.ceil((sample * (i - runStart)) / LONG_RUN_CHARS);
      from = i;
    }
    runStart = i + 1;
  }
  if (from === 0) return count(text);
  return from < text.length ? total + count(text.slice(from)) : total;
}
const APPROX: TokenCounter = { method: 'approx', encoding: null, count: approxTokens };

export function approxTokens(text: string): number {
  return text ? Math.ceil(text.length / APPROX_CHARS_PER_TOKEN) : 0;
}

/**
 * The encoding an OpenAI model uses, or null for a model that is not OpenAI's (Claude, Gemini, a
 * self-hosted Llama...). Unknown OpenAI-looking names fall to o200k_base, the encoding of every model since gpt-4o.
 */
export function encodingForModel(model: string | null | undefined): EncodingName | null {
  if (!model) return null;
  const id = normalizeModelId(model).replace(/^ft:/, '');
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-4o|gpt-oss|omni-moderation|codex)/.test(id)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|text-embedding-|text-davinci-00[23]|text-moderation)/.test(id)) return 'cl100k_base';
  if (/^(gpt-|text-|davinci|babbage)/.test(id)) return 'o200k_base';
  return null;
}

/**
 * The counter for a request: exact when the model names an OpenAI encoding; the approximation for
 * Anthropic and Gemini, and for OpenAI-format files aimed at other models (self-hosted Llama, Qwen...).
 */
export function tokenCounterFor(provider: ProviderId | null, model: string | null | undefined): TokenCounter {
  if (provider === 'anthropic' || provider === 'gemini') return APPROX;
  const enc = encodingForModel(model);
  if (enc === 'o200k_base') return O200K;
  if (enc === 'cl100k_base') return CL100K;
  // No model: counted with gpt-4o's encoding. A model that is not OpenAI's (Llama on vLLM): the approximation.
  return model ? APPROX : O200K;
}

/** The counted parts of one request, independent of the encoder (so a sampled line can be extrapolated). */
export interface RequestText {
  model: string | null;
  /** The text the model reads: message contents, roles, system prompt, tool schemas. */
  texts: string[];
  /** Fixed tokens not derived from text: message framing, images. */
  fixedTokens: number;
  /** The output cap the request sets, or null when it sets none. 0 for endpoints with no text output (embeddings). */
  maxOutputTokens: number | null;
  /** True for endpoints that produce no output tokens (embeddings, moderations). */
  noOutput: boolean;
  /** How the endpoint bills when it is not by token: free (moderations) or why no per-token price applies. */
  billing?: 'free' | { perUnit: string };
}

export function textChars(r: RequestText): number {
  let n = 0;
  for (const t of r.texts) n += t.length;
  return n;
}

export function countRequest(r: RequestText, counter: TokenCounter): number {
  let n = r.fixedTokens;
  for (const t of r.texts) n += counter.count(t);
  return n;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

export type LineFormat = 'openai' | 'anthropic' | 'gemini';

/** Which provider's line shape an object has: `params` is Anthropic, `request` Gemini, `body` OpenAI (and self-hosted). */
export function lineFormat(obj: unknown): LineFormat | null {
  if (!isJsonObject(obj)) return null;
  if (isJsonObject(obj.params)) return 'anthropic';
  if (isJsonObject(obj.request)) return 'gemini';
  if (isJsonObject(obj.body) || typeof obj.url === 'string') return 'openai';
  return null;
}

/** Reads what one input line asks for, whatever its provider format. Null when the line is none of them. */
export function describeRequest(obj: unknown, format: LineFormat): RequestText | null {
  if (!isJsonObject(obj)) return null;
  if (format === 'anthropic') return isJsonObject(obj.params) ? describeAnthropic(obj.params) : null;
  if (format === 'gemini') return isJsonObject(obj.request) ? describeGemini(obj.request) : null;
  return isJsonObject(obj.body) ? describeOpenAi(obj.body, typeof obj.url === 'string' ? obj.url : '') : null;
}

function describeOpenAi(body: JsonObject, url: string): RequestText {
  const r: RequestText = { model: str(body.model), texts: [], fixedTokens: 0, maxOutputTokens: null, noOutput: false };
  if (url.includes('/embeddings') || url.includes('/moderations')) {
    r.noOutput = true;
    r.maxOutputTokens = 0;
    addInputs(r, body.input);
    // https://platform.openai.com/docs/guides/moderation: the moderation endpoint is free to use.
    if (url.includes('/moderations')) r.billing = 'free';
    return r;
  }
  if (url.startsWith('/v1/images/') || url === '/v1/videos') {
    // Priced per image (by size and quality) or per second of video: the prompt's tokens are not the bill.
    r.noOutput = true;
    r.maxOutputTokens = 0;
    if (typeof body.prompt === 'string') r.texts.push(body.prompt);
    r.billing = { perUnit: url === '/v1/videos' ? `${url} is priced per second of video, not per token` : `${url} is priced per image (by size and quality), not per token` };
    return r;
  }
  if (Array.isArray(body.messages)) {
    for (const m of body.messages) addOpenAiMessage(r, m);
    r.fixedTokens += TOKENS_PER_REPLY;
  }
  if (url.includes('/responses')) {
    if (typeof body.instructions === 'string') r.texts.push(body.instructions);
    if (typeof body.input === 'string') r.texts.push(body.input);
    else if (Array.isArray(body.input)) for (const m of body.input) addOpenAiMessage(r, m);
  } else if (body.prompt !== undefined) {
    addInputs(r, body.prompt);
  }
  if (body.tools !== undefined) r.texts.push(JSON.stringify(body.tools));
  if (body.functions !== undefined) r.texts.push(JSON.stringify(body.functions));
  if (body.response_format !== undefined && isJsonObject(body.response_format) && body.response_format.json_schema) r.texts.push(JSON.stringify(body.response_format.json_schema));
  r.maxOutputTokens = num(body.max_completion_tokens) ?? num(body.max_tokens) ?? num(body.max_output_tokens);
  return r;
}

function addOpenAiMessage(r: RequestText, m: unknown): void {
  if (!isJsonObject(m)) return;
  r.fixedTokens += TOKENS_PER_MESSAGE;
  if (typeof m.role === 'string') r.texts.push(m.role);
  if (typeof m.name === 'string') {
    r.texts.push(m.name);
    r.fixedTokens += 1;
  }
  addContent(r, m.content);
  if (m.tool_calls !== undefined) r.texts.push(JSON.stringify(m.tool_calls));
}

/** Content as a string or an array of parts (OpenAI text/image_url/input_text, Anthropic text/image). */
function addContent(r: RequestText, content: unknown): void {
  if (typeof content === 'string') {
    r.texts.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (typeof part === 'string') r.texts.push(part);
    else if (!isJsonObject(part)) continue;
    else if (typeof part.text === 'string') r.texts.push(part.text);
    else if (part.type === 'image_url' || part.type === 'input_image' || part.type === 'image') {
      const detail = isJsonObject(part.image_url) ? part.image_url.detail : part.detail;
      r.fixedTokens += detail === 'low' ? TOKENS_PER_IMAGE_LOW : TOKENS_PER_IMAGE;
    } else if (part.type === 'tool_result' || part.type === 'tool_use') r.texts.push(JSON.stringify(part.content ?? part.input ?? ''));
  }
}

function addInputs(r: RequestText, input: unknown): void {
  if (typeof input === 'string') r.texts.push(input);
  else if (Array.isArray(input)) {
    for (const item of input) {
      if (typeof item === 'string') r.texts.push(item);
      // Pre-tokenized input (arrays of token ids) counts one token per id.
      else if (typeof item === 'number') r.fixedTokens += 1;
      else if (Array.isArray(item)) r.fixedTokens += item.length;
      else if (isJsonObject(item)) addContent(r, [item]);
    }
  }
}

function describeAnthropic(params: JsonObject): RequestText {
  const r: RequestText = { model: str(params.model), texts: [], fixedTokens: 0, maxOutputTokens: num(params.max_tokens), noOutput: false };
  if (params.system !== undefined) addContent(r, params.system);
  if (Array.isArray(params.messages)) {
    for (const m of params.messages) {
      if (!isJsonObject(m)) continue;
      r.fixedTokens += TOKENS_PER_MESSAGE;
      addContent(r, m.content);
    }
  }
  if (params.tools !== undefined) r.texts.push(JSON.stringify(params.tools));
  return r;
}

function describeGemini(req: JsonObject): RequestText {
  const config = isJsonObject(req.generationConfig) ? req.generationConfig : isJsonObject(req.generation_config) ? req.generation_config : {};
  const r: RequestText = {
    model: str(req.model),
    texts: [],
    fixedTokens: 0,
    maxOutputTokens: num(config.maxOutputTokens) ?? num(config.max_output_tokens),
    noOutput: false,
  };
  const system = req.systemInstruction ?? req.system_instruction;
  if (typeof system === 'string') r.texts.push(system);
  else if (isJsonObject(system)) addGeminiParts(r, system.parts);
  const contents = Array.isArray(req.contents) ? req.contents : isJsonObject(req.content) ? [req.content] : [];
  for (const c of contents) {
    if (!isJsonObject(c)) continue;
    r.fixedTokens += TOKENS_PER_MESSAGE;
    addGeminiParts(r, c.parts);
  }
  if (req.tools !== undefined) r.texts.push(JSON.stringify(req.tools));
  return r;
}

function addGeminiParts(r: RequestText, parts: unknown): void {
  if (!Array.isArray(parts)) return;
  for (const p of parts) {
    if (!isJsonObject(p)) continue;
    if (typeof p.text === 'string') r.texts.push(p.text);
    // Gemini bills an image as 258 tokens (up to 384px per side; larger ones are tiled).
    else if (p.inlineData !== undefined || p.inline_data !== undefined || p.fileData !== undefined || p.file_data !== undefined) r.fixedTokens += 258;
  }
}
