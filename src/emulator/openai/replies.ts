import { BAD_JSON, type AnswerShape } from '../markers';
import { isJsonObject } from '../../core/json';
import { sampleOfSchema } from '../../core/schemaSample';
import { approxTokens, embeddingVector, promptOfMessages, promptHash, replyText, truncatedReply } from '../replies';
import { unixSeconds } from '../clock';

/**
 * Endpoints the emulator answers, in batches and directly: every endpoint a batch accepts, per openai-node's
 * `BatchCreateParams.endpoint` (node_modules/openai/resources/batches.d.ts).
 */
export const OPENAI_ENDPOINTS = ['/v1/chat/completions', '/v1/embeddings', '/v1/completions', '/v1/responses', '/v1/moderations', '/v1/images/generations', '/v1/images/edits', '/v1/videos'] as const;

/** A 1x1 PNG: an image answer small enough for tests and the results panel, still a real image. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Moderation categories, per openai-node's `Moderation.Categories` (resources/moderations.d.ts). */
const MODERATION_CATEGORIES = ['harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm', 'self-harm/instructions', 'self-harm/intent', 'sexual', 'sexual/minors', 'violence', 'violence/graphic'];

export interface OpenAiReply {
  body: unknown;
  inputTokens: number;
  outputTokens: number;
}

/**
 * The response body the real endpoint would return for `body`, built by the rule in ../replies.ts.
 * `seed` makes the ids stable (a batch line's ids derive from the batch and custom_id, so a re-download is identical).
 */
/** The output token limit a chat / completions / responses body sets (what a `[[truncate]]` answer stops at). */
export function outputLimitOf(body: Record<string, unknown>): number | undefined {
  for (const k of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) if (typeof body[k] === 'number') return body[k] as number;
  return undefined;
}

const REFUSAL = "I'm sorry, but I can't help with that.";

/**
 * A JSON answer when the body asks for one (`response_format` json_object / json_schema, Responses `text.format`):
 * the schema's smallest instance, or `{"answer": text}`. `[[bad-json]]` answers a cut-off object instead, unless the
 * schema is `strict`.
 */
function jsonAnswer(body: Record<string, unknown>, text: string): string | undefined {
  const rf = isJsonObject(body.response_format) ? body.response_format : isJsonObject(body.text) && isJsonObject(body.text.format) ? body.text.format : undefined;
  if (!rf || (rf.type !== 'json_object' && rf.type !== 'json_schema')) return undefined;
  const holder = rf.type === 'json_schema' ? (isJsonObject(rf.json_schema) ? rf.json_schema : rf) : undefined;
  // Strict structured outputs constrain decoding to the schema: no marker makes them break it.
  if (holder?.strict !== true && JSON.stringify(body).includes(BAD_JSON)) return `{"answer": ${JSON.stringify(text)}`;
  const schema = holder?.schema;
  return JSON.stringify(schema !== undefined ? sampleOfSchema(schema, text) : { answer: text });
}

export function openaiReply(endpoint: string, body: Record<string, unknown>, createdMs: number, seed: string, shape: AnswerShape = 'full'): OpenAiReply {
  const model = typeof body.model === 'string' ? body.model : 'unknown-model';
  const created = unixSeconds(createdMs);
  const idPart = promptHash(seed) + promptHash(`${seed}#`);
  switch (endpoint) {
    case '/v1/embeddings': {
      const inputs = embeddingInputs(body.input);
      const dims = typeof body.dimensions === 'number' && body.dimensions > 0 && body.dimensions <= 4096 ? Math.floor(body.dimensions) : 8;
      const base64 = body.encoding_format === 'base64';
      const inputTokens = inputs.reduce((n, t) => n + approxTokens(t), 0);
      return {
        body: {
          object: 'list',
          data: inputs.map((text, index) => {
            const vector = embeddingVector(text, dims);
            return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector };
          }),
          model,
          usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
        },
        inputTokens,
        outputTokens: 0,
      };
    }
    case '/v1/moderations': {
      const inputs = embeddingInputs(body.input);
      // `[[flag]]` in an input makes it flagged for violence: a result a test (or a demo) can filter on.
      const result = (text: string) => {
        const flagged = text.includes('[[flag]]');
        const of = <T>(value: (c: string) => T) => Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, value(c)]));
        return { flagged, categories: of((c) => flagged && c === 'violence'), category_scores: of((c) => (flagged && c === 'violence' ? 0.97 : 0.0001)), category_applied_input_types: of(() => ['text']) };
      };
      return {
        body: { id: `modr-${idPart}`, model: typeof body.model === 'string' ? body.model : 'omni-moderation-latest', results: inputs.map(result) },
        inputTokens: inputs.reduce((n, t) => n + approxTokens(t), 0),
        outputTokens: 0,
      };
    }
    case '/v1/images/generations':
    case '/v1/images/edits': {
      // ImagesResponse (resources/images.d.ts): GPT image models answer base64 data and token usage.
      const prompt = String(body.prompt ?? '');
      const n = typeof body.n === 'number' && Number.isInteger(body.n) && body.n >= 1 && body.n <= 10 ? body.n : 1;
      const inputTokens = approxTokens(prompt);
      const outputTokens = 272 * n;
      return {
        body: {
          created,
          background: 'opaque',
          data: Array.from({ length: n }, () => ({ b64_json: PNG_1X1 })),
          output_format: 'png',
          quality: typeof body.quality === 'string' ? body.quality : 'medium',
          size: typeof body.size === 'string' ? body.size : '1024x1024',
          usage: { input_tokens: inputTokens, input_tokens_details: { text_tokens: inputTokens, image_tokens: 0 }, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
        },
        inputTokens,
        outputTokens,
      };
    }
    case '/v1/videos': {
      // Video (resources/videos.d.ts): in a batch the job is answered once it has completed.
      return {
        body: {
          id: `video_${idPart}`,
          object: 'video',
          created_at: created,
          completed_at: created,
          expires_at: created + 24 * 3600,
          error: null,
          model: typeof body.model === 'string' ? body.model : 'sora-2',
          progress: 100,
          prompt: String(body.prompt ?? ''),
          remixed_from_video_id: null,
          seconds: typeof body.seconds === 'string' ? body.seconds : '4',
          size: typeof body.size === 'string' ? body.size : '720x1280',
          status: 'completed',
        },
        inputTokens: approxTokens(String(body.prompt ?? '')),
        outputTokens: 0,
      };
    }
    case '/v1/completions': {
      const prompt = Array.isArray(body.prompt) ? body.prompt.map(String).join('\n') : String(body.prompt ?? '');
      const text = replyText(prompt);
      const usage = tokens(prompt, text);
      return {
        body: { id: `cmpl-${idPart}`, object: 'text_completion', created, model, choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens } },
        ...usage,
      };
    }
    case '/v1/responses': {
      const { prompt, allText } = responsesPrompt(body);
      const plain = replyText(prompt);
      const full = jsonAnswer(body, plain) ?? plain;
      const text = shape === 'truncated' ? truncatedReply(full, outputLimitOf(body)) : shape === 'refused' ? '' : full;
      const usage = tokens(allText, text);
      // Response (openai-node resources/responses/responses.d.ts): `incomplete` at max_output_tokens; a refusal part.
      const content = shape === 'refused' ? [{ type: 'refusal', refusal: REFUSAL }] : [{ type: 'output_text', text, annotations: [] }];
      return {
        body: {
          id: `resp_${idPart}`,
          object: 'response',
          created_at: created,
          status: shape === 'truncated' ? 'incomplete' : 'completed',
          error: null,
          incomplete_details: shape === 'truncated' ? { reason: 'max_output_tokens' } : null,
          model,
          output: [{ type: 'message', id: `msg_${idPart}`, status: shape === 'truncated' ? 'incomplete' : 'completed', role: 'assistant', content }],
          output_text: text,
          usage: { input_tokens: usage.inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: usage.outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: usage.inputTokens + usage.outputTokens },
          metadata: isJsonObject(body.metadata) ? body.metadata : {},
        },
        ...usage,
      };
    }
    default: {
      const { prompt, allText } = promptOfMessages(body.messages);
      const plain = replyText(prompt);
      const full = jsonAnswer(body, plain) ?? plain;
      const text = shape === 'truncated' ? truncatedReply(full, outputLimitOf(body)) : shape === 'refused' ? '' : full;
      const usage = tokens(allText, text);
      // ChatCompletion.Choice (resources/chat/completions.d.ts): finish_reason length; message.refusal with null content.
      const message = shape === 'refused' ? { role: 'assistant', content: null, refusal: REFUSAL, annotations: [] } : { role: 'assistant', content: text, refusal: null, annotations: [] };
      return {
        body: {
          id: `chatcmpl-${idPart}`,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message, logprobs: null, finish_reason: shape === 'truncated' ? 'length' : 'stop' }],
          usage: {
            prompt_tokens: usage.inputTokens,
            completion_tokens: usage.outputTokens,
            total_tokens: usage.inputTokens + usage.outputTokens,
            prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
          },
          service_tier: 'default',
          system_fingerprint: 'fp_emulator',
        },
        ...usage,
      };
    }
  }
}

/** What a request must carry for its endpoint (checked by the batch validator and the direct routes). */
/** Endpoints whose model is optional (the service picks a default). */
const MODEL_OPTIONAL = new Set(['/v1/moderations', '/v1/images/generations', '/v1/images/edits', '/v1/videos']);

export function missingRequestField(endpoint: string, body: Record<string, unknown>): string | undefined {
  if (endpoint.startsWith('/v1/images/') || endpoint === '/v1/videos') {
    if (typeof body.prompt !== 'string' || body.prompt === '') return 'prompt';
    if (endpoint === '/v1/images/edits' && body.image === undefined && body.images === undefined) return 'images';
  }
  if (typeof body.model !== 'string' || body.model === '') return MODEL_OPTIONAL.has(endpoint) ? undefined : 'model';
  if (endpoint === '/v1/chat/completions' && !Array.isArray(body.messages)) return 'messages';
  if ((endpoint === '/v1/embeddings' || endpoint === '/v1/moderations' || endpoint === '/v1/responses') && body.input === undefined) return 'input';
  if (endpoint === '/v1/completions' && body.prompt === undefined) return 'prompt';
  return undefined;
}

function tokens(input: string, output: string) {
  return { inputTokens: approxTokens(input), outputTokens: approxTokens(output) };
}

function embeddingInputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input)) {
    // An array of token ids is one input; an array of strings (or of token arrays) is several.
    if (input.every((x) => typeof x === 'number')) return [input.join(' ')];
    return input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  }
  return [JSON.stringify(input ?? '')];
}

function responsesPrompt(body: Record<string, unknown>): { prompt: string; allText: string } {
  const input = body.input;
  const instructions = typeof body.instructions === 'string' ? body.instructions : '';
  if (typeof input === 'string') return { prompt: input, allText: `${instructions}\n${input}` };
  const { prompt, allText } = promptOfMessages(input);
  return { prompt, allText: `${instructions}\n${allText}` };
}
