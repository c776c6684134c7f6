import { z } from 'zod';
import { forcedTool } from './enforceSchema';
import { isJsonObject, type JsonObject } from '../json';

/**
 * A succeeded line can still be useless: cut off at its token limit, empty, or refused. `quality` says so, next to
 * the outcome, from each provider's own fields:
 *
 * | provider / API              | truncated                                              | refused                                                                 | source |
 * |-----------------------------|--------------------------------------------------------|-------------------------------------------------------------------------|--------|
 * | OpenAI chat (and vLLM)      | `choices[0].finish_reason: "length"`                   | `message.refusal` set, or `finish_reason: "content_filter"`             | openai-node resources/chat/completions.d.ts `ChatCompletion.Choice` |
 * | OpenAI Responses            | `status: "incomplete"`, `incomplete_details.reason: "max_output_tokens"` | an output part of type `"refusal"`, or reason `"content_filter"` | openai-node resources/responses/responses.d.ts `Response` |
 * | Anthropic Messages          | `stop_reason: "max_tokens"`                            | `stop_reason: "refusal"`                                                | @anthropic-ai/sdk resources/messages/messages.d.ts `StopReason` |
 * | Gemini generateContent      | `candidates[0].finishReason: "MAX_TOKENS"`             | finishReason `SAFETY`, `RECITATION`, `PROHIBITED_CONTENT`, `BLOCKLIST`, `SPII`, `IMAGE_SAFETY`; `promptFeedback.blockReason` | @google/genai dist/genai.d.ts `FinishReason`, `BlockedReason` |
 *
 * `empty`: no text at all in a succeeded answer (a reasoning model that spent its whole budget thinking, with
 * finish reason length, is `empty` rather than `truncated`: there is nothing to keep).
 */
export const QualitySchema = z.enum(['ok', 'truncated', 'empty', 'refused', 'invalid_json', 'schema_mismatch']);
export type Quality = z.infer<typeof QualitySchema>;
export const QUALITIES: readonly Quality[] = QualitySchema.options;

/** Counts of the flagged classes (never `ok`), only those with lines. */
export type FlaggedCounts = Partial<Record<Exclude<Quality, 'ok'>, number>>;

/** The flagged classes that have lines, from per-quality counts (a summary's `quality`, a job's `flagged`). */
export function flaggedCounts(counts: Partial<Record<Quality, number>> | undefined): FlaggedCounts {
  const out: FlaggedCounts = {};
  for (const q of QUALITIES) if (q !== 'ok' && (counts?.[q] ?? 0) > 0) out[q] = counts![q]!;
  return out;
}

/** "12 truncated, 1 refused" ('' when nothing is flagged), each count written by `format`. */
export function describeFlagged(counts: Partial<Record<Quality, number>> | undefined, format: (n: number) => string = (n) => n.toLocaleString('en-US')): string {
  return Object.entries(flaggedCounts(counts))
    .map(([q, n]) => `${format(n)} ${q.replace('_', ' ')}`)
    .join(', ');
}

export interface QualityVerdict {
  quality: Quality;
  /** Why a line is flagged, in the provider's words (its finish reason). */
  reason?: string;
}

const GEMINI_REFUSALS = new Set(['SAFETY', 'RECITATION', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

const OK: QualityVerdict = { quality: 'ok' };

/** Where a batch line keeps the model's answer: OpenAI/vLLM `response.body`, Anthropic `result.message`, Gemini `response`. */
function answerOf(raw: unknown): JsonObject | undefined {
  if (!isJsonObject(raw)) return undefined;
  if (isJsonObject(raw.response) && isJsonObject(raw.response.body)) return raw.response.body;
  if (isJsonObject(raw.result) && isJsonObject(raw.result.message)) return raw.result.message;
  if (isJsonObject(raw.response)) return raw.response;
  return raw;
}

function openaiChat(body: JsonObject, hasText: boolean): QualityVerdict | undefined {
  if (!Array.isArray(body.choices)) return undefined;
  const choice = isJsonObject(body.choices[0]) ? body.choices[0] : {};
  const message = isJsonObject(choice.message) ? choice.message : {};
  if (typeof message.refusal === 'string' && message.refusal) return { quality: 'refused', reason: `refusal: ${message.refusal}` };
  if (choice.finish_reason === 'content_filter') return { quality: 'refused', reason: 'finish_reason: content_filter' };
  if (choice.finish_reason === 'length') return { quality: hasText ? 'truncated' : 'empty', reason: 'finish_reason: length' };
  return hasText ? OK : { quality: 'empty', reason: `no text (finish_reason: ${String(choice.finish_reason ?? 'none')})` };
}

function openaiResponses(body: JsonObject, hasText: boolean): QualityVerdict | undefined {
  if (body.object !== 'response') return undefined;
  const output = Array.isArray(body.output) ? body.output : [];
  for (const item of output) {
    const parts = isJsonObject(item) && Array.isArray(item.content) ? item.content : [];
    const refusal = parts.find((p) => isJsonObject(p) && p.type === 'refusal');
    if (isJsonObject(refusal)) return { quality: 'refused', reason: `refusal: ${String(refusal.refusal ?? '')}` };
  }
  const reason = isJsonObject(body.incomplete_details) ? body.incomplete_details.reason : undefined;
  if (body.status === 'incomplete' && reason === 'content_filter') return { quality: 'refused', reason: 'incomplete: content_filter' };
  if (body.status === 'incomplete' && reason === 'max_output_tokens') return { quality: hasText ? 'truncated' : 'empty', reason: 'incomplete: max_output_tokens' };
  return hasText ? OK : { quality: 'empty', reason: 'no output text' };
}

function anthropic(message: JsonObject, hasText: boolean): QualityVerdict | undefined {
  if (message.type !== 'message' && message.role !== 'assistant') return undefined;
  if (message.stop_reason === 'refusal') return { quality: 'refused', reason: 'stop_reason: refusal' };
  if (message.stop_reason === 'max_tokens') return { quality: hasText ? 'truncated' : 'empty', reason: 'stop_reason: max_tokens' };
  // A tool call is an answer without text.
  const tool = Array.isArray(message.content) && message.content.some((b) => isJsonObject(b) && b.type === 'tool_use');
  return hasText || tool ? OK : { quality: 'empty', reason: `no text (stop_reason: ${String(message.stop_reason ?? 'none')})` };
}

function gemini(response: JsonObject, hasText: boolean): QualityVerdict | undefined {
  const feedback = isJsonObject(response.promptFeedback) ? response.promptFeedback : undefined;
  if (feedback && typeof feedback.blockReason === 'string') return { quality: 'refused', reason: `promptFeedback.blockReason: ${feedback.blockReason}` };
  if (!Array.isArray(response.candidates)) return undefined;
  const candidate = isJsonObject(response.candidates[0]) ? response.candidates[0] : {};
  const finish = typeof candidate.finishReason === 'string' ? candidate.finishReason : undefined;
  if (finish && GEMINI_REFUSALS.has(finish)) return { quality: 'refused', reason: `finishReason: ${finish}` };
  if (finish === 'MAX_TOKENS') return { quality: hasText ? 'truncated' : 'empty', reason: 'finishReason: MAX_TOKENS' };
  const call = isJsonObject(candidate.content) && Array.isArray(candidate.content.parts) && candidate.content.parts.some((p) => isJsonObject(p) && p.functionCall !== undefined);
  return hasText || call ? OK : { quality: 'empty', reason: `no text (finishReason: ${finish ?? 'none'})` };
}

/**
 * The quality of a succeeded answer from the provider's raw result line. Answers of other kinds (embeddings,
 * moderations, images: no finish reason to read) are `ok`.
 */
export function qualityOfAnswer(raw: unknown, outputText: string | undefined): QualityVerdict {
  const answer = answerOf(raw);
  if (!answer) return OK;
  const hasText = outputText !== undefined && outputText.trim() !== '';
  return openaiChat(answer, hasText) ?? openaiResponses(answer, hasText) ?? gemini(answer, hasText) ?? anthropic(answer, hasText) ?? OK;
}

/**
 * Whether a request line asks for JSON output, and its JSON schema when it gives one: OpenAI chat
 * `response_format: {type: json_object | json_schema}`, Responses `text.format`, Anthropic `output_config.format` (or the beta `output_format`) or a forced tool, Gemini
 * `generationConfig.responseMimeType: application/json` with `responseJsonSchema` / `responseSchema`.
 */
export function jsonRequestOf(line: unknown): { json: boolean; schema?: unknown } {
  if (!isJsonObject(line)) return { json: false };
  const typed = (f: unknown) => (isJsonObject(f) && (f.type === 'json_schema' || f.type === 'json_object') ? f : undefined);
  if (isJsonObject(line.body)) {
    const rf = typed(line.body.response_format);
    if (rf) return rf.type === 'json_schema' && isJsonObject(rf.json_schema) ? { json: true, schema: rf.json_schema.schema } : { json: true };
    const tf = isJsonObject(line.body.text) ? typed(line.body.text.format) : undefined;
    if (tf) return tf.type === 'json_schema' ? { json: true, schema: tf.schema } : { json: true };
    return { json: false };
  }
  if (isJsonObject(line.params)) {
    const p = line.params;
    const of = typed(isJsonObject(p.output_config) ? p.output_config.format : undefined) ?? typed(p.output_format);
    if (of) return { json: true, ...(of.type === 'json_schema' ? { schema: of.schema } : {}) };
    // A forced tool is structured output too: its input is the answer (see resultLine.ts).
    const tool = forcedTool(p);
    return tool ? { json: true, schema: tool.input_schema } : { json: false };
  }
  if (isJsonObject(line.request)) {
    const r = line.request;
    const gc = isJsonObject(r.generationConfig) ? r.generationConfig : isJsonObject(r.generation_config) ? r.generation_config : undefined;
    const schema = gc?.responseJsonSchema ?? gc?.responseSchema ?? gc?.response_schema ?? gc?.response_json_schema;
    const mime = gc?.responseMimeType ?? gc?.response_mime_type;
    return schema !== undefined ? { json: true, schema } : { json: mime === 'application/json' };
  }
  return { json: false };
}

