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
