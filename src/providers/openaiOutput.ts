import type { ProviderResult } from '../core/results/record';
import type { TokenUsage } from '../core/status';
import { isJsonObject } from '../core/json';
import { readBatchOutputLine } from '../core/results/batchOutputLine';

// Parsing output lines needs no SDK: the local runner and vLLM files use it without loading the OpenAI client.

/**
 * One line of an OpenAI batch output or error file (also vLLM run_batch and the self-hosted runner); every shape
 * those write is read by core/results/batchOutputLine.
 * A line that is not such a record comes back as an errored result with an empty customId (callers skip those).
 */
export function parseOpenAIOutputLine(line: string): ProviderResult {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { customId: '', outcome: 'errored', raw: line, errorCode: 'invalid_result_line', errorMessage: 'A result line is not valid JSON.' };
  }
  if (!isJsonObject(v) || typeof v.custom_id !== 'string') {
    return { customId: '', outcome: 'errored', raw: v, errorCode: 'invalid_result_line', errorMessage: 'A result line has no custom_id.' };
  }
  const customId = v.custom_id;
  const r = readBatchOutputLine(v);
  if (!r.ok) return { customId, outcome: r.outcome, raw: v, errorCode: r.code, errorMessage: r.message };
  const outputText = textOfBody(r.body);
  const usage = usageOfBody(r.body);
  return { customId, outcome: 'succeeded', raw: v, ...(outputText !== undefined ? { outputText } : {}), ...(usage ? { usage } : {}) };
}

/** The answer text of a chat completion, a Responses API response or a legacy completion. */
function textOfBody(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as {
    choices?: { message?: { content?: unknown }; text?: unknown }[];
    output_text?: unknown;
    output?: { type?: string; content?: { type?: string; text?: unknown }[] }[];
  };
  const choice = b.choices?.[0];
  if (choice) {
    const content = choice.message?.content;
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) return content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('');
    if (typeof choice.text === 'string') return choice.text;
  }
  if (typeof b.output_text === 'string') return b.output_text;
  const other = mediaText(body as Record<string, unknown>);
  if (other !== undefined) return other;
  if (Array.isArray(b.output)) {
    const texts = b.output.flatMap((o) => (Array.isArray(o.content) ? o.content : [])).filter((c) => typeof c.text === 'string').map((c) => c.text as string);
    if (texts.length) return texts.join('');
  }
  return undefined;
}

function usageOfBody(body: unknown): TokenUsage | undefined {
  const u = (body as { usage?: Record<string, unknown> } | undefined)?.usage;
  if (!u || typeof u !== 'object') return undefined;
  const num = (x: unknown) => (typeof x === 'number' ? x : 0);
  const input = num(u.prompt_tokens ?? u.input_tokens);
  const output = num(u.completion_tokens ?? u.output_tokens);
  const details = (u.prompt_tokens_details ?? u.input_tokens_details) as { cached_tokens?: unknown } | undefined;
  const cached = num(details?.cached_tokens);
  return { inputTokens: input, outputTokens: output, ...(cached ? { cachedTokens: cached } : {}) };
}

/**
 * A line of text for the answers that are not text: images (ImagesResponse), a video job (Video) and moderation
 * results (ModerationCreateResponse), per openai-node's resources/*.d.ts. The images themselves show in the detail.
 */
function mediaText(b: Record<string, unknown>): string | undefined {
  if (Array.isArray(b.data) && b.data.some((d) => d && typeof d === 'object' && ('b64_json' in d || 'url' in d))) {
    const n = b.data.length;
    const facts = [typeof b.output_format === 'string' ? b.output_format : undefined, typeof b.size === 'string' ? b.size : undefined].filter(Boolean).join(', ');
    return `${n} image${n === 1 ? '' : 's'}${facts ? ` (${facts})` : ''}`;
  }
  if (b.object === 'video') return `video ${String(b.id ?? '')}: ${String(b.status ?? 'unknown')}${b.seconds ? `, ${String(b.seconds)} s` : ''}${typeof b.size === 'string' ? `, ${b.size}` : ''}`;
  if (Array.isArray(b.results) && typeof b.id === 'string' && b.id.startsWith('modr')) {
    return b.results
      .map((r: { flagged?: unknown; categories?: Record<string, unknown> }) => {
        const flagged = Object.entries(r?.categories ?? {}).filter(([, v]) => v === true).map(([k]) => k);
        return r?.flagged ? `flagged: ${flagged.join(', ') || 'yes'}` : 'not flagged';
      })
      .join('; ');
  }
  return undefined;
}

