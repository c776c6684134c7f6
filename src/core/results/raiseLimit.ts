import { isJsonObject } from '../json';

/**
 * The same request with its output token limit multiplied (a truncated or empty answer sent again with more room):
 * OpenAI `body.max_completion_tokens` / `max_tokens` / `max_output_tokens`, Anthropic `params.max_tokens`, Gemini
 * `request.generationConfig.maxOutputTokens` (or snake_case). `cap` bounds the new limit (the model's maximum when
 * known). Undefined when the line sets no limit to raise (it is then sent as it is).
 */
export function raiseTokenLimit(lineText: string, factor: number, cap = Number.POSITIVE_INFINITY): { text: string; from: number; to: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(lineText);
  } catch {
    return undefined;
  }
  if (!isJsonObject(v)) return undefined;
  const targets: [Record<string, unknown>, string[]][] = [];
  if (isJsonObject(v.body)) targets.push([v.body, ['max_completion_tokens', 'max_tokens', 'max_output_tokens']]);
  if (isJsonObject(v.params)) targets.push([v.params, ['max_tokens']]);
  if (isJsonObject(v.request)) {
    const config = v.request.generationConfig ?? v.request.generation_config;
    if (isJsonObject(config)) targets.push([config, ['maxOutputTokens', 'max_output_tokens']]);
  }
  for (const [obj, keys] of targets) {
    const key = keys.find((k) => typeof obj[k] === 'number');
    if (!key) continue;
    const from = obj[key] as number;
    const to = Math.min(cap, Math.max(from + 1, Math.round(from * factor)));
    obj[key] = to;
    return { text: JSON.stringify(v), from, to };
  }
  return undefined;
}
