import { isJsonObject } from '../../core/json';
import { HttpError } from '../http';
import { BAD_JSON, type AnswerShape, type MarkerMemory, type Outcome } from '../markers';
import { sampleOfSchema } from '../../core/schemaSample';
import { approxTokens, contentText, embeddingVector, promptHash, promptOfMessages, replyText, truncatedReply } from '../replies';

/** A generateContent batch or an embedContent batch (`:asyncBatchEmbedContent`). */
export type GeminiBatchKind = 'generate' | 'embed';

/**
 * One request of a Gemini batch, reduced to what its deterministic answer needs: the reply is rebuilt from
 * `prompt` whenever the results are read, so a batch keeps neither the request body nor the answer in memory.
 */
export interface GeminiRequest {
  /** `metadata.key` of an inline request, or `key` of a file line. */
  key?: string;
  /** Inline `metadata`, echoed back on the response as the real service does. */
  metadata?: Record<string, string>;
  outcome: Outcome;
  /** The last user turn's text (generate) or the text to embed (embed), markers included. */
  prompt: string;
  inputTokens: number;
  /** embed: `outputDimensionality`. */
  dims?: number;
  /** `generationConfig.maxOutputTokens` (or snake_case): where a `[[truncate]]` answer stops. */
  maxOutputTokens?: number;
  /** `[[truncate]]` / `[[refuse]]` (markers.ts), decided at submission. */
  shape?: AnswerShape;
  /** `responseMimeType: application/json`: the answer is JSON (the schema's smallest instance when one is given). */
  json?: { schema?: unknown; broken: boolean };
}

/** Approximate bytes a request holds, for the batch store's byte budget. */
export function requestBytes(r: GeminiRequest): number {
  let n = 64 + r.prompt.length * 2 + (r.key?.length ?? 0) * 2;
  if (r.metadata) for (const [k, v] of Object.entries(r.metadata)) n += (k.length + v.length) * 2;
  return n;
}

/** The prompt and token count of a GenerateContentRequest (`contents` of user/model turns, optional system instruction). */
function generatePrompt(request: Record<string, unknown>): { prompt: string; inputTokens: number; maxOutputTokens?: number; json?: GeminiRequest['json'] } | string {
  const contents = request.contents;
  if (!Array.isArray(contents) || contents.length === 0) return 'contents: at least one Content is required';
  const { prompt, allText } = promptOfMessages(contents, 'user', 'parts');
  const system = request.systemInstruction ?? request.system_instruction;
  const systemText = isJsonObject(system) ? contentText(system.parts) : typeof system === 'string' ? system : '';
  const config = request.generationConfig ?? request.generation_config;
  const limit = isJsonObject(config) ? (config.maxOutputTokens ?? config.max_output_tokens) : undefined;
  const json = isJsonObject(config) ? jsonModeOf(config, request) : undefined;
  return { prompt, inputTokens: approxTokens(`${systemText}${allText}`), ...(typeof limit === 'number' ? { maxOutputTokens: limit } : {}), ...(json ? { json } : {}) };
}

/**
 * JSON mode (ai.google.dev/gemini-api/docs/structured-output): the schema applies with `responseMimeType:
 * application/json`, which then constrains decoding to it; JSON mode without a schema can still break under
 * `[[bad-json]]`.
 */
function jsonModeOf(config: Record<string, unknown>, request: Record<string, unknown>): GeminiRequest['json'] {
  if ((config.responseMimeType ?? config.response_mime_type) !== 'application/json') return undefined;
  const schema = config.responseJsonSchema ?? config.responseSchema ?? config.response_json_schema ?? config.response_schema;
  return schema !== undefined ? { schema, broken: false } : { broken: JSON.stringify(request).includes(BAD_JSON) };
}

/** The text and dimensions of an EmbedContentRequest (`content: {parts}`). */
function embedPrompt(request: Record<string, unknown>): { prompt: string; inputTokens: number; dims?: number } | string {
  const content = request.content;
  if (!isJsonObject(content) || !Array.isArray(content.parts)) return 'content: a Content with parts is required';
  const prompt = contentText(content.parts);
  const raw = request.outputDimensionality ?? request.output_dimensionality;
  const dims = typeof raw === 'number' && Number.isInteger(raw) && raw > 0 && raw <= 3072 ? raw : undefined;
  return { prompt, inputTokens: approxTokens(prompt), ...(dims ? { dims } : {}) };
}

/** The prompt, token count (and embedding size) of one request body, or what is wrong with it. */
export function parseOne(kind: GeminiBatchKind, request: unknown): { prompt: string; inputTokens: number; dims?: number; maxOutputTokens?: number; json?: GeminiRequest['json'] } | string {
  if (!isJsonObject(request)) return 'request: must be an object';
  return kind === 'embed' ? embedPrompt(request) : generatePrompt(request);
}

/** Decides the outcome of a request from its markers; `fallbackId` stands in for a missing key (fail-once memory). */
function outcomeOf(markers: MarkerMemory, raw: unknown, key: string | undefined, fallbackId: string): Outcome {
  return markers.outcome(JSON.stringify(raw) ?? '', `gemini:${key ?? fallbackId}`);
}

function shapeOf(markers: MarkerMemory, raw: unknown, key: string | undefined, fallbackId: string, limit: number | undefined): { shape?: AnswerShape } {
  const shape = markers.shape(JSON.stringify(raw) ?? '', `gemini:${key ?? fallbackId}`, limit);
  return shape === 'full' ? {} : { shape };
}

/**
 * `batch.inputConfig.requests.requests[]` of a create body: `{request, metadata?}` each. One malformed request
 * rejects the create with a 400 naming it, as the real service validates inline batches synchronously.
 */
export function parseInlineRequests(kind: GeminiBatchKind, items: unknown, markers: MarkerMemory, batchId: string): GeminiRequest[] {
  if (!Array.isArray(items) || items.length === 0) {
    throw new HttpError(400, 'batch.input_config.requests.requests: at least one request is required.');
  }
  return items.map((item, i) => {
    const where = `batch.input_config.requests.requests[${i}]`;
    if (!isJsonObject(item)) throw new HttpError(400, `${where}: must be an object with "request".`);
    const parsed = parseOne(kind, item.request);
    if (typeof parsed === 'string') throw new HttpError(400, `${where}.${parsed}`);
    const metadata = parseMetadata(item.metadata, where);
    const key = metadata?.key;
    return { ...parsed, ...(key !== undefined ? { key } : {}), ...(metadata ? { metadata } : {}), outcome: outcomeOf(markers, item, key, `${batchId}#${i}`), ...shapeOf(markers, item, key, `${batchId}#${i}`, parsed.maxOutputTokens) };
  });
}

/**
 * Inline `metadata` is a map of strings (InlinedRequest.metadata: Record<string, string> in @google/genai
 * dist/genai.d.ts), so a numeric `metadata.key` is refused with the rest of the create, never turned into a string.
 */
function parseMetadata(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw new HttpError(400, `${where}.metadata: must be a map of strings.`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new HttpError(400, `${where}.metadata.${k}: must be a string.`);
    out[k] = v;
  }
  return out;
}

/**
 * A file line's `key`: a non-empty string, as the Batch Mode docs define it ("a user-defined key"). A number is not
 * turned into one: that fails the batch on this line, as Batchwise's validator (rule invalid-custom-id) predicts.
 */
function fileKey(raw: unknown, line: number): { value: string; error?: undefined } | { error: string } {
  if (raw === undefined || raw === null || raw === '') return { error: `Input file line ${line}: "key" is required (a string).` };
  if (typeof raw !== 'string') return { error: `Input file line ${line}: "key" must be a string, got ${typeof raw === 'number' ? `the number ${raw}` : typeof raw}.` };
  return { value: raw };
}

/**
 * An uploaded JSONL input, line by line `{"key": "...", "request": {...}}`. The first bad line fails the batch
 * (returned as a message, applied when the batch leaves PENDING); a blank line is a request without a key, as
 * Batchwise's validator warns (rules/file.ts BLANK_EFFECT).
 */
export function parseFileRequests(kind: GeminiBatchKind, lines: Iterable<{ line: number; text: string }>, markers: MarkerMemory): GeminiRequest[] | string {
  const out: GeminiRequest[] = [];
  let blank: number | undefined;
  for (const { line, text } of lines) {
    if (text.trim() === '') {
      blank ??= line;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return `Input file line ${line}: not valid JSON.`;
    }
    if (!isJsonObject(value)) return `Input file line ${line}: expected a JSON object with "key" and "request".`;
    const key = fileKey(value.key, line);
    if (key.error !== undefined) return key.error;
    const parsed = parseOne(kind, value.request);
    if (typeof parsed === 'string') return `Input file line ${line}: ${parsed}.`;
    out.push({ ...parsed, key: key.value, outcome: outcomeOf(markers, value, key.value, `line${line}`), ...shapeOf(markers, value, key.value, `line${line}`, parsed.maxOutputTokens) });
  }
  if (out.length === 0) return 'The input file has no requests.';
  if (blank !== undefined) return `Input file line ${blank}: the line is empty; "key" is required (a string).`;
  return out;
}

/** A GenerateContentResponse for a request (camelCase, as the REST API answers). */
export function generateResponse(r: GeminiRequest, model: string, seed: string): Record<string, unknown> {
  const reply = replyText(r.prompt);
  const full = !r.json ? reply : r.json.broken ? `{"answer": ${JSON.stringify(reply)}` : JSON.stringify(r.json.schema !== undefined ? sampleOfSchema(r.json.schema, reply) : { answer: reply });
  const text = r.shape === 'truncated' ? truncatedReply(full, r.maxOutputTokens) : full;
  const output = r.shape === 'refused' ? 0 : approxTokens(text);
  // FinishReason (@google/genai dist/genai.d.ts): MAX_TOKENS when cut off; SAFETY with no content when declined.
  const candidate = r.shape === 'refused' ? { finishReason: 'SAFETY', index: 0 } : { content: { parts: [{ text }], role: 'model' }, finishReason: r.shape === 'truncated' ? 'MAX_TOKENS' : 'STOP', index: 0 };
  return {
    candidates: [candidate],
    usageMetadata: {
      promptTokenCount: r.inputTokens,
      candidatesTokenCount: output,
      totalTokenCount: r.inputTokens + output,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: r.inputTokens }],
    },
    modelVersion: model.replace(/^(models|tunedModels)\//, ''),
    responseId: `${promptHash(seed)}${promptHash(`${seed}#`)}`.slice(0, 22),
  };
}

/**
 * A batch embedding answer: a unit vector derived from the text (8 dimensions unless `outputDimensionality`) and the
 * tokens it billed. Shape: SingleEmbedContentResponse in @google/genai dist/genai.d.ts, `{embedding?, tokenCount?:
 * string}` (an int64, so a string in Google's JSON).
 */
export function embedResponse(r: GeminiRequest): Record<string, unknown> {
  return { embedding: { values: embeddingVector(r.prompt, r.dims ?? 8) }, tokenCount: String(r.inputTokens) };
}

/** The per-request error of a request carrying a failure marker (a google.rpc.Status, code 3 = INVALID_ARGUMENT). */
export function markerError(index: number): { code: number; message: string } {
  return { code: 3, message: `The emulator failed this request on purpose (it carries a failure marker, request ${index + 1}).` };
}
