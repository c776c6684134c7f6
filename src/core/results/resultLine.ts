import type { TokenUsage } from '../status';
import { ResultRecordSchema, type ProviderResult } from './record';
import { isJsonObject, type JsonObject } from '../json';
import { countOf } from '../format';
import { geminiResponseUsage } from './geminiUsage';
import { readBatchOutputLine } from './batchOutputLine';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/**
 * One line of any results file a user may open -> ProviderResult: an OpenAI (or vLLM `run-batch`, or
 * Batchwise runner) output / error line, an Anthropic results line, a Gemini result line, or a Batchwise
 * results.jsonl record. Returns undefined for lines that are none of these.
 */
export function parseResultLine(text: string): ProviderResult | undefined {
  if (!text.trim()) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(v)) return undefined;
  const record = ResultRecordSchema.safeParse(v);
  if (record.success) {
    const r = record.data;
    if (r.outcome === 'missing') return undefined;
    return { customId: r.customId, outcome: r.outcome, outputText: r.outputText, raw: r.raw, errorCode: r.errorCode, errorMessage: r.errorMessage, usage: r.usage };
  }
  if (typeof v.custom_id === 'string' && isJsonObject(v.result)) return anthropicResult(v.custom_id, v.result, v);
  if (typeof v.custom_id === 'string' && ('response' in v || 'error' in v)) return openaiResult(v.custom_id, v);
  if (typeof v.key === 'string' && ('response' in v || 'error' in v || 'status' in v)) return geminiLine(v.key, v);
  return undefined;
}

function openaiResult(customId: string, v: JsonObject): ProviderResult {
  const r = readBatchOutputLine(v);
  if (r.ok) return { customId, outcome: 'succeeded', outputText: openaiText(r.body), raw: v, usage: openaiUsage(r.body) };
  return { customId, outcome: r.outcome, raw: v, errorCode: r.code, errorMessage: r.message };
}

function openaiText(body: JsonObject): string | undefined {
  const choices = Array.isArray(body.choices) ? body.choices : undefined;
  if (choices?.length) {
    const c = choices[0] as JsonObject;
    const msg = isJsonObject(c.message) ? c.message : undefined;
    if (msg) {
      if (typeof msg.content === 'string') return msg.content;
      if (Array.isArray(msg.tool_calls)) return JSON.stringify(msg.tool_calls, null, 2);
      if (typeof msg.refusal === 'string') return msg.refusal;
    }
    if (typeof c.text === 'string') return c.text;
  }
  // Responses API: output[].content[].text
  if (Array.isArray(body.output)) {
    const texts: string[] = [];
    for (const item of body.output) {
      if (isJsonObject(item) && Array.isArray(item.content)) for (const c of item.content) if (isJsonObject(c) && typeof c.text === 'string') texts.push(c.text);
    }
    if (texts.length) return texts.join('');
  }
  if (typeof body.output_text === 'string') return body.output_text;
  if (Array.isArray(body.data) && body.object === 'list') return `[${countOf(body.data.length, 'embedding')}]`;
  return undefined;
}

function openaiUsage(body: JsonObject): TokenUsage | undefined {
  const u = isJsonObject(body.usage) ? body.usage : undefined;
  if (!u) return undefined;
  const input = Number(u.prompt_tokens ?? u.input_tokens ?? 0);
  const output = Number(u.completion_tokens ?? u.output_tokens ?? 0);
  const details = isJsonObject(u.prompt_tokens_details) ? u.prompt_tokens_details : isJsonObject(u.input_tokens_details) ? u.input_tokens_details : undefined;
  const cached = Number(details?.cached_tokens ?? 0);
  return { inputTokens: input || 0, outputTokens: output || 0, ...(cached ? { cachedTokens: cached } : {}) };
}

function anthropicResult(customId: string, result: JsonObject, raw: JsonObject): ProviderResult {
  const type = result.type;
  if (type === 'succeeded' && isJsonObject(result.message)) {
    const m = result.message;
    const blocks = Array.isArray(m.content) ? m.content : [];
    const text = blocks.map((b) => (isJsonObject(b) && typeof b.text === 'string' ? b.text : isJsonObject(b) && b.type === 'tool_use' ? JSON.stringify(b.input ?? {}, null, 2) : '')).join('');
    const u = isJsonObject(m.usage) ? m.usage : undefined;
    const usage = u ? { inputTokens: Number(u.input_tokens ?? 0), outputTokens: Number(u.output_tokens ?? 0), ...(u.cache_read_input_tokens ? { cachedTokens: Number(u.cache_read_input_tokens) } : {}) } : undefined;
    return { customId, outcome: 'succeeded', outputText: text, raw, usage };
  }
  if (type === 'expired') return { customId, outcome: 'expired', raw, errorCode: 'expired', errorMessage: 'The batch expired before this request was processed.' };
  if (type === 'canceled') return { customId, outcome: 'canceled', raw, errorCode: 'canceled', errorMessage: 'The batch was canceled before this request was processed.' };
  // errored: { error: { type: 'error', error: { type, message } } } (the inner error is the API error)
  const outer = isJsonObject(result.error) ? result.error : undefined;
  const inner = isJsonObject(outer?.error) ? outer.error : outer;
  return { customId, outcome: 'errored', raw, errorCode: str(inner?.type) ?? 'error', errorMessage: str(inner?.message) ?? 'The request errored.' };
}

function geminiLine(key: string, v: JsonObject): ProviderResult {
  const err = isJsonObject(v.error) ? v.error : isJsonObject(v.status) ? v.status : undefined;
  const response = isJsonObject(v.response) ? v.response : undefined;
  if (response && !err) {
    const cands = Array.isArray(response.candidates) ? response.candidates : [];
    const parts = isJsonObject(cands[0]) && isJsonObject(cands[0].content) && Array.isArray(cands[0].content.parts) ? cands[0].content.parts : [];
    const text = parts.map((p) => (isJsonObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
    return { customId: key, outcome: 'succeeded', outputText: text || undefined, raw: v, usage: geminiResponseUsage(response) };
  }
  return { customId: key, outcome: 'errored', raw: v, errorCode: str(err?.code) ?? 'error', errorMessage: str(err?.message) ?? 'The request errored.' };
}
